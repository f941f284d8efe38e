// Writes runs as DVCLive output folders, one per run, laid out as DVCLive writes one (what
// dvcliveReader.ts reads): `DIR/<experiment>/<run name>/` holding `plots/metrics/<key>.tsv` (a
// `timestamp` column in ms as DVCLive before 2.0 wrote it, `step`, and the value column headed by the
// metric's name; a key with `/` is a sub-folder), `metrics.json` (the latest values, nested at `/`
// as DVCLive nests them, and `step`), `params.yaml` and `dvc.yaml`. `dvc plots show` and `dvc
// metrics show` read it. Never writes into a folder that already holds anything.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { RunDetail } from '../model';
import { pythonFloat, type SeriesColumns } from './mlflowFolderWriter';

/** DVCLive's own column names: a metric with one of these names cannot be told apart in a .tsv. */
const RESERVED_KEYS = new Set(['step', 'timestamp']);

export function writeDvcLiveFolders(dir: string, runs: readonly RunDetail[], points: (runId: string, key: string) => SeriesColumns, report: (problem: string) => void): { runs: number; points: number } {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new Error(`${dir} is not empty: export into a new folder`);
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const used = new Set<string>();
  let total = 0;
  for (const run of runs) {
    const experiment = folderName(run.experiment) || 'default';
    let name = folderName(run.name) || run.id;
    // A folder named `dvclive` is DVCLive's default, which an import names by its path instead.
    if (used.has(`${experiment}/${name}`.toLowerCase()) || name === 'dvclive') name = `${name}-${run.id}`;
    used.add(`${experiment}/${name}`.toLowerCase());
    if (experiment !== run.experiment || name !== run.name) report(`run ${run.id} ("${run.experiment}" / "${run.name}") is in the folder ${experiment}/${name}`);
    const runDir = path.join(root, experiment, name);
    const plots = path.join(runDir, 'plots', 'metrics');
    fs.mkdirSync(plots, { recursive: true });
    const latest: Record<string, number> = {};
    let lastStep = 0;
    for (const key of Object.keys(run.metrics)) {
      const parts = key.split('/');
      if (RESERVED_KEYS.has(key) || parts.some((p) => !p || p === '.' || p === '..' || folderName(p) !== p) || /[\t\r\n]/.test(key)) {
        report(`run ${run.id}: metric "${key}" has a name DVCLive's files cannot hold; not exported`);
        continue;
      }
      const s = points(run.id, key);
      if (!s.steps.length) continue;
      const label = parts[parts.length - 1];
      const lines = [`timestamp\tstep\t${label}\n`];
      for (let i = 0; i < s.steps.length; i++) lines.push(`${Math.round(s.times[i])}\t${s.steps[i]}\t${pythonFloat(s.values[i])}\n`);
      const file = path.join(plots, ...parts.slice(0, -1), `${label}.tsv`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, lines.join(''));
      total += s.steps.length;
      latest[key] = s.values[s.steps.length - 1];
      lastStep = Math.max(lastStep, s.steps[s.steps.length - 1]);
    }
    fs.writeFileSync(path.join(runDir, 'metrics.json'), `${pythonJson({ ...nest(latest), step: lastStep })}\n`);
    const hasParams = Object.keys(run.params).length > 0;
    if (hasParams) fs.writeFileSync(path.join(runDir, 'params.yaml'), stringify(run.params));
    fs.writeFileSync(path.join(runDir, 'dvc.yaml'), `${hasParams ? 'params:\n- params.yaml\n' : ''}metrics:\n- metrics.json\nplots:\n- plots/metrics:\n    x: step\n`);
  }
  return { runs: runs.length, points: total };
}

/**
 * A name as one folder name on every system: path separators, characters Windows refuses and control
 * characters become `_`; no trailing dot or space; never `.` or `..`.
 */
export function folderName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').replace(/[. ]+$/, '');
  return s === '.' || s === '..' ? '_' : s;
}

/** `train/loss` -> {train: {loss}} as DVCLive nests them; a key that clashes with a nested one stays flat. */
function nest(flat: Record<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('/');
    let node = out;
    let ok = true;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (next === undefined) node = (node[p] = {}) as Record<string, unknown>;
      else if (typeof next === 'object') node = next as Record<string, unknown>;
      else { ok = false; break; }
    }
    const last = parts[parts.length - 1];
    if (ok && node[last] === undefined) node[last] = value;
    else out[key] = value;
  }
  return out;
}

/** JSON as Python's json.dump(indent=4) writes it, NaN and Infinity included (DVCLive's metrics.json). */
function pythonJson(v: unknown, indent = ''): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : pythonFloat(v);
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.length) return '{}';
    const inner = `${indent}    `;
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pythonJson(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v ?? null);
}
