// MLflow's folder store (`mlruns/`): `<experiment id>/meta.yaml`, `<experiment id>/<run id>/meta.yaml`,
// `metrics/<key>` (lines `timestamp value step`, or `timestamp value` from MLflow before 1.0; a key
// with `/` is a sub-folder), `params/<key>` and `tags/<key>` (the file's text is the value), and
// `inputs/<id>/meta.yaml` pointing at `<experiment id>/datasets/<id>/meta.yaml`. Runs and experiments
// with `lifecycle_stage: deleted`, and `.trash/`, are left out and reported.
import fs from 'node:fs';
import path from 'node:path';
import { toParamValue } from '../recorder/paramValue';
import { newImportedRun, type ImportedInput, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { applyMlflowTags, mlflowNumber, mlflowStatus } from './mlflowRunFields';
import { asRecord, readYamlFile } from './yamlFile';

/** True when `dir` looks like an MLflow folder store: a child folder with an experiment meta.yaml. */
export function isMlflowFolderStore(dir: string): boolean {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return false; }
  return entries.some((e) => e.isDirectory() && e.name !== '.trash' && isExperimentMeta(path.join(dir, e.name, 'meta.yaml')));
}

function isExperimentMeta(file: string): boolean {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return false; }
  return /^experiment_id:/m.test(text) && /^(name|artifact_location):/m.test(text) && !/^run_(id|uuid):/m.test(text);
}

/** The runs of the store at `root`, one at a time. */
export function* readMlflowFolderStore(root: string, opts: { experiment?: string; skip: SkipReport }): Generator<ImportedRun> {
  const skip = opts.skip;
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(root, { withFileTypes: true }); } catch (e) {
    skip({ path: root, reason: `cannot read: ${(e as Error).message}` });
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, e.name);
    if (!e.isDirectory()) continue;
    if (e.name === '.trash') {
      const n = safeList(dir).length;
      if (n) skip({ path: dir, reason: `${n} deleted experiment(s) or run(s) in MLflow's trash` });
      continue;
    }
    if (e.name === 'models') continue; // the model registry, not runs
    if (!isExperimentMeta(path.join(dir, 'meta.yaml'))) {
      skip({ path: dir, reason: 'not an MLflow experiment (no experiment meta.yaml)' });
      continue;
    }
    const meta = asRecord(readYamlFile(path.join(dir, 'meta.yaml'), skip));
    const experimentName = String(meta.name ?? e.name) || e.name;
    const runDirs = safeList(dir).filter((r) => r.isDirectory() && r.name !== 'datasets' && fs.existsSync(path.join(dir, r.name, 'meta.yaml')));
    if (meta.lifecycle_stage === 'deleted') {
      skip({ path: dir, reason: `experiment "${experimentName}" is deleted in MLflow (${runDirs.length} run(s))` });
      continue;
    }
    for (const r of runDirs.sort((a, b) => a.name.localeCompare(b.name))) {
      const run = readRun(path.join(dir, r.name), opts.experiment ?? experimentName, dir, skip);
      if (run) yield run;
    }
  }
}

function readRun(dir: string, experiment: string, experimentDir: string, skip: SkipReport): ImportedRun | undefined {
  const meta = asRecord(readYamlFile(path.join(dir, 'meta.yaml'), skip));
  const runId = String(meta.run_id ?? meta.run_uuid ?? path.basename(dir));
  if (meta.lifecycle_stage === 'deleted') {
    skip({ path: dir, reason: `run ${runId} is deleted in MLflow` });
    return undefined;
  }
  const run = newImportedRun('mlflow', runId, dir, experiment);
  run.name = String(meta.run_name || meta.name || runId);
  run.status = mlflowStatus(meta.status);
  run.startedAt = typeof meta.start_time === 'number' ? meta.start_time : null;
  run.endedAt = typeof meta.end_time === 'number' ? meta.end_time : null;
  run.user = typeof meta.user_id === 'string' && meta.user_id ? meta.user_id : null;
  if (typeof meta.source_name === 'string' && meta.source_name) run.command = meta.source_name;
  if (typeof meta.source_version === 'string' && meta.source_version) run.gitCommit = meta.source_version;
  for (const [k, v] of Object.entries(readKeyFiles(path.join(dir, 'params'), skip))) run.params[k] = toParamValue(v);
  applyMlflowTags(run, readKeyFiles(path.join(dir, 'tags'), skip));
  readMetrics(path.join(dir, 'metrics'), '', run, skip);
  run.inputs.push(...readInputs(dir, experimentDir, skip));
  return run;
}

