// Writes runs as an MLflow folder store, laid out as MLflow's FileStore writes one (what
// mlflowFolderReader.ts reads): experiment 0 "Default" and one numbered experiment per exptrack
// experiment, `<exp>/<run>/meta.yaml`, `metrics/<key>` lines `timestamp value step` with values as
// Python prints floats (`1.0`, `1e-05`, `nan`, `inf`), `params/<key>`, `tags/<key>` (the run's name,
// command, git commit and note in the `mlflow.*` tags MLflow uses). `mlflow ui --backend-store-uri DIR`
// opens it. Never writes into a folder that already holds anything.
import fs from 'node:fs';
import path from 'node:path';
import type { ParamValue, RunDetail, RunStatus } from '../model';

/** A run's points of one metric, in step order. */
export interface SeriesColumns {
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly times: Float64Array;
}

const STATUS: Record<RunStatus, number> = { running: 1, finished: 3, failed: 4, killed: 5, interrupted: 1 };

/** MLflow's rule for metric, param and tag names (Python's unicode \w, - . space /), without `..` path tricks. */
const VALID_KEY = /^[\p{L}\p{N}\p{M}_\-. /]+$/u;

export function writeMlflowFolderStore(dir: string, runs: readonly RunDetail[], points: (runId: string, key: string) => SeriesColumns, report: (problem: string) => void): { runs: number; points: number } {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new Error(`${dir} is not empty: export into a new folder`);
  fs.mkdirSync(dir, { recursive: true });
  const root = path.resolve(dir);
  const now = Date.now();
  const experiments = new Map<string, string>();
  const writeExperiment = (id: string, name: string): void => {
    fs.mkdirSync(path.join(root, id), { recursive: true });
    fs.writeFileSync(path.join(root, id, 'meta.yaml'), yaml({
      artifact_location: fileUri(path.join(root, id)), creation_time: now, experiment_id: id, last_update_time: now, lifecycle_stage: 'active', name,
    }));
  };
  writeExperiment('0', 'Default');
  let total = 0;
  for (const run of runs) {
    let exp = experiments.get(run.experiment);
    if (!exp) {
      exp = String(experiments.size + 1);
      experiments.set(run.experiment, exp);
      writeExperiment(exp, run.experiment);
    }
    const runDir = path.join(root, exp, run.id);
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) fs.mkdirSync(path.join(runDir, sub), { recursive: true });
    const user = run.tags['import.user'] ?? run.tags['mlflow.user'] ?? '';
    fs.writeFileSync(path.join(runDir, 'meta.yaml'), yaml({
      artifact_uri: fileUri(path.join(runDir, 'artifacts')), end_time: run.endedAt, entry_point_name: '', experiment_id: exp,
      lifecycle_stage: 'active', run_id: run.id, run_name: run.name, run_uuid: run.id, source_name: '', source_type: 4, source_version: '',
      start_time: run.startedAt, status: STATUS[run.status] ?? 3, tags: [], user_id: user,
    }));
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(run.tags)) if (!k.startsWith('import.')) tags[k] = v;
    tags['mlflow.runName'] = run.name;
    if (run.command) tags['mlflow.source.name'] = run.command;
    if (run.git?.commit) tags['mlflow.source.git.commit'] = run.git.commit;
    if (run.git?.branch) tags['mlflow.source.git.branch'] = run.git.branch;
    if (run.git?.remote) tags['mlflow.source.git.repoURL'] = run.git.remote;
    if (user) tags['mlflow.user'] = user;
    if (run.note) tags['mlflow.note.content'] = run.note;
    const keyFile = (sub: string, key: string): string | undefined => {
      if (!VALID_KEY.test(key) || key.split('/').some((p) => p === '' || p === '.' || p === '..')) {
        report(`run ${run.id}: ${sub.slice(0, -1)} "${key}" has a name MLflow does not accept; not exported`);
        return undefined;
      }
      const file = path.join(runDir, sub, ...key.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return file;
    };
    for (const [k, v] of Object.entries(tags)) { const f = keyFile('tags', k); if (f) fs.writeFileSync(f, v); }
    for (const [k, v] of Object.entries(run.params)) { const f = keyFile('params', k); if (f) fs.writeFileSync(f, paramText(v)); }
    for (const key of Object.keys(run.metrics)) {
      const f = keyFile('metrics', key);
      if (!f) continue;
      const s = points(run.id, key);
      const lines: string[] = [];
      for (let i = 0; i < s.steps.length; i++) lines.push(`${Math.round(s.times[i])} ${pythonFloat(s.values[i])} ${s.steps[i]}\n`);
      fs.writeFileSync(f, lines.join(''));
      total += s.steps.length;
    }
  }
  return { runs: runs.length, points: total };
}

/** A float as Python's str() prints it, which is what MLflow writes. */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const abs = Math.abs(v);
  // Python's repr switches to exponent notation below 1e-4 and from 1e16, JavaScript's at 1e-7 and 1e21.
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mant, exp] = v.toExponential().split('e');
    const e = Number(exp);
    return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A param as MLflow holds it: the text Python's str() gives. */
function paramText(v: ParamValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pythonFloat(v);
  return v;
}

function fileUri(p: string): string {
  return `file://${p.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/** The flat YAML of MLflow's meta.yaml files (keys sorted, as PyYAML's safe_dump writes them). */
function yaml(fields: Record<string, string | number | null | never[]>): string {
  return Object.keys(fields).sort().map((k) => {
    const v = fields[k];
    if (v === null) return `${k}: null`;
    if (Array.isArray(v)) return `${k}: []`;
    if (typeof v === 'number') return `${k}: ${v}`;
    // Quoted when YAML would read it as something else (a number, a bool, empty, special characters).
    const plain = v !== '' && /^[A-Za-z_/][\w./:%@ -]*$/.test(v) && !/^(true|false|yes|no|null|on|off|~)$/i.test(v) && !/[ :]$/.test(v) && !v.includes(': ');
    return `${k}: ${plain ? v : `'${v.replace(/'/g, "''")}'`}`;
  }).join('\n') + '\n';
}
