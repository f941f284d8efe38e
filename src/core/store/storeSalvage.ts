import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import { PointsFileIndex } from './pointsFile';

/** What a salvage copied and what it could not read. */
export interface SalvageResult {
  /** Rows copied, by table. */
  readonly copied: Record<string, number>;
  /** What could not be read, one readable line each (empty when everything was). */
  readonly lost: string[];
  /** Runs whose own row was unreadable, recreated so that their salvaged rows and points stay reachable. */
  readonly recreatedRuns: number;
  /** Points files on disk listed again (their catalog rows were unreadable). */
  readonly relistedFiles: number;
}

/** Source of placeholder runs: a journal's start record for the same id replaces them (recordApplier). */
export const salvagedSource = 'salvaged';

/** Whether an error says the database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB). */
export function isCorruptionError(e: unknown): boolean {
  return /malformed|SQLITE_CORRUPT|not a database|file is not a database/i.test((e as Error)?.message ?? '');
}

/**
 * SQLite's quick check (every page of every b-tree, without the index-against-table cross check):
 * empty when the image is sound, else what it found (or the error that stopped it). ~linear in the
 * file size (docs/storage.md has the figures); `skipTables` are left out (with them, pages that
 * belong to no table are not looked for).
 */
export function checkImage(db: Database, skipTables: readonly string[] = []): string[] {
  try {
    let rows: string[];
    if (!skipTables.length) {
      rows = (db.exec('PRAGMA quick_check(20)')[0]?.values ?? []).map((r) => String(r[0]));
    } else {
      // Table by table (each with its indexes), leaving out the ones named.
      const tables = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])).filter((t) => !skipTables.includes(t));
      rows = tables.flatMap((t) => (db.exec(`PRAGMA quick_check(${quote(t)})`)[0]?.values ?? []).map((r) => String(r[0]))).filter((r) => r !== 'ok');
      if (!rows.length) rows = ['ok'];
    }
    if (rows.length === 1 && rows[0] === 'ok') return [];
    // One finding per line, without SQLite's "*** in database main ***" heading.
    return rows.flatMap((r) => r.split('\n')).filter((l) => l && !l.startsWith('***'));
  } catch (e) {
    return [(e as Error).message];
  }
}

interface Column { readonly name: string; readonly pk: number; readonly type: string }

/**
 * Copies every row still readable from the damaged `from` into `to` (the current schema, empty), as
 * SQLite's `.recover` does at the level of rows: each table is read in key order; where a read fails
 * (a damaged page), the reader seeks past it by the key's first column (rowid, or the run a row
 * belongs to) and goes on, so one bad page costs the rows on it, not the table. Then: runs whose own
 * row is lost but whose rows elsewhere were read are recreated (their id from the runs index when it
 * is readable), missing experiments likewise, and points files under `runs/` whose catalog rows were
 * lost are listed again (`exptrackDir`), so the sweep does not delete them.
 */
export function salvageRows(from: Database, to: Database, exptrackDir: string, now = Date.now()): SalvageResult {
  const copied: Record<string, number> = {};
  const lost: string[] = [];
  const tables = (to.exec("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")[0]?.values ?? [])
    .map((r) => ({ name: String(r[0]), withoutRowid: /WITHOUT\s+ROWID/i.test(String(r[1])) }));
  let readable: Set<string>;
  try {
    readable = new Set((from.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])));
  } catch (e) {
    return { copied, lost: [`the schema itself is unreadable (${(e as Error).message}): nothing could be salvaged`], recreatedRuns: 0, relistedFiles: 0 };
  }
  const lostTables = new Set<string>();
  to.exec('BEGIN');
  try {
    for (const t of tables) {
      if (!readable.has(t.name)) continue; // an older schema without this table
      const r = copyTable(from, to, t.name, t.withoutRowid);
      copied[t.name] = r.rows;
      if (r.lost.length) { lostTables.add(t.name); lost.push(...r.lost); }
    }
    const catalog = tables.some((t) => t.name === 'runs') && tables.some((t) => t.name === 'experiments');
    const recreatedRuns = catalog ? recreateRuns(from, to, now, lost) : 0;
    const relistedFiles = catalog && tables.some((t) => t.name === 'point_files') && (lostTables.has('point_files') || lostTables.has('runs')) ? relistFiles(to, exptrackDir, now) : 0;
    to.exec('COMMIT');
    return { copied, lost, recreatedRuns, relistedFiles };
  } catch (e) {
    to.exec('ROLLBACK');
    throw e;
  }
}

