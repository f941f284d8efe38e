// DVCLive's output folder (`dvclive/` by default): `plots/metrics/**/<name>.tsv` hold the series (a
// `step` column, optionally `timestamp` in ms, and the value column headed by the metric's name; the
// key is the file's path under plots/metrics without `.tsv`, e.g. `train/loss`), `metrics.json` the
// latest values (used for metrics that have no .tsv, at its `step`), `params.yaml` the params and
// `dvc.yaml` what DVC itself tracks. DVCLive has no run id: the folder's absolute path keys the run.
import fs from 'node:fs';
import path from 'node:path';
import { flattenParams } from '../recorder/flattenParams';
import type { ParamValue } from '../model';
import { newImportedRun, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { cellNumber, parseDelimited } from './delimitedText';
import { asRecord, readYamlFile } from './yamlFile';

/** True when `dir` is a DVCLive output folder. */
export function isDvcLiveDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'plots', 'metrics')) || (fs.existsSync(path.join(dir, 'metrics.json')) && fs.existsSync(path.join(dir, 'dvc.yaml')));
}

export function readDvcLiveRun(dir: string, opts: { experiment: string; name: string; skip: SkipReport }): ImportedRun {
  const skip = opts.skip;
  const abs = path.resolve(dir);
  const run = newImportedRun('dvclive', abs, abs, opts.experiment);
  run.name = opts.name;
  const plots = path.join(dir, 'plots', 'metrics');
  let earliest = Infinity;
  let latest = -Infinity;
  for (const rel of listTsv(plots)) {
    const file = path.join(plots, rel);
    let text: string;
    let mtime: number;
    try { text = fs.readFileSync(file, 'utf8'); mtime = fs.statSync(file).mtimeMs; } catch (e) { skip({ path: file, reason: `cannot read: ${(e as Error).message}` }); continue; }
    const rows = parseDelimited(text, '\t');
    const header = rows[0]?.map((h) => h.trim()) ?? [];
    const name = path.basename(rel, '.tsv');
    const stepCol = header.indexOf('step');
    const timeCol = header.indexOf('timestamp');
    let valueCol = header.indexOf(name);
    if (valueCol < 0) valueCol = header.findIndex((h, i) => i !== stepCol && i !== timeCol);
    if (valueCol < 0) { skip({ path: file, reason: 'no value column in its header' }); continue; }
    const key = rel.slice(0, -'.tsv'.length).split(path.sep).join('/');
    const series = seriesOf(run.metrics, key);
    let bad = 0;
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i];
      const value = cellNumber(r[valueCol] ?? '');
      const step = stepCol >= 0 ? cellNumber(r[stepCol] ?? '') : i - 1;
      const time = timeCol >= 0 ? cellNumber(r[timeCol] ?? '') : mtime;
      if (value === undefined || step === undefined || !Number.isFinite(step)) { bad++; continue; }
      const t = time !== undefined && Number.isFinite(time) ? time : mtime;
      earliest = Math.min(earliest, t);
      latest = Math.max(latest, t);
      series.add(step, t, value);
    }
    if (bad) skip({ path: file, reason: `${bad} row(s) without a numeric value and step` });
    if (!series.length) run.metrics.delete(key);
  }
  const params = asRecord(readYamlFile(path.join(dir, 'params.yaml'), skip));
  Object.assign(run.params, flattenParams(params) as Record<string, ParamValue>);
  if (Number.isFinite(earliest)) run.startedAt = Math.round(earliest);
  if (Number.isFinite(latest)) run.endedAt = Math.round(latest);
  readLatestMetrics(path.join(dir, 'metrics.json'), run, skip);
  return run;
}

/** metrics.json: the latest value of every metric; the ones without a series become one point. */
function readLatestMetrics(file: string, run: ImportedRun, skip: SkipReport): void {
  let doc: Record<string, unknown>;
  let mtime: number;
  try {
    doc = asRecord(JSON.parse(fs.readFileSync(file, 'utf8').replace(/\bNaN\b/g, '"NaN"').replace(/-Infinity\b/g, '"-Infinity"').replace(/(?<!")\bInfinity\b/g, '"Infinity"')));
    mtime = fs.statSync(file).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') skip({ path: file, reason: `not readable JSON: ${(e as Error).message}` });
    return;
  }
  const step = typeof doc.step === 'number' ? doc.step : 0;
  // Nested the way DVCLive nests `train/loss`: the keys join with '/', as the .tsv paths do.
  const visit = (value: unknown, key: string): void => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, key ? `${key}/${k}` : k);
      return;
    }
    if (!key || key === 'step' || run.metrics.has(key)) return;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? cellNumber(value) : undefined;
    if (n !== undefined) seriesOf(run.metrics, key).add(step, run.endedAt ?? mtime, n);
  };
  visit(doc, '');
}

function listTsv(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.tsv')).sort();
  } catch {
    return [];
  }
}
