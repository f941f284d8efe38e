// MLflow's SQL store in a SQLite file (`mlflow.db`), opened read-only: sql.js reads the bytes into
// memory and nothing is ever written back. Tables: experiments, runs, metrics (NaN stored as 0 with
// `is_nan`, ±Infinity as ±DBL_MAX since SQL has no infinities), params, tags, and (MLflow 2.4+) the
// datasets a run used through inputs. Deleted runs and experiments are left out and reported.
import fs from 'node:fs';
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs } from '../sqlite';
import { toParamValue } from '../recorder/paramValue';
import { newImportedRun, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { applyMlflowTags, mlflowStatus } from './mlflowRunFields';
import { datasetInput } from './mlflowFolderReader';

const SQLITE_MAGIC = 'SQLite format 3\0';

/** True when `file` is a SQLite file (whether MLflow's is checked once it is open). */
export function isSqliteFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(16);
    return fs.readSync(fd, b, 0, 16, 0) === 16 && b.toString('latin1') === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export async function* readMlflowSqlStore(file: string, opts: { experiment?: string; skip: SkipReport }): AsyncGenerator<ImportedRun> {
  const skip = opts.skip;
  let db: Database;
  try {
    const SQL = await loadSqlJs();
    db = new SQL.Database(fs.readFileSync(file));
  } catch (e) {
    skip({ path: file, reason: `cannot open as SQLite: ${(e as Error).message}` });
    return;
  }
  try {
    const tables = new Set(all(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r[0])));
    if (!tables.has('runs') || !tables.has('experiments') || !tables.has('metrics')) {
      skip({ path: file, reason: 'not an MLflow tracking database (no runs, experiments and metrics tables)' });
      return;
    }
    const columns = (t: string): Set<string> => new Set(all(db, `PRAGMA table_info(${t})`).map((r) => String(r[1])));
    const metricCols = columns('metrics');
    const hasNan = metricCols.has('is_nan');
    const hasStep = metricCols.has('step');
    const runCols = columns('runs');
    const experiments = new Map<string, { name: string; deleted: boolean }>();
    for (const [id, name, stage] of all(db, 'SELECT experiment_id, name, lifecycle_stage FROM experiments')) {
      experiments.set(String(id), { name: String(name ?? id), deleted: stage === 'deleted' });
    }
    const deletedExperimentRuns = new Map<string, number>();
    const runRows = all(db, `SELECT run_uuid, experiment_id, name, status, start_time, end_time, user_id, source_name, source_version, ${runCols.has('lifecycle_stage') ? 'lifecycle_stage' : "'active'"}
      FROM runs ORDER BY start_time, run_uuid`);
    const hasInputs = tables.has('inputs') && tables.has('datasets');
    for (const [uuid, expId, name, status, start, end, user, sourceName, sourceVersion, stage] of runRows) {
      const runId = String(uuid);
      const exp = experiments.get(String(expId)) ?? { name: String(expId), deleted: false };
      if (exp.deleted) { deletedExperimentRuns.set(exp.name, (deletedExperimentRuns.get(exp.name) ?? 0) + 1); continue; }
      if (stage === 'deleted') { skip({ path: `${file}#${runId}`, reason: `run ${runId} is deleted in MLflow` }); continue; }
      const run = newImportedRun('mlflow', runId, file, opts.experiment ?? exp.name);
      run.name = typeof name === 'string' && name ? name : runId;
      run.status = mlflowStatus(status);
      run.startedAt = typeof start === 'number' ? start : null;
      run.endedAt = typeof end === 'number' ? end : null;
      if (typeof user === 'string' && user) run.user = user;
      if (typeof sourceName === 'string' && sourceName) run.command = sourceName;
      if (typeof sourceVersion === 'string' && sourceVersion) run.gitCommit = sourceVersion;
      for (const [k, v] of all(db, 'SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key', [runId])) run.params[String(k)] = toParamValue(String(v ?? ''));
      const tags: Record<string, string> = {};
      for (const [k, v] of all(db, 'SELECT key, value FROM tags WHERE run_uuid = ?', [runId])) tags[String(k)] = String(v ?? '');
      applyMlflowTags(run, tags);
      readMetrics(db, run, hasNan, hasStep);
      if (hasInputs) {
        const rows = all(db, `SELECT d.name, d.dataset_source, d.digest FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
          WHERE i.destination_id = ? AND i.destination_type = 'RUN' AND i.source_type = 'DATASET'`, [runId]);
        for (const [dsName, source, digest] of rows) {
          const input = datasetInput(dsName, source, digest);
          if (input) run.inputs.push(input);
        }
      }
      yield run;
    }
    for (const [name, n] of deletedExperimentRuns) skip({ path: file, reason: `experiment "${name}" is deleted in MLflow (${n} run(s))` });
  } finally {
    db.close();
  }
}

function readMetrics(db: Database, run: ImportedRun, hasNan: boolean, hasStep: boolean): void {
  const stmt = db.prepare(`SELECT key, value, timestamp, ${hasStep ? 'step' : '0'}, ${hasNan ? 'is_nan' : '0'} FROM metrics
    WHERE run_uuid = ? ORDER BY key, ${hasStep ? 'step, ' : ''}timestamp`);
  try {
    stmt.bind([run.sourceId]);
    while (stmt.step()) {
      const [key, value, time, step, isNan] = stmt.get();
      let v = typeof value === 'number' ? value : Number(value);
      if (isNan) v = NaN;
      // MLflow stores ±Infinity as ±DBL_MAX (SQL has no infinities).
      else if (v === Number.MAX_VALUE) v = Infinity;
      else if (v === -Number.MAX_VALUE) v = -Infinity;
      seriesOf(run.metrics, String(key)).add(Number(step ?? 0), Number(time), v);
    }
  } finally {
    stmt.free();
  }
}

function all(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: SqlValue[][] = [];
    while (stmt.step()) out.push(stmt.get());
    return out;
  } finally {
    stmt.free();
  }
}
