// The vocabulary of DESIGN.md as plain data shapes, shared by the store, the recorder, the CLI and the
// extension. No behaviour here.

export type RunStatus = 'running' | 'finished' | 'failed' | 'killed' | 'interrupted';
export type ArtifactRole = 'input' | 'output';
export type ArtifactKind = 'dataset' | 'model' | 'file';
/** Params keep their string form; numbers and booleans are typed where they parse as such. */
export type ParamValue = string | number | boolean | null;

/** One metric observation. NaN and ±Infinity are legal values. */
export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  /** Wall-clock time, ms since the epoch. */
  readonly time: number;
}

export interface RunStart {
  readonly id: string;
  readonly experiment: string;
  readonly name: string;
  readonly command: string;
  readonly cwd: string;
  /** ms since the epoch */
  readonly startedAt: number;
  /** What captured it: cli, task, terminal. */
  readonly source: string;
  readonly pid?: number;
  readonly host?: string;
}

export interface RunEnd {
  readonly endedAt: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly status: RunStatus;
}

export interface GitInfo {
  readonly commit: string | null;
  readonly branch: string | null;
  readonly remote: string | null;
  readonly dirty: boolean;
  /** Commit id of the code snapshot kept under refs/exptrack/runs/<run-id>. */
  readonly snapshot: string | null;
}

export interface ArtifactRecord {
  /** Workspace-relative where possible, with forward slashes. */
  readonly path: string;
  readonly role: ArtifactRole;
  readonly kind: ArtifactKind;
  readonly sha256: string | null;
  readonly size: number | null;
  readonly mtime: number | null;
}

/**
 * Where a recorder sends what it observes. The store implements it by appending to this writer's
 * journal; every call must be cheap and never throw for bad data (it is reported instead).
 */
export interface RecordSink {
  startRun(run: RunStart): void;
  params(runId: string, params: Readonly<Record<string, ParamValue>>): void;
  metrics(runId: string, points: readonly MetricPoint[]): void;
  /**
   * The same as metrics() for points in columns (MetricBatch's shape: `f` holds key index, step,
   * value and time per point, at most 1000 points): no object per point. Optional; without it the
   * recorder calls metrics().
   */
  metricColumns?(runId: string, keys: readonly string[], f: Float64Array): void;
  tags(runId: string, tags: Readonly<Record<string, string>>): void;
  artifact(runId: string, artifact: ArtifactRecord): void;
  environment(runId: string, environment: Readonly<Record<string, unknown>>): void;
  git(runId: string, git: GitInfo): void;
  /** Code snapshot outside git: the entry script and files it names, path -> content. */
  codeFiles(runId: string, files: Readonly<Record<string, string>>): void;
  endRun(runId: string, end: RunEnd): void;
}

export interface MetricSummary {
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
  readonly lastStep: number;
}

/** What `exptrack ls --json` prints per run and what the Runs tree shows. */
export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  readonly status: RunStatus;
  readonly exitCode: number | null;
  readonly command: string;
  readonly cwd: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly metrics: Readonly<Record<string, MetricSummary>>;
}

/** What `exptrack show --json` prints. */
export interface RunDetail extends RunSummary {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly note: string | null;
  readonly git: GitInfo | null;
  readonly environment: Readonly<Record<string, unknown>>;
  readonly artifacts: readonly (ArtifactRecord & { readonly createdAt?: number })[];
  /** key -> [[step, value, timestampMs], ...] when asked for. */
  readonly series?: Readonly<Record<string, readonly (readonly [number, number, number])[]>>;
}
