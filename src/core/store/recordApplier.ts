import type { Database, SqlValue, Statement } from 'sql.js';
import type { ParamValue, RunStart } from '../model';
import { decodeFloats, decodeParam, floatsFromPlain, type JournalRecord } from './journalRecord';
import type { OverviewCache } from './overviewCache';
import type { KeyPoints } from './pointsFile';
import type { PendingSeries, PointsStore } from './pointsStore';
import type { SeriesOverview } from './seriesOverview';
import { salvagedSource } from './storeSalvage';

type StoredSummary = Pick<PendingSummary, 'last' | 'min' | 'max' | 'count' | 'lastStep' | 'lastTime'>;

interface PendingSummary {
  rid: number;
  key: string;
  keyId: number;
  last: number;
  lastStep: number;
  lastTime: number;
  min: number;
  max: number;
  count: number;
  /** The series' live overview, fed every point of this batch; undefined when it has none. */
  ov: SeriesOverview | undefined;
  /** A point came at or before the overview's last step: it no longer describes the series. */
  ovBroken: boolean;
  /** The batch's first step, and whether a step came at or before one already in the batch. */
  firstStep: number;
  rewrote: boolean;
}

/**
 * Applies journal records to a database inside the caller's transaction; metric points go to the
 * points store (pending until the next save writes them to files). Metric summaries are
 * accumulated per batch and merged once per (run, key) in {@link finishBatch}. Everything is
 * idempotent except metric counts, which the per-journal offsets keep from being applied twice.
 * Statements belong to one database instance: make a new applier after a reload or an export.
 */
export class RecordApplier {
  private readonly stmts = new Map<string, Statement>();
  private readonly rids = new Map<string, number | null>();
  private readonly experiments = new Map<string, number>();
  private readonly keyIds = new Map<string, number>();
  private readonly summaries = new Map<string, PendingSummary>();
  /**
   * The summary row last written per series by this applier: a long fold merges each batch into it
   * without reading the row back (this applier is the only writer of metric_summary, and a new one
   * is made after a rollback, a reload or an export).
   */
  private readonly written = new Map<string, StoredSummary>();
  /** Series whose stored summary counts rewritten points twice, until {@link settleSummaries}. */
  private readonly inexact = new Map<string, { rid: number; keyId: number; key: string }>();
  /** Run ids touched since the last {@link takeChanged}. */
  private changed = new Set<string>();
  /** Writers whose close record was applied, with the journal they continue in (rotation), if any. */
  readonly closedWriters = new Map<string, string | undefined>();

