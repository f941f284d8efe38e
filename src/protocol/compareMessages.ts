// Messages between the extension host and the Compare panel webview.
import type { MetricDirection, RunData, SeriesData, StepRange } from './panelData';
import { arrayOf, isDirections, isFiniteNumber, isNumber, isRecord, isRunData, isSeriesData, isStepRange, isString, messageGuard, nullable, shape, type Check } from './validate';

/** Everything the panel needs to draw, sent once after `ready` (and again when the run set changes). */
export interface CompareInitMessage {
  readonly type: 'init';
  readonly runs: readonly RunData[];
  readonly directions: Readonly<Record<string, MetricDirection>>;
  /** The metric the runs are summarised by (as in the Runs view): the scatter's and parallel axes' default. */
  readonly headlineMetric: string | null;
  /** Columns of every metric series of every run, downsampled by the host. */
  readonly series: readonly SeriesData[];
}

/** Fresh summaries while some compared run is still running, with overview series of changed runs. */
export interface CompareRunsUpdatedMessage {
  readonly type: 'runsUpdated';
  readonly runs: readonly RunData[];
  /** Of every metric the runs have now: keys that appear while a run records get theirs too. */
  readonly directions: Readonly<Record<string, MetricDirection>>;
  readonly headlineMetric: string | null;
  readonly series: readonly SeriesData[];
}

/** Full-resolution (within the point budget) data for a zoomed chart. */
export interface SeriesRangeMessage {
  readonly type: 'seriesRange';
  readonly requestId: number;
  readonly key: string;
  readonly series: readonly SeriesData[];
}

export interface ChangedFile {
  readonly path: string;
  /** git's name-status letter: A, M, D, R, C, T. */
  readonly status: string;
}

export interface ChangedFilesMessage {
  readonly type: 'changedFiles';
  readonly requestId: number;
  readonly runA: string;
  readonly runB: string;
  readonly files: readonly ChangedFile[];
  /** Why no list could be made (no snapshot, not a git repository...). */
  readonly error: string | null;
}

export type ToCompareWebviewMessage =
  | CompareInitMessage | CompareRunsUpdatedMessage | SeriesRangeMessage | ChangedFilesMessage;

export interface ReadyMessage {
  readonly type: 'ready';
  /** Points per series the webview's charts can show (about two per device pixel of a chart). */
  readonly pointBudget?: number;
}
export interface FetchRangeMessage {
  readonly type: 'fetchRange';
  readonly requestId: number;
  readonly key: string;
  readonly ranges: readonly StepRange[];
}
export interface RequestChangedFilesMessage {
  readonly type: 'requestChangedFiles';
  readonly requestId: number;
  readonly runA: string;
  readonly runB: string;
}
export interface OpenDiffMessage { readonly type: 'openDiff'; readonly runA: string; readonly runB: string; readonly path: string }
export interface OpenRunMessage { readonly type: 'openRun'; readonly runId: string }
export interface ExportCsvMessage { readonly type: 'exportCsv'; readonly fileName: string; readonly csv: string }
export interface CopyTextMessage { readonly type: 'copyText'; readonly text: string; readonly what: string }
/** Make a compared run its experiment's baseline (the tag exptrack.baseline; docs/explain.md). */
export interface SetExperimentBaselineMessage { readonly type: 'setExperimentBaseline'; readonly runId: string }

export type FromCompareWebviewMessage =
  | ReadyMessage | FetchRangeMessage | RequestChangedFilesMessage | OpenDiffMessage | OpenRunMessage
  | ExportCsvMessage | CopyTextMessage | SetExperimentBaselineMessage;

const isChangedFile = shape({ path: isString, status: isString });

const toCompareChecks: Readonly<Record<ToCompareWebviewMessage['type'], Check>> = {
  init: shape({ runs: arrayOf(isRunData), directions: isDirections, headlineMetric: nullable(isString), series: arrayOf(isSeriesData) }),
  runsUpdated: shape({ runs: arrayOf(isRunData), directions: isDirections, headlineMetric: nullable(isString), series: arrayOf(isSeriesData) }),
  seriesRange: shape({ requestId: isNumber, key: isString, series: arrayOf(isSeriesData) }),
  changedFiles: shape({
    requestId: isNumber, runA: isString, runB: isString, files: arrayOf(isChangedFile), error: nullable(isString),
  }),
};

const fromCompareChecks: Readonly<Record<FromCompareWebviewMessage['type'], Check>> = {
  ready: (v) => isRecord(v) && (v.pointBudget === undefined || isFiniteNumber(v.pointBudget)),
  fetchRange: shape({ requestId: isNumber, key: isString, ranges: arrayOf(isStepRange) }),
  requestChangedFiles: shape({ requestId: isNumber, runA: isString, runB: isString }),
  openDiff: shape({ runA: isString, runB: isString, path: isString }),
  openRun: shape({ runId: isString }),
  exportCsv: shape({ fileName: isString, csv: isString }),
  copyText: shape({ text: isString, what: isString }),
  setExperimentBaseline: shape({ runId: isString }),
};

export const isToCompareWebviewMessage = messageGuard<ToCompareWebviewMessage>(toCompareChecks);

export const isFromCompareWebviewMessage = messageGuard<FromCompareWebviewMessage>(fromCompareChecks);
