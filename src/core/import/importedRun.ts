// What every reader in this folder produces: runs of another tracker described as plain data, in the
// vocabulary of DESIGN.md, before anything is written to a store. Readers never throw for bad input:
// what they cannot read goes into `skipped` with the reason, and what they could read is kept.
import type { ArtifactKind, ParamValue, RunStatus } from '../model';
import type { MetricSeries } from './metricSeries';

/** The trackers exptrack imports from; also the `source` an imported run is recorded with. */
export type ImportSourceKind = 'mlflow' | 'tensorboard' | 'wandb' | 'dvclive' | 'csv';

/** A data set or file the source says the run read. */
export interface ImportedInput {
  /** A path or URI where the source gives one, else the data set's name. */
  readonly path: string;
  readonly kind: ArtifactKind;
  /** The source's digest of the content, when it records one (not always a sha256). */
  readonly digest: string | null;
}

export interface ImportedRun {
  readonly source: ImportSourceKind;
  /** The source's own id of the run: the key that makes importing again add only what is new. */
  readonly sourceId: string;
  /** The file or folder the run was read from. */
  readonly location: string;
  experiment: string;
  name: string;
  status: RunStatus;
  /** ms since the epoch; null when the source does not say (the first point's time is used then). */
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  command: string | null;
  gitCommit: string | null;
  gitBranch: string | null;
  gitRemote: string | null;
  note: string | null;
  user: string | null;
  readonly params: Record<string, ParamValue>;
  readonly tags: Record<string, string>;
  /** key -> points in the order the source logged them. */
  readonly metrics: Map<string, MetricSeries>;
  readonly inputs: ImportedInput[];
}

/** Something a reader left out, and why. */
export interface ImportSkip {
  readonly path: string;
  readonly reason: string;
}

/** Where a reader reports what it skipped. */
export type SkipReport = (skip: ImportSkip) => void;

export function newImportedRun(source: ImportSourceKind, sourceId: string, location: string, experiment: string): ImportedRun {
  return {
    source, sourceId, location, experiment, name: sourceId, status: 'finished', startedAt: null, endedAt: null, exitCode: null,
    command: null, gitCommit: null, gitBranch: null, gitRemote: null, note: null, user: null,
    params: {}, tags: {}, metrics: new Map(), inputs: [],
  };
}

/** Points in a run, all series together. */
export function pointCount(run: ImportedRun): number {
  let n = 0;
  for (const s of run.metrics.values()) n += s.length;
  return n;
}