  constructor(
    private readonly db: Database,
    private readonly report: (message: string) => void,
    private readonly points: PointsStore,
    /** A whole series as stored (old place, files, pending), for recomputing a summary exactly. */
    private readonly readSeries: (rid: number, keyId: number, key: string) => KeyPoints,
    private readonly overviews?: OverviewCache,
  ) {}

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) { s = this.db.prepare(sql); this.stmts.set(sql, s); }
    return s;
  }

  private run(sql: string, params: SqlValue[]): void {
    const s = this.stmt(sql);
    s.run(params);
  }

  private get1(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }

  /** rid of a run id, or null when unknown (never started here, or deleted). */
  rid(id: string): number | null {
    const cached = this.rids.get(id);
    if (cached !== undefined) return cached;
    const row = this.get1('SELECT rid FROM runs WHERE id = ?', [id]);
    const rid = row ? Number(row[0]) : null;
    if (rid !== null) this.rids.set(id, rid);
    return rid;
  }

  takeChanged(): Set<string> {
    const c = this.changed;
    this.changed = new Set();
    return c;
  }

  /** Applies one record; returns how much work it was (points for metrics, else 1). */
  apply(rec: JournalRecord, writer: string): number {
    switch (rec.t) {
      case 'w': return 0; // a header changes nothing worth saving for
      case 'x': this.closedWriters.set(writer, typeof rec.next === 'string' ? rec.next : undefined); return 1;
      case 'start': this.start(rec.run, writer); return 1;
      case 'm': return this.metrics(rec.r, rec);
      default: break;
    }
    const id = rec.r;
    if (typeof id !== 'string') return 1;
    const rid = this.rid(id);
    if (rid === null) return 1; // a deleted run, or records for a run whose start was lost: nothing to attach to
    this.changed.add(id);
    switch (rec.t) {
      case 'params':
        for (const [k, v] of Object.entries(rec.p ?? {})) this.param(rid, k, decodeParam(v));
        return 1;
      case 'tags':
        for (const [k, v] of Object.entries(rec.tags ?? {})) {
          if (v === null || v === undefined) this.run('DELETE FROM tags WHERE run = ? AND key = ?', [rid, k]);
          else this.run('INSERT OR REPLACE INTO tags (run, key, value) VALUES (?, ?, ?)', [rid, k, String(v)]);
        }
        return 1;
      case 'art': {
        const a = rec.a;
        if (!a || typeof a.path !== 'string') return 1;
        const sha = a.sha256 ?? '';
        this.run(`INSERT INTO artifacts (path, kind, sha256, size, mtime, created_at) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (path, sha256) DO UPDATE SET kind = excluded.kind, size = coalesce(excluded.size, size), mtime = coalesce(excluded.mtime, mtime)`,
        [a.path, a.kind ?? 'file', sha, num(a.size), num(a.mtime), num(rec.time) ?? Date.now()]);
        const art = this.get1('SELECT id FROM artifacts WHERE path = ? AND sha256 = ?', [a.path, sha]);
        if (art) this.run('INSERT OR REPLACE INTO events (run, artifact, role, time) VALUES (?, ?, ?, ?)', [rid, art[0], a.role === 'input' ? 'input' : 'output', num(rec.time) ?? Date.now()]);
        return 1;
      }
      case 'env': {
        const old = this.get1('SELECT json FROM environment WHERE run = ?', [rid]);
        let merged: Record<string, unknown> = {};
        try { merged = old ? JSON.parse(String(old[0])) : {}; } catch { /* replaced below */ }
        Object.assign(merged, rec.e ?? {});
        this.run('INSERT OR REPLACE INTO environment (run, json) VALUES (?, ?)', [rid, JSON.stringify(merged)]);
        return 1;
      }
      case 'git': {
        const g = rec.g ?? {};
        this.run('INSERT OR REPLACE INTO git (run, commit_id, branch, remote, dirty, snapshot) VALUES (?, ?, ?, ?, ?, ?)',
          [rid, str(g.commit), str(g.branch), str(g.remote), g.dirty ? 1 : 0, str(g.snapshot)]);
        return 1;
      }
      case 'code':
        for (const [p, content] of Object.entries(rec.f ?? {})) {
          this.run('INSERT OR REPLACE INTO code_files (run, path, content) VALUES (?, ?, ?)', [rid, p, String(content)]);
        }
        return 1;
      case 'end': {
        const e = rec.e;
        this.run('UPDATE runs SET status = ?, exit_code = ?, signal = ?, ended_at = ? WHERE rid = ?',
          [str(e?.status) ?? 'finished', num(e?.exitCode), str(e?.signal), num(e?.endedAt) ?? Date.now(), rid]);
        return 1;
      }
      case 'name':
        this.run('UPDATE runs SET name = ? WHERE rid = ?', [String(rec.name), rid]);
        return 1;
      case 'note':
        if (rec.note) this.run('INSERT OR REPLACE INTO notes (run, body, updated_at) VALUES (?, ?, ?)', [rid, String(rec.note), num(rec.time) ?? Date.now()]);
        else this.run('DELETE FROM notes WHERE run = ?', [rid]);
        return 1;
      case 'del':
        this.deleteRun(id, rid);
        return 1;
      default:
        return 1;
    }
  }

  private start(run: RunStart, writer: string): void {
    if (!run || typeof run.id !== 'string' || !run.id) return;
    if (this.get1('SELECT 1 FROM deleted_runs WHERE id = ?', [run.id])) return;
    const experiment = this.experimentId(str(run.experiment) || 'default');
    this.run(`INSERT INTO runs (id, experiment_id, name, command, cwd, source, status, started_at, pid, host, writer)
      VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET experiment_id = excluded.experiment_id,
      name = excluded.name, command = excluded.command, cwd = excluded.cwd, source = excluded.source, status = excluded.status,
      started_at = excluded.started_at, ended_at = NULL, pid = excluded.pid, host = excluded.host, writer = excluded.writer
      WHERE runs.source = '${salvagedSource}'`,
    [run.id, experiment, str(run.name) ?? run.id, str(run.command) ?? '', str(run.cwd) ?? '', str(run.source) ?? 'unknown',
      num(run.startedAt) ?? Date.now(), num(run.pid), str(run.host), writer]);
    // A placeholder the salvage of a damaged database made is now the real run again.
    this.run("DELETE FROM tags WHERE key = 'exptrack.salvaged' AND run = (SELECT rid FROM runs WHERE id = ?)", [run.id]);
    this.rids.delete(run.id);
    this.changed.add(run.id);
  }

  private experimentId(name: string): number {
    const cached = this.experiments.get(name);
    if (cached !== undefined) return cached;
    this.run('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)', [name, Date.now()]);
    const id = Number(this.get1('SELECT id FROM experiments WHERE name = ?', [name])![0]);
    this.experiments.set(name, id);
    return id;
  }

  private param(rid: number, key: string, v: ParamValue): void {
    let text: string | null;
    let type: string;
    let n: number | null = null;
    if (v === null) { text = null; type = 'null'; } else if (typeof v === 'number') {
      text = String(v); type = 'number'; n = Number.isNaN(v) ? null : v;
    } else if (typeof v === 'boolean') { text = String(v); type = 'boolean'; } else {
      text = v; type = 'string';
      const parsed = v.trim() === '' ? NaN : Number(v);
      if (!Number.isNaN(parsed)) n = parsed;
    }
    this.run('INSERT OR REPLACE INTO params (run, key, value, type, num) VALUES (?, ?, ?, ?, ?)', [rid, key, text, type, n]);
  }

  private keyId(name: string): number {
    let id = this.keyIds.get(name);
    if (id === undefined) {
      this.run('INSERT OR IGNORE INTO metric_keys (name) VALUES (?)', [name]);
      id = Number(this.get1('SELECT id FROM metric_keys WHERE name = ?', [name])![0]);
      this.keyIds.set(name, id);
    }
    return id;
  }

  private summaryFor(rid: number, key: string): PendingSummary {
    const sk = `${rid}\u0000${key}`;
    let s = this.summaries.get(sk);
    if (!s) {
      const keyId = this.keyId(key);
      const ov = this.overviews?.forFold(this.db, rid, keyId, () => this.storedSummary(sk, rid, key)?.count ?? 0);
      s = { rid, key, keyId, last: NaN, lastStep: -Infinity, lastTime: 0, min: NaN, max: NaN, count: 0, ov, ovBroken: false, firstStep: NaN, rewrote: false };
      this.summaries.set(sk, s);
    }
    return s;
  }

  private metrics(id: string, rec: Extract<JournalRecord, { t: 'm' }>): number {
    const keys = rec.k;
    if (typeof id !== 'string' || !Array.isArray(keys)) return 1;
    let f: Float64Array;
    try {
      f = rec.f instanceof Float64Array ? rec.f : typeof rec.b === 'string' ? decodeFloats(rec.b) : Array.isArray(rec.p) ? floatsFromPlain(rec.p) : new Float64Array(0);
    } catch {
      return 1;
    }
    const rid = this.rid(id);
    if (rid === null) return f.length >> 2;
    this.changed.add(id);
    const sums = keys.map((k) => (typeof k === 'string' && k !== '' ? this.summaryFor(rid, k) : undefined));
    const points = this.points;
    // Each key's pending series, looked up at its first point in this record (null: a spilled run).
    const pending: (PendingSeries | null | undefined)[] = new Array(keys.length);
    for (let i = 0; i + 3 < f.length; i += 4) {
      const ki = f[i];
      const s = sums[ki];
      const step = f[i + 1];
      if (!s || !Number.isFinite(step)) continue;
      const value = f[i + 2];
      const t = f[i + 3];
      const time = Number.isFinite(t) ? t : 0;
      let ps = pending[ki];
      if (ps === undefined) ps = pending[ki] = points.seriesFor(rid, id, s.key) ?? null;
      if (ps) ps.push(step, value, time);
      if (s.count++ === 0) s.firstStep = step;
      else if (step <= s.lastStep) s.rewrote = true;
      const ov = s.ov;
      if (ov !== undefined) {
        if (step > ov.lastStep) ov.add(step, value, time);
        else s.ovBroken = true;
      }
      if (step >= s.lastStep) { s.last = value; s.lastStep = step; s.lastTime = time; }
      if (value === value) {
        if (!(value >= s.min)) s.min = value;
        if (!(value <= s.max)) s.max = value;
      }
    }
    return f.length >> 2;
  }

  /** Writes what the batch accumulated; call before COMMIT. */
  finishBatch(): void {
    for (const [sk, s] of this.summaries) {
      if (s.count === 0) continue;
      const old = this.storedSummary(sk, s.rid, s.key);
      let { last, min, max, count, lastStep, lastTime } = s;
      if (old) {
        count += old.count;
        if (old.lastStep > lastStep) ({ last, lastStep, lastTime } = old);
        if (!Number.isNaN(old.min) && (Number.isNaN(min) || old.min < min)) min = old.min;
        if (!Number.isNaN(old.max) && (Number.isNaN(max) || old.max > max)) max = old.max;
        if (s.rewrote || s.firstStep <= old.lastStep) this.inexact.set(sk, { rid: s.rid, keyId: s.keyId, key: s.key });
      } else if (s.rewrote) {
        this.inexact.set(sk, { rid: s.rid, keyId: s.keyId, key: s.key });
      }
      this.run('INSERT OR REPLACE INTO metric_summary (run, key, last, min, max, count, last_step, last_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [s.rid, s.key, nanToNull(last), nanToNull(min), nanToNull(max), count, lastStep, lastTime]);
      this.written.set(sk, { last, min, max, count, lastStep, lastTime });
      // Fed every point in order, the overview's count is the series' count; if not, it is stale.
      if (s.ov && (s.ovBroken || s.ov.count !== count)) this.overviews?.drop(this.db, s.rid, s.keyId);
    }
    this.summaries.clear();
  }

  /** Whether some summary counts rewritten points twice until {@link settleSummaries}. */
  hasInexact(): boolean {
    return this.inexact.size > 0;
  }

  /**
   * Recomputes the summaries of series whose steps were logged again (see {@link exactSummary}): once
   * per fold and before a save, not per batch (a resumed 1e6-point run re-read its whole series for
   * every 1,000 points folded: minutes of CPU). Call inside a transaction; returns the runs (also noted as changed).
   */
  settleSummaries(): string[] {
    const runs: string[] = [];
    for (const [sk, s] of this.inexact) {
      const e = this.exactSummary(s);
      this.run('INSERT OR REPLACE INTO metric_summary (run, key, last, min, max, count, last_step, last_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [s.rid, s.key, nanToNull(e.last), nanToNull(e.min), nanToNull(e.max), e.count, e.lastStep, e.lastTime]);
      this.written.set(sk, e);
      const runId = this.get1('SELECT id FROM runs WHERE rid = ?', [s.rid])?.[0];
      if (runId !== undefined) { this.changed.add(String(runId)); runs.push(String(runId)); }
    }
    this.inexact.clear();
    return runs;
  }

  /** The series' summary row as stored (from what this applier last wrote, else read). */
  private storedSummary(sk: string, rid: number, key: string): StoredSummary | undefined {
    const known = this.written.get(sk);
    if (known) return known;
    const row = this.get1('SELECT last, min, max, count, last_step, last_time FROM metric_summary WHERE run = ? AND key = ?', [rid, key]);
    if (!row) return undefined;
    const n = (v: SqlValue): number => (v === null ? NaN : Number(v));
    const stored = { last: n(row[0]), min: n(row[1]), max: n(row[2]), count: Number(row[3]), lastStep: Number(row[4]), lastTime: Number(row[5]) };
    this.written.set(sk, stored);
    return stored;
  }

  /**
   * The summary of a series recomputed from its rows: after steps were logged again (a resumed run,
   * a loop restarting its counter) the replaced points must not count twice, nor their old values
   * stay the min or max. Rare, so a scan of the series is fine.
   */
  private exactSummary(s: { rid: number; keyId: number; key: string }): Pick<PendingSummary, 'last' | 'min' | 'max' | 'count' | 'lastStep' | 'lastTime'> {
    const p = this.readSeries(s.rid, s.keyId, s.key);
    const n = p.steps.length;
    let min = NaN;
    let max = NaN;
    for (const v of p.values) {
      if (v !== v) continue;
      if (!(v >= min)) min = v;
      if (!(v <= max)) max = v;
    }
    return n
      ? { count: n, min, max, last: p.values[n - 1], lastStep: p.steps[n - 1], lastTime: p.times[n - 1] }
      : { count: 0, min, max, last: NaN, lastStep: NaN, lastTime: NaN };
  }

  /** Marks the running runs of a writer that is gone as interrupted. */
  interruptRunsOf(writer: string, now = Date.now()): void {
    const ids: string[] = [];
    const s = this.stmt("SELECT id FROM runs WHERE writer = ? AND status = 'running'");
    s.bind([writer]);
    while (s.step()) ids.push(String(s.get()[0]));
    s.reset();
    if (!ids.length) return;
    this.run("UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, ?) WHERE writer = ? AND status = 'running'", [now, writer]);
    for (const id of ids) this.changed.add(id);
    this.report(`${ids.length} run(s) of a writer that is gone (${writer}) marked interrupted`);
  }

  private deleteRun(id: string, rid: number): void {
    for (const table of ['params', 'metrics', 'point_files', 'metric_summary', 'metric_overviews', 'tags', 'events', 'code_files']) {
      this.run(`DELETE FROM ${table} WHERE run = ?`, [rid]);
    }
    for (const table of ['notes', 'environment', 'git']) this.run(`DELETE FROM ${table} WHERE run = ?`, [rid]);
    this.run('DELETE FROM runs WHERE rid = ?', [rid]);
    this.run('INSERT OR IGNORE INTO deleted_runs (id) VALUES (?)', [id]);
    this.rids.set(id, null);
    this.overviews?.dropRun(rid);
    this.points.dropRun(rid, id);
    for (const m of [this.summaries, this.written]) for (const k of [...m.keys()]) if (k.startsWith(`${rid}\u0000`)) m.delete(k);
  }

  free(): void {
    for (const s of this.stmts.values()) { try { s.free(); } catch { /* freed by export */ } }
    this.stmts.clear();
  }
}


function nanToNull(v: number): number | null { return Number.isNaN(v) ? null : v; }
function num(v: unknown): number | null { return typeof v === 'number' && Number.isFinite(v) ? v : null; }
function str(v: unknown): string | null { return typeof v === 'string' ? v : v === null || v === undefined ? null : String(v); }
