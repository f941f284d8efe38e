// CSV and TSV files of metrics, in the two shapes people export them in:
// - wide: one row per step, a step column (step, epoch, iteration, ...) and a column per metric; a
//   run column (run, run_id, run_name) splits the rows into runs, else the file is one run;
// - long: one row per point with key and value columns (and optionally run, step, time).
// A column that is not numeric in any row is not a metric (reported). Runs are keyed by the file's
// absolute path and the run column's value.
import fs from 'node:fs';
import path from 'node:path';
import { newImportedRun, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { cellNumber, parseDelimited, sniffDelimiter } from './delimitedText';

const STEP_COLUMNS = ['step', 'global_step', '_step', 'iteration', 'iter', 'epoch', 'index', 'x'];
const RUN_COLUMNS = ['run', 'run_id', 'run_name', 'run_uuid', 'name'];
const KEY_COLUMNS = ['key', 'metric', 'metric_name', 'tag'];
const VALUE_COLUMNS = ['value', 'metric_value'];
const TIME_COLUMNS = ['timestamp', 'time', 'wall_time', '_timestamp'];

export function isDelimitedFile(file: string): boolean {
  return /\.(csv|tsv)$/i.test(file);
}

export function readCsvRuns(file: string, opts: { experiment: string; skip: SkipReport }): ImportedRun[] {
  const skip = opts.skip;
  const abs = path.resolve(file);
  let text: string;
  let mtime: number;
  try { text = fs.readFileSync(abs, 'utf8'); mtime = fs.statSync(abs).mtimeMs; } catch (e) {
    skip({ path: file, reason: `cannot read: ${(e as Error).message}` });
    return [];
  }
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const rows = parseDelimited(text, sniffDelimiter(firstLine, file));
  if (rows.length < 2) { skip({ path: file, reason: 'no header and data rows' }); return []; }
  const header = rows[0].map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const find = (names: readonly string[]): number => {
    for (const n of names) { const i = lower.indexOf(n); if (i >= 0) return i; }
    return -1;
  };
  const runCol = find(RUN_COLUMNS);
  const stepCol = find(STEP_COLUMNS);
  const timeCol = find(TIME_COLUMNS);
  const keyCol = find(KEY_COLUMNS);
  const valueCol = find(VALUE_COLUMNS);
  const long = keyCol >= 0 && valueCol >= 0;
  const baseName = path.basename(file).replace(/\.(csv|tsv)$/i, '');
  const runs = new Map<string, ImportedRun>();
  const runOf = (row: string[]): ImportedRun => {
    const id = runCol >= 0 ? (row[runCol] ?? '').trim() : '';
    let run = runs.get(id);
    if (!run) {
      run = newImportedRun('csv', id ? `${abs}#${id}` : abs, abs, opts.experiment);
      run.name = id || baseName;
      runs.set(id, run);
    }
    return run;
  };
  const rowTime = (row: string[]): number => {
    if (timeCol < 0) return mtime;
    const cell = (row[timeCol] ?? '').trim();
    const n = cellNumber(cell);
    // Seconds (wall_time, _timestamp) or ms; else an ISO date.
    if (n !== undefined && Number.isFinite(n)) return n < 1e11 ? n * 1000 : n;
    const d = Date.parse(cell);
    return Number.isNaN(d) ? mtime : d;
  };
  let bad = 0;
  if (long) {
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i];
      const key = (r[keyCol] ?? '').trim();
      const value = cellNumber(r[valueCol] ?? '');
      const step = stepCol >= 0 ? cellNumber(r[stepCol] ?? '') : 0;
      if (!key || value === undefined || step === undefined || !Number.isFinite(step)) { bad++; continue; }
      seriesOf(runOf(r).metrics, key).add(step, rowTime(r), value);
    }
  } else {
    const skipCols = new Set([runCol, stepCol, timeCol].filter((c) => c >= 0));
    const metricCols = header.map((_, c) => c).filter((c) => !skipCols.has(c));
    const numeric = new Set<number>();
    for (const c of metricCols) if (rows.some((r, i) => i > 0 && cellNumber(r[c] ?? '') !== undefined)) numeric.add(c);
    const textCols = metricCols.filter((c) => !numeric.has(c)).map((c) => header[c]);
    if (textCols.length) skip({ path: file, reason: `column(s) without numbers, not metrics: ${textCols.join(', ')}` });
    if (stepCol < 0) skip({ path: file, reason: 'no step column (step, epoch, iteration, ...): rows are numbered from 0' });
    const perRunRow = new Map<ImportedRun, number>();
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i];
      const run = runOf(r);
      const n = perRunRow.get(run) ?? 0;
      perRunRow.set(run, n + 1);
      const step = stepCol >= 0 ? cellNumber(r[stepCol] ?? '') : n;
      if (step === undefined || !Number.isFinite(step)) { bad++; continue; }
      const time = rowTime(r);
      // An empty cell is a metric not logged at this step, not a NaN.
      for (const c of numeric) { const v = cellNumber(r[c] ?? ''); if (v !== undefined) seriesOf(run.metrics, header[c]).add(step, time, v); }
    }
  }
  if (bad) skip({ path: file, reason: `${bad} row(s) without ${long ? 'a key, a numeric value and step' : 'a numeric step'}` });
  for (const run of runs.values()) {
    let first = Infinity, last = -Infinity;
    for (const s of run.metrics.values()) for (let i = 0; i < s.length; i++) { first = Math.min(first, s.times[i]); last = Math.max(last, s.times[i]); }
    if (Number.isFinite(first)) { run.startedAt = Math.round(first); run.endedAt = Math.round(last); }
  }
  return [...runs.values()];
}
