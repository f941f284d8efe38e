// Messages between the extension host and the Run panel webview.
import type { MetricDirection, RunDetailData, SeriesData, StepRange } from './panelData';
import type { CopyTextMessage, ReadyMessage, SeriesRangeMessage } from './compareMessages';
import { arrayOf, isDirections, isFiniteNumber, isNumber, isRecord, isRunDetailData, isSeriesData, isStepRange, isString, messageGuard, shape, type Check } from './validate';

export interface RunInitMessage {
  readonly type: 'init';
  readonly run: RunDetailData;
  readonly directions: Readonly<Record<string, MetricDirection>>;
  readonly series: readonly SeriesData[];
}

/** Sent at most 4 times a second while the run records. */
export interface RunUpdatedMessage {
  readonly type: 'runUpdated';
  readonly run: RunDetailData;
  /** Of every metric the run has now: keys that appear while it records get theirs too. */
  readonly directions: Readonly<Record<string, MetricDirection>>;
  readonly series: readonly SeriesData[];
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

const toRunChecks: Readonly<Record<ToRunWebviewMessage['type'], Check>> = {
  init: shape({ run: isRunDetailData, directions: isDirections, series: arrayOf(isSeriesData) }),
  runUpdated: shape({ run: isRunDetailData, directions: isDirections, series: arrayOf(isSeriesData) }),
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