/** `params/` and `tags/`: one file per key (nested folders for keys with `/`), the text is the value. */
function readKeyFiles(dir: string, skip: SkipReport, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const e of safeList(dir)) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) readKeyFiles(file, skip, `${prefix}${e.name}/`, out);
    else {
      try { out[prefix + e.name] = fs.readFileSync(file, 'utf8'); } catch (err) { skip({ path: file, reason: `cannot read: ${(err as Error).message}` }); }
    }
  }
  return out;
}

function readMetrics(dir: string, prefix: string, run: ImportedRun, skip: SkipReport): void {
  for (const e of safeList(dir).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) { readMetrics(file, `${prefix}${e.name}/`, run, skip); continue; }
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch (err) { skip({ path: file, reason: `cannot read: ${(err as Error).message}` }); continue; }
    const series = seriesOf(run.metrics, prefix + e.name);
    let bad = 0;
    let firstBad = '';
    // Fields split by hand: a regex split per line was half of the reading time at 1M points.
    let at = 0;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const line = text.slice(at, end);
      at = end + 1;
      const f = line.trim().split(' ').filter((x) => x !== '');
      if (!f.length) continue;
      const time = Number(f[0]);
      const raw = f.length >= 2 ? Number(f[1]) : NaN;
      const value = Number.isNaN(raw) && f.length >= 2 ? mlflowNumber(f[1]) : raw;
      const step = f.length >= 3 ? Number(f[2]) : 0;
      if (f.length < 2 || f.length > 3 || !Number.isFinite(time) || !Number.isFinite(step) || (Number.isNaN(value) && !/nan/i.test(f[1]))) {
        if (!bad++) firstBad = line.slice(0, 80);
        continue;
      }
      series.add(step, time, value);
    }
    if (bad) skip({ path: file, reason: `${bad} line(s) not of the form "timestamp value [step]" (first: ${JSON.stringify(firstBad)})` });
    if (!series.length) run.metrics.delete(prefix + e.name);
  }
}

/** MLflow 2.4+ logs data sets per experiment and links runs to them through `inputs/`. */
function readInputs(runDir: string, experimentDir: string, skip: SkipReport): ImportedInput[] {
  const out: ImportedInput[] = [];
  for (const e of safeList(path.join(runDir, 'inputs'))) {
    const input = asRecord(readYamlFile(path.join(runDir, 'inputs', e.name, 'meta.yaml'), skip));
    const id = input.source_id;
    if (typeof id !== 'string') continue;
    const ds = asRecord(readYamlFile(path.join(experimentDir, 'datasets', id, 'meta.yaml'), skip));
    const input1 = datasetInput(ds.name, ds.source, ds.digest);
    if (input1) out.push(input1);
  }
  return out;
}

/** A data set as MLflow describes it: its source is JSON (`{"uri": ...}`, `{"path": ...}`, ...). */
export function datasetInput(name: unknown, source: unknown, digest: unknown): ImportedInput | undefined {
  let where: string | undefined;
  if (typeof source === 'string') {
    try {
      const s = asRecord(JSON.parse(source));
      const v = s.uri ?? s.path ?? s.url ?? s.table_name ?? s.location;
      if (typeof v === 'string' && v) where = v;
    } catch { /* a plain string source */ }
  }
  const p = where ?? (typeof name === 'string' && name ? name : undefined);
  if (!p) return undefined;
  return { path: p, kind: 'dataset', digest: typeof digest === 'string' && digest ? digest : null };
}

function safeList(dir: string): fs.Dirent[] {
  try { return fs.readdirSync(dir, { withFileTypes: true }); } catch { return []; }
}
