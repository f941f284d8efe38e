// Messages between the extension host and the Run panel webview.
import type { MetricDirection, RunDetailData, SeriesData, StepRange, TrendData } from './panelData';
import type { CopyTextMessage, ReadyMessage, SeriesRangeMessage } from './compareMessages';
import { arrayOf, isDirections, isFiniteNumber, isNumber, isRecord, isRunDetailData, isSeriesData, isStepRange, isString, messageGuard, nullable, oneOf, shape, type Check } from './validate';

export interface RunInitMessage {
  readonly type: 'init';
  readonly run: RunDetailData;
  readonly directions: Readonly<Record<string, MetricDirection>>;
  readonly series: readonly SeriesData[];
  /** The run's headline metric across its experiment's runs; null with fewer than two such runs. */
  readonly trend: TrendData | null;
}

/** Sent at most 4 times a second while the run records. */
export interface RunUpdatedMessage {
  readonly type: 'runUpdated';
  readonly run: RunDetailData;
  /** Of every metric the run has now: keys that appear while it records get theirs too. */
  readonly directions: Readonly<Record<string, MetricDirection>>;
  readonly series: readonly SeriesData[];
  readonly trend: TrendData | null;
}

/** The run was deleted or can no longer be read. */
export interface RunGoneMessage { readonly type: 'runGone'; readonly runId: string }

export type ToRunWebviewMessage = RunInitMessage | RunUpdatedMessage | SeriesRangeMessage | RunGoneMessage;

export interface RunFetchRangeMessage {
  readonly type: 'fetchRange';
  readonly requestId: number;
  readonly key: string;
  readonly ranges: readonly StepRange[];
}
export interface RevealArtifactMessage { readonly type: 'revealArtifact'; readonly path: string }

export type FromRunWebviewMessage =
  | ReadyMessage | RunFetchRangeMessage | RevealArtifactMessage | CopyTextMessage;

const isTrendData = shape({
  experiment: isString, key: isString, direction: nullable(oneOf('lower', 'higher')), baselineRunId: nullable(isString),
  points: arrayOf(shape({ runId: isString, name: isString, startedAt: isFiniteNumber, value: isFiniteNumber, bestSoFar: isFiniteNumber })),
});

const toRunChecks: Readonly<Record<ToRunWebviewMessage['type'], Check>> = {
  init: shape({ run: isRunDetailData, directions: isDirections, series: arrayOf(isSeriesData), trend: nullable(isTrendData) }),
  runUpdated: shape({ run: isRunDetailData, directions: isDirections, series: arrayOf(isSeriesData), trend: nullable(isTrendData) }),
  seriesRange: shape({ requestId: isNumber, key: isString, series: arrayOf(isSeriesData) }),
  runGone: shape({ runId: isString }),
};

const fromRunChecks: Readonly<Record<FromRunWebviewMessage['type'], Check>> = {
  ready: (v) => isRecord(v) && (v.pointBudget === undefined || isFiniteNumber(v.pointBudget)),
  fetchRange: shape({ requestId: isNumber, key: isString, ranges: arrayOf(isStepRange) }),
  revealArtifact: shape({ path: isString }),
  copyText: shape({ text: isString, what: isString }),
};

export const isToRunWebviewMessage = messageGuard<ToRunWebviewMessage>(toRunChecks);

export const isFromRunWebviewMessage = messageGuard<FromRunWebviewMessage>(fromRunChecks);
