// Writes imported runs into a store through its public ingestion path (the RecordSink every recorder
// uses, and the note edit), so they become runs like any other. Idempotent: a run's id comes from its
// source id (importedRunId.ts); for a run already there, only what is new is written: metric points
// past the last step the store has for that key, params and tags whose value changed, the end when
// the status or end time changed. A note the user edited is never overwritten.
import type { ParamValue, RecordSink, RunDetail } from '../model';
import { importedRunId } from './importedRunId';
import { pointCount, type ImportedRun } from './importedRun';
import type { MetricSeries } from './metricSeries';

/** What the writer needs from a store: its ingestion sink, what it holds of a run, the note edit. */
export interface ImportTarget {
  readonly sink: RecordSink;
  getRun(id: string): RunDetail | undefined;
  setNote(id: string, note: string): void;
}

/** What writing one run did. */
export interface RunImportResult {
  readonly id: string;
  readonly sourceId: string;
  readonly name: string;
  readonly experiment: string;
  /** 'new': not in the store before; 'updated': new points or fields; 'unchanged': nothing new. */
  readonly outcome: 'new' | 'updated' | 'unchanged';
  /** Points in the source, and the ones written (the rest were already in the store). */
  readonly points: number;
  readonly newPoints: number;
  /** Notes are set once the run's start is folded: the caller applies these after a refresh. */
  readonly note: string | null;
}

/** At most this many points per sink call (the journal's record size). */
const CHUNK = 1000;

export function writeImportedRun(run: ImportedRun, target: ImportTarget): RunImportResult {
  const id = importedRunId(run.source, run.sourceId);
  const existing = target.getRun(id);
  const sink = target.sink;
  const firstTime = firstPointTime(run);
  const startedAt = run.startedAt ?? (Number.isFinite(firstTime) ? firstTime : Date.now());
  let changed = false;
  if (!existing) {
    sink.startRun({ id, experiment: run.experiment, name: run.name, command: run.command ?? '', cwd: '', startedAt, source: run.source });
    changed = true;
  }
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(run.params)) if (!existing || !sameParam(existing.params[k], v)) params[k] = v;
  if (Object.keys(params).length) { sink.params(id, params); changed = true; }
  const tags: Record<string, string> = { ...run.tags, 'import.source': run.source, 'import.id': run.sourceId, 'import.location': run.location };
  if (run.user) tags['import.user'] = run.user;
  for (const k of Object.keys(tags)) if (existing && existing.tags[k] === tags[k]) delete tags[k];
  if (Object.keys(tags).length) { sink.tags(id, tags); changed = true; }
  if ((run.gitCommit || run.gitRemote) && (!existing?.git || existing.git.commit !== run.gitCommit || existing.git.remote !== run.gitRemote)) {
    sink.git(id, { commit: run.gitCommit, branch: run.gitBranch, remote: run.gitRemote, dirty: false, snapshot: null });
    changed = true;
  }
  if (!existing) {
    for (const input of run.inputs) {
      sink.artifact(id, { path: input.path, role: 'input', kind: input.kind, sha256: input.digest && /^[0-9a-f]{64}$/.test(input.digest) ? input.digest : null, size: null, mtime: null });
    }
  }
  let newPoints = 0;
  for (const [key, series] of run.metrics) {
    const stored = existing?.metrics[key];
    newPoints += writeSeries(sink, id, key, series, stored ? stored.lastStep : -Infinity, startedAt);
  }
  if (newPoints) changed = true;
  // A run the source still calls running is recorded as interrupted (nothing is writing it here),
  // ended at the last thing the source saw; importing again once it finished updates it.
  const status = run.status === 'running' ? 'interrupted' : run.status;
  const endedAt = run.endedAt ?? Math.max(startedAt, lastPointTime(run));
  if (!existing || existing.status !== status || existing.endedAt !== endedAt) {
    sink.endRun(id, { status, endedAt, exitCode: run.exitCode, signal: null });
    changed = true;
  }
  const note = run.note && (!existing || existing.note === null) ? run.note : null;
  return {
    id, sourceId: run.sourceId, name: run.name, experiment: run.experiment, points: pointCount(run), newPoints, note,
    outcome: !existing ? 'new' : changed || note ? 'updated' : 'unchanged',
  };
}

/** Writes the points of `series` with a step past `afterStep`, in columns of at most CHUNK points. */
function writeSeries(sink: RecordSink, id: string, key: string, series: MetricSeries, afterStep: number, fallbackTime: number): number {
  const keys = [key];
  let f = new Float64Array(CHUNK * 4);
  let n = 0;
  let written = 0;
  let lastTime = fallbackTime;
  const flush = (): void => {
    if (!n) return;
    const chunk = n === CHUNK ? f : f.slice(0, n * 4);
    if (sink.metricColumns) sink.metricColumns(id, keys, chunk);
    else {
      const points = [];
      for (let i = 0; i < n; i++) points.push({ key, step: chunk[i * 4 + 1], value: chunk[i * 4 + 2], time: chunk[i * 4 + 3] });
      sink.metrics(id, points);
    }
    written += n;
    n = 0;
    f = new Float64Array(CHUNK * 4); // the sink may keep the array it was handed
  };
  for (let i = 0; i < series.length; i++) {
    const step = series.steps[i];
    if (!(step > afterStep)) continue;
    const t = series.times[i];
    if (Number.isFinite(t)) lastTime = Math.round(t);
    const o = n * 4;
    f[o] = 0;
    f[o + 1] = step;
    f[o + 2] = series.values[i];
    f[o + 3] = lastTime;
    if (++n === CHUNK) flush();
  }
  flush();
  return written;
}

function firstPointTime(run: ImportedRun): number {
  let t = Infinity;
  for (const s of run.metrics.values()) for (let i = 0; i < s.length; i++) if (s.times[i] < t) t = s.times[i];
  return Number.isFinite(t) ? Math.round(t) : NaN;
}

function lastPointTime(run: ImportedRun): number {
  let t = -Infinity;
  for (const s of run.metrics.values()) for (let i = 0; i < s.length; i++) if (s.times[i] > t) t = s.times[i];
  return Number.isFinite(t) ? Math.round(t) : -Infinity;
}

function sameParam(a: ParamValue | undefined, b: ParamValue): boolean {
  if (a === b) return true;
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}
