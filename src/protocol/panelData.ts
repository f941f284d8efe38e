// Plain data shapes the Compare and Run panels receive. Structurally compatible with src/core/model.ts
// but declared here because src/protocol imports nothing (the webview bundle must not pull in core).

export type ParamValueData = string | number | boolean | null;
export type RunStatusData = 'running' | 'finished' | 'failed' | 'killed' | 'interrupted';
/** Which way a metric improves; decides the better/worse colour of a delta. */
export type MetricDirection = 'lower' | 'higher';

export interface MetricSummaryData {
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
  readonly lastStep: number;
  /** Step of the best value by the metric's direction; null when unknown (no finite value). */
  readonly bestStep: number | null;
}

export interface GitData {
  readonly commit: string | null;
  readonly branch: string | null;
  readonly dirty: boolean;
  /** Commit id of the code snapshot (refs/exptrack/runs/<run-id>), null when none was taken. */
  readonly snapshot: string | null;
}

export interface RunData {
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  readonly status: RunStatusData;
  readonly command: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly params: Readonly<Record<string, ParamValueData>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, MetricSummaryData>>;
  readonly git: GitData | null;
}

export interface ArtifactData {
  readonly path: string;
  readonly role: 'input' | 'output';
  readonly kind: 'dataset' | 'model' | 'file';
  readonly sha256: string | null;
  readonly size: number | null;
}

/** A run with everything the Run panel shows. Environment values are flattened to display strings. */
export interface RunDetailData extends RunData {
  readonly note: string | null;
  readonly environment: Readonly<Record<string, string>>;
  readonly artifacts: readonly ArtifactData[];
  /** Last lines of the console output; null when the data source keeps none. */
  readonly outputTail: string | null;
}

/**
 * One metric series of one run as columns. Typed arrays cross the webview boundary as binary;
 * arrays of point objects cost ~15x more to post (measured in the issue).
 */
export interface SeriesData {
  readonly runId: string;
  readonly key: string;
  readonly steps: Float64Array;
  readonly values: Float64Array;
  /** Wall-clock ms since the epoch. */
  readonly times: Float64Array;
}

/** Inclusive step range of one run, as asked for by a zoomed chart. */
export interface StepRange {
  readonly runId: string;
  readonly fromStep: number;
  readonly toStep: number;
}

/** One run on an experiment's trend. */
export interface TrendPointData {
  readonly runId: string;
  readonly name: string;
  readonly startedAt: number;
  readonly value: number;
  readonly bestSoFar: number;
}

/** An experiment's headline metric across its runs, oldest first: is it getting better? */
export interface TrendData {
  readonly experiment: string;
  readonly key: string;
  readonly direction: MetricDirection | null;
  readonly points: readonly TrendPointData[];
  /** The experiment's baseline run, when it has one. */
  readonly baselineRunId: string | null;
}