function columns(db: Database, table: string): Column[] {
  return (db.exec(`PRAGMA table_info(${quote(table)})`)[0]?.values ?? []).map((r) => ({ name: String(r[1]), type: String(r[2]).toUpperCase(), pk: Number(r[5]) }));
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * One table in key order. `key` is rowid, or the primary key of a WITHOUT ROWID table (whose first
 * column is always the run, an integer); reads resume after the last row read, and past a damaged
 * stretch by seeking on the first key column.
 */
function copyTable(from: Database, to: Database, table: string, withoutRowid: boolean): { rows: number; lost: string[] } {
  const toCols = columns(to, table);
  let fromNames: Set<string>;
  try { fromNames = new Set(columns(from, table).map((c) => c.name)); } catch (e) {
    return { rows: 0, lost: [`table ${table}: unreadable (${(e as Error).message})`] };
  }
  const pkCols = toCols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  // An INTEGER PRIMARY KEY column is the rowid itself.
  const ipk = !withoutRowid && pkCols.length === 1 && pkCols[0].type === 'INTEGER' ? pkCols[0].name : undefined;
  const dataCols = toCols.filter((c) => fromNames.has(c.name) && c.name !== ipk).map((c) => c.name);
  const key = withoutRowid ? pkCols.map((c) => c.name) : ['rowid'];
  const keyList = key.map(quote).join(', ');
  const selectCols = [...key.map(quote), ...dataCols.filter((c) => !key.includes(c)).map(quote)];
  const insertCols = withoutRowid ? selectCols : ['rowid', ...dataCols.map(quote)];
  const ins = to.prepare(`INSERT OR IGNORE INTO ${quote(table)} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')})`);
  const lost: string[] = [];
  let rows = 0;
  let bad = 0;
  // Where reading resumes: after this key (a tuple), or from this first-column value.
  let after: SqlValue[] | undefined;
  let from0: number | undefined;
  const cmp = key.length === 1 ? `${keyList} > ?` : `(${keyList}) > (${key.map(() => '?').join(', ')})`;
  try {
    for (let guard = 0; guard < 100_000; guard++) {
      const where = after ? `WHERE ${cmp}` : from0 !== undefined ? `WHERE ${quote(key[0])} >= ?` : '';
      const params: SqlValue[] = after ?? (from0 !== undefined ? [from0] : []);
      let last: SqlValue[] | undefined = after;
      let failed: Error | undefined;
      const s = from.prepare(`SELECT ${selectCols.join(', ')} FROM ${quote(table)} ${where} ORDER BY ${keyList}`);
      try {
        s.bind(params);
        while (s.step()) {
          const row = s.get();
          const k = row.slice(0, key.length);
          // A damaged tree can loop: keys must keep increasing.
          if (last && compareKeys(k, last) <= 0) throw new Error('rows out of order');
          last = k;
          try { ins.run(row); rows++; } catch { bad++; }
        }
      } catch (e) {
        failed = e as Error;
      } finally {
        s.free();
      }
      if (!failed) break;
      const lastFirst = last ? Number(last[0]) : (from0 ?? 0);
      const next = nextReadable(from, table, key, lastFirst);
      const what = `table ${table}: rows ${last ? `after ${describeKey(key, last)}` : 'from the start'} ${next === undefined ? 'to the end' : `up to ${quote(key[0]).slice(1, -1)} ${next}`} are unreadable (${failed.message})`;
      lost.push(what);
      if (next === undefined) break;
      after = undefined;
      from0 = next;
    }
  } finally {
    ins.free();
  }
  if (bad) lost.push(`table ${table}: ${bad} row(s) read with values that do not fit the table, left out`);
  return { rows, lost };
}

function compareKeys(a: SqlValue[], b: SqlValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function describeKey(key: string[], k: SqlValue[]): string {
  return key.map((c, i) => `${c} ${typeof k[i] === 'string' ? JSON.stringify(k[i]) : String(k[i])}`).join(', ');
}

/**
 * The smallest value v > `last` of the first key column from which a read in key order works again
 * (it may still find no row: then undefined, nothing readable follows). Exponential steps out, then a
 * bisection back, so the rows skipped are those on damaged pages, give or take a page's worth.
 */
function nextReadable(from: Database, table: string, key: string[], last: number): number | undefined {
  const probe = (v: number): 'ok' | 'empty' | 'error' => {
    try {
      const r = from.exec(`SELECT ${quote(key[0])} FROM ${quote(table)} WHERE ${quote(key[0])} >= ${v} ORDER BY ${key.map(quote).join(', ')} LIMIT 1`);
      return r[0]?.values.length ? 'ok' : 'empty';
    } catch {
      return 'error';
    }
  };
  let lo = last; // known bad (or the last row read)
  let hi: number | undefined;
  for (let step = 1; step <= 2 ** 53; step *= 2) {
    const v = last + step;
    const p = probe(v);
    if (p === 'empty') {
      // Nothing at or after v: but rows between lo and v may be readable.
      hi = v;
      break;
    }
    if (p === 'ok') { hi = v; break; }
    lo = v;
  }
  if (hi === undefined) return undefined;
  while (hi - lo > 1) {
    const mid = Math.floor(lo + (hi - lo) / 2);
    if (probe(mid) === 'error') lo = mid; else hi = mid;
  }
  return probe(hi) === 'ok' ? hi : undefined;
}

/** Tables whose `run` column holds a run's rid. */
const runTables = ['params', 'metrics', 'metric_summary', 'tags', 'notes', 'events', 'environment', 'git', 'code_files', 'point_files', 'metric_overviews'];

/**
 * Runs whose rows were salvaged elsewhere but whose own row was lost get a placeholder row (status
 * interrupted, experiment `salvaged`, source `salvaged`, tag `exptrack.salvaged`): the rows stay
 * reachable, and a new run can never take their rid and inherit them. The id comes from the runs
 * table's unique index when that still reads. Runs pointing at a lost experiment get it back as
 * `salvaged-<id>`.
 */
function recreateRuns(from: Database, to: Database, now: number, lost: string[]): number {
  const known = new Set((to.exec('SELECT rid FROM runs')[0]?.values ?? []).map((r) => Number(r[0])));
  const orphans = new Set<number>();
  for (const t of runTables) {
    try {
      for (const [rid] of to.exec(`SELECT DISTINCT run FROM ${t}`)[0]?.values ?? []) if (!known.has(Number(rid))) orphans.add(Number(rid));
    } catch { /* an older schema without this table */ }
  }
  const idByRid = new Map<number, string>();
  if (orphans.size) {
    // The unique index on runs(id) holds (id, rid) apart from the table's own pages.
    try {
      const s = from.prepare('SELECT rid, id FROM runs INDEXED BY sqlite_autoindex_runs_1 WHERE id IS NOT NULL ORDER BY id');
      try { while (s.step()) { const [rid, id] = s.get(); idByRid.set(Number(rid), String(id)); } } finally { s.free(); }
    } catch { /* the index is damaged too (or partly read) */ }
  }
  for (const rid of orphans) {
    const id = idByRid.get(rid) ?? `salvaged-${rid}`;
    placeholderRun(to, id, now, rid);
  }
  if (orphans.size) lost.push(`${orphans.size} run(s) lost their own row (name, command, status, times): recreated as placeholders in experiment "salvaged" with what else was readable`);
  // Experiments referenced by runs but lost.
  for (const [eid] of to.exec('SELECT DISTINCT experiment_id FROM runs WHERE experiment_id NOT IN (SELECT id FROM experiments)')[0]?.values ?? []) {
    to.run('INSERT OR IGNORE INTO experiments (id, name, created_at) VALUES (?, ?, ?)', [eid, `salvaged-${String(eid)}`, now]);
    lost.push(`experiment ${String(eid)} lost its name: shown as "salvaged-${String(eid)}"`);
  }
  return orphans.size;
}

function placeholderRun(to: Database, id: string, now: number, rid?: number): number {
  to.run('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)', [salvagedSource, now]);
  const eid = Number(to.exec('SELECT id FROM experiments WHERE name = ?', [salvagedSource])[0].values[0][0]);
  to.run(`INSERT INTO runs (rid, id, experiment_id, name, command, cwd, source, status, started_at, ended_at)
    VALUES (?, ?, ?, ?, '', '', ?, 'interrupted', ?, ?)`, [rid ?? null, id, eid, id, salvagedSource, now, now]);
  const newRid = Number(to.exec('SELECT rid FROM runs WHERE id = ?', [id])[0].values[0][0]);
  to.run('INSERT OR REPLACE INTO tags (run, key, value) VALUES (?, ?, ?)',
    [newRid, 'exptrack.salvaged', 'this run\'s own row was lost in a damaged database; what else was readable was salvaged']);
  return newRid;
}

/**
 * Points files under `runs/<id>/` that the salvaged catalog does not list (their `point_files` rows
 * were on a damaged page): listed again under their run (from the file's own metadata; a run lost
 * altogether gets a placeholder), with a summary for series the catalog lost, so that the sweep,
 * which deletes unlisted files, keeps them.
 */
export function relistFiles(to: Database, exptrackDir: string, now = Date.now()): number {
  const runsDir = path.join(exptrackDir, 'runs');
  let dirs: string[];
  try { dirs = fs.readdirSync(runsDir); } catch { return 0; }
  const listed = new Set((to.exec('SELECT file FROM point_files')[0]?.values ?? []).map((r) => String(r[0])));
  // Summaries of series the catalog lost, over every file relisted (a step in two files counts once
  // in the catalog's own summary; files of one run hold distinct saves, so counts simply add here).
  const sums = new Map<string, { rid: number; key: string; last: number; lastStep: number; lastTime: number; min: number; max: number; count: number }>();
  let n = 0;
  for (const d of dirs) {
    let names: string[];
    try { names = fs.readdirSync(path.join(runsDir, d)).filter((f) => /^p\d+-[a-z0-9]+\.parquet$/.test(f)).sort(); } catch { continue; }
    for (const name of names) {
      const rel = path.posix.join('runs', d, name);
      if (listed.has(rel)) continue;
      let ix: PointsFileIndex;
      try { ix = PointsFileIndex.read(path.join(runsDir, d, name)); } catch { continue; }
      const ridRow = to.exec('SELECT rid FROM runs WHERE id = ?', [ix.run])[0]?.values[0];
      const rid = ridRow ? Number(ridRow[0]) : placeholderRun(to, ix.run, now);
      const seq = Number(/^p(\d+)-/.exec(name)![1]);
      const counts = ix.counts();
      let rows = 0;
      for (const c of counts.values()) rows += c;
      to.run('INSERT OR IGNORE INTO point_files (run, seq, file, rows) VALUES (?, ?, ?, ?)', [rid, seq, rel, rows]);
      if (!to.getRowsModified()) continue;
      n++;
      for (const key of counts.keys()) {
        const sk = `${rid}\0${key}`;
        let a = sums.get(sk);
        if (!a) {
          if (to.exec('SELECT 1 FROM metric_summary WHERE run = ? AND key = ?', [rid, key])[0]) continue; // the catalog kept it
          a = { rid, key, last: NaN, lastStep: -Infinity, lastTime: 0, min: NaN, max: NaN, count: 0 };
          sums.set(sk, a);
        }
        const p = ix.read(key);
        for (let i = 0; i < p.steps.length; i++) {
          const v = p.values[i];
          if (p.steps[i] >= a.lastStep) { a.last = v; a.lastStep = p.steps[i]; a.lastTime = p.times[i]; }
          if (v === v) { if (!(v >= a.min)) a.min = v; if (!(v <= a.max)) a.max = v; }
        }
        a.count += p.steps.length;
      }
    }
  }
  const nn = (x: number): number | null => (Number.isNaN(x) ? null : x);
  for (const a of sums.values()) {
    if (!a.count) continue;
    to.run('INSERT INTO metric_summary (run, key, last, min, max, count, last_step, last_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [a.rid, a.key, nn(a.last), nn(a.min), nn(a.max), a.count, a.lastStep, a.lastTime]);
  }
  return n;
}
