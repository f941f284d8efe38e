// The table of runs that `exptrack export` writes as CSV (to stdout) and as Parquet (runs.parquet):
// one row per run, the run's fields, then `params.<key>`, `metrics.<key>` (the last value) and
// `tags.<key>` columns over every key any run has. One definition, so both formats hold the same.
import type { ParamValue, RunDetail } from '../model';

/** text: strings; number: doubles; time: ms since the epoch (dates). */
export type RunsTableKind = 'text' | 'number' | 'time';

export interface RunsTableColumn {
  readonly name: string;
  readonly kind: RunsTableKind;
  /** One per run; null where the run has no value. */
  readonly values: readonly (string | number | null)[];
}

export function runsTable(runs: readonly RunDetail[]): RunsTableColumn[] {
  const col = (name: string, kind: RunsTableKind, f: (r: RunDetail) => string | number | null): RunsTableColumn => ({ name, kind, values: runs.map(f) });
  const keys = (f: (r: RunDetail) => object): string[] => [...new Set(runs.flatMap((r) => Object.keys(f(r))))].sort();
  return [
    col('id', 'text', (r) => r.id), col('name', 'text', (r) => r.name), col('experiment', 'text', (r) => r.experiment),
    col('status', 'text', (r) => r.status), col('exitCode', 'number', (r) => r.exitCode), col('command', 'text', (r) => r.command),
    col('cwd', 'text', (r) => r.cwd), col('startedAt', 'time', (r) => r.startedAt), col('endedAt', 'time', (r) => r.endedAt),
    col('durationMs', 'number', (r) => r.durationMs), col('gitCommit', 'text', (r) => r.git?.commit ?? null),
    ...keys((r) => r.params).map((k) => paramColumn(k, runs.map((r) => (k in r.params ? r.params[k] : undefined)))),
    ...keys((r) => r.metrics).map((k) => col(`metrics.${k}`, 'number', (r) => r.metrics[k]?.last ?? null)),
    ...keys((r) => r.tags).map((k) => col(`tags.${k}`, 'text', (r) => r.tags[k] ?? null)),
  ];
}

/** A param column is numbers when every value the runs have is a number, else text. */
function paramColumn(key: string, values: readonly (ParamValue | undefined)[]): RunsTableColumn {
  const numeric = values.every((v) => v === undefined || v === null || typeof v === 'number');
  return {
    name: `params.${key}`, kind: numeric ? 'number' : 'text',
    values: values.map((v) => (v === undefined || v === null ? null : numeric ? v as number : String(v))),
  };
}
