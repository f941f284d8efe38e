import type { SqlValue } from 'sql.js';
import { compileFilter } from '../filter/compileFilter';
import type { ArtifactRecord, GitInfo, MetricSummary, ParamValue, RunDetail, RunStatus, RunSummary } from '../model';
import { downsampleMinMax, type Series } from './downsample';
import { overviewPoints } from './overviewCache';
import { SeriesOverview } from './seriesOverview';
import type { StoreImage } from './storeImage';

/**
 * What the store answers: runs, one run's details, series, experiments, artifacts, and rows for
 * lineage's SQL. Plain queries on the in-memory image (which holds every journal folded so far).
 */
export class StoreQueries {
  constructor(private readonly image: StoreImage) {}

  /** Rows as column-name objects, for lineage's read-only SQL (see lineage/sqlReader.ts). */
  all(sql: string, params: readonly (string | number | null)[] = []): Record<string, unknown>[] {
    return this.image.objects(sql, params);
  }

  /**
   * Runs, newest first. `filter` is the filter language of docs/storage.md (throws FilterError with
   * the column of a mistake); `experiment` matches the experiment name exactly.
   */
  listRuns(query: { experiment?: string; filter?: string; limit?: number } = {}): RunSummary[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.experiment !== undefined) { where.push('e.name = ?'); params.push(query.experiment); }
    const f = query.filter ? compileFilter(query.filter) : undefined;
    if (f) { where.push(f.where); params.push(...f.params); }
    params.push(query.limit !== undefined && query.limit >= 0 ? Math.floor(query.limit) : -1);
    // One JSON text for the whole list: a single crossing out of wasm instead of one per cell.
    const sql = `SELECT json_group_array(json_array(r.id, r.name, e.name, r.status, r.exit_code, r.command, r.cwd, r.started_at, r.ended_at))
      FROM (SELECT * FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.started_at DESC, r.rid DESC LIMIT ?) r JOIN experiments e ON e.id = r.experiment_id`;
    // Filters make the SQL text open-ended: prepared once, not cached.
    const rows = f ? this.image.oneShot(sql, params) : this.image.rows(sql, params);
    const list = JSON.parse(String(rows[0]?.[0] ?? '[]')) as [string, string, string, RunStatus, number | null, string, string, number, number | null][];
    const metrics = this.summaries(list.map((r) => r[0]));
    return list.map((r) => {
      const endedAt = r[8];
      return {
        id: r[0], name: r[1], experiment: r[2], status: r[3], exitCode: r[4], command: r[5], cwd: r[6], startedAt: r[7], endedAt,
        durationMs: endedAt === null ? null : endedAt - r[7], metrics: metrics.get(r[0]) ?? {},
      };
    });
  }

  /** Summaries for these runs, from the cache or in one pass (a full scan when many are missing). */
  private summaries(ids: string[]): Map<string, Record<string, MetricSummary>> {
    const out = new Map<string, Record<string, MetricSummary>>();
    const missing: string[] = [];
    for (const id of ids) {
      const m = this.image.summaryCache.get(id);
      if (m) out.set(id, m); else missing.push(id);
    }
    if (!missing.length) return out;
    const fetched = new Map<string, Record<string, MetricSummary>>();
    // As one JSON text (one crossing out of wasm); NULL (NaN) reads as null, ±Infinity as 9e999.
    const add = (json: SqlValue | undefined): void => {
      for (const [id, key, last, min, max, count, lastStep] of JSON.parse(String(json ?? '[]')) as [string, string, number | null, number | null, number | null, number, number][]) {
        let m = fetched.get(id);
        if (!m) { m = {}; fetched.set(id, m); }
        m[key] = { last: last ?? NaN, min: min ?? NaN, max: max ?? NaN, count, lastStep };
      }
    };
    const cols = 'json_group_array(json_array(r.id, k.key, k.last, k.min, k.max, k.count, k.last_step))';
    if (missing.length > 1000) {
      add(this.image.rows(`SELECT ${cols} FROM metric_summary k JOIN runs r ON r.rid = k.run`, [])[0]?.[0]);
    } else {
      for (let i = 0; i < missing.length; i += 500) {
        const part = missing.slice(i, i + 500);
        add(this.image.oneShot(`SELECT ${cols} FROM runs r JOIN metric_summary k ON k.run = r.rid WHERE r.id IN (${part.map(() => '?').join(',')})`, part)[0]?.[0]);
      }
    }
    for (const id of missing) {
      const m = fetched.get(id) ?? {};
      this.image.summaryCache.set(id, m);
      out.set(id, m);
    }
    return out;
  }

  /** Everything about one run; `series` names metric keys whose full series to include. */
  getRun(id: string, options: { series?: string[] } = {}): RunDetail | undefined {
    const row = this.image.rows(`SELECT r.rid, r.id, r.name, e.name, r.status, r.exit_code, r.command, r.cwd, r.started_at, r.ended_at
      FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`, [id])[0];
    if (!row) return undefined;
    const rid = Number(row[0]);
    const metrics = this.summaries([id]).get(id) ?? {};
    const params: Record<string, ParamValue> = {};
    for (const [k, v, type] of this.image.rows('SELECT key, value, type FROM params WHERE run = ? ORDER BY key', [rid])) {
      params[String(k)] = paramOf(v, String(type));
    }
    const tags: Record<string, string> = {};
    for (const [k, v] of this.image.rows('SELECT key, value FROM tags WHERE run = ? ORDER BY key', [rid])) tags[String(k)] = String(v);
    const note = this.image.rows('SELECT body FROM notes WHERE run = ?', [rid])[0]?.[0];
    const g = this.image.rows('SELECT commit_id, branch, remote, dirty, snapshot FROM git WHERE run = ?', [rid])[0];
    const git: GitInfo | null = g ? { commit: g[0] as string | null, branch: g[1] as string | null, remote: g[2] as string | null, dirty: Number(g[3]) === 1, snapshot: g[4] as string | null } : null;
    const envJson = this.image.rows('SELECT json FROM environment WHERE run = ?', [rid])[0]?.[0];
    let environment: Record<string, unknown> = {};
    try { environment = envJson ? JSON.parse(String(envJson)) : {}; } catch { /* stored by us; unreadable means empty */ }
    const artifacts: (ArtifactRecord & { createdAt?: number })[] = this.image.rows(
      `SELECT a.path, ev.role, a.kind, a.sha256, a.size, a.mtime, ev.time FROM events ev JOIN artifacts a ON a.id = ev.artifact
       WHERE ev.run = ? ORDER BY ev.role, a.path`, [rid],
    ).map((a) => ({
      path: String(a[0]), role: a[1] === 'input' ? 'input' : 'output', kind: String(a[2]) as ArtifactRecord['kind'],
      sha256: a[3] ? String(a[3]) : null, size: a[4] === null ? null : Number(a[4]), mtime: a[5] === null ? null : Number(a[5]), createdAt: Number(a[6]),
    }));
    const detail: RunDetail = {
      ...summaryOf(row, metrics), params, tags, note: note === undefined || note === null ? null : String(note), git, environment, artifacts,
    };
    if (options.series?.length) {
      const series: Record<string, [number, number, number][]> = {};
      for (const key of options.series) {
        const s = this.series(id, key);
        series[key] = Array.from(s.steps, (step, i) => [step, s.values[i], s.times[i]]);
      }
      return { ...detail, series };
    }
    return detail;
  }

  /** Code snapshot files of a run recorded outside git. */
  getCodeFiles(id: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [p, c] of this.image.rows('SELECT f.path, f.content FROM code_files f JOIN runs r ON r.rid = f.run WHERE r.id = ?', [id])) out[String(p)] = String(c);
    return out;
  }

  /** Git state of every run that has one (for grouping by commit without a query per run). */
  gitByRun(): Map<string, GitInfo> {
    const out = new Map<string, GitInfo>();
    for (const g of this.image.rows('SELECT r.id, g.commit_id, g.branch, g.remote, g.dirty, g.snapshot FROM git g JOIN runs r ON r.rid = g.run', [])) {
      out.set(String(g[0]), { commit: g[1] as string | null, branch: g[2] as string | null, remote: g[3] as string | null, dirty: Number(g[4]) === 1, snapshot: g[5] as string | null });
    }
    return out;
  }

  tagsByRun(): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const [id, k, v] of this.image.rows('SELECT r.id, t.key, t.value FROM tags t JOIN runs r ON r.rid = t.run ORDER BY t.key', [])) {
      let tags = out.get(String(id));
      if (!tags) out.set(String(id), (tags = {}));
      tags[String(k)] = String(v);
    }
    return out;
  }

  /** Experiment names with run counts, by name. */
  listExperiments(): { name: string; runs: number; lastStartedAt: number | null }[] {
    return this.image.rows(`SELECT e.name, count(r.rid), max(r.started_at) FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
      GROUP BY e.id ORDER BY e.name`, []).map((r) => ({ name: String(r[0]), runs: Number(r[1]), lastStartedAt: r[2] === null ? null : Number(r[2]) }));
  }

  /** Artifact versions (path + sha256) with the runs that produced and used them. */
  listArtifacts(): { path: string; kind: string; sha256: string | null; size: number | null; mtime: number | null; createdAt: number; producedBy: string[]; usedBy: string[] }[] {
    const byId = new Map<number, { path: string; kind: string; sha256: string | null; size: number | null; mtime: number | null; createdAt: number; producedBy: string[]; usedBy: string[] }>();
    for (const a of this.image.rows('SELECT id, path, kind, sha256, size, mtime, created_at FROM artifacts ORDER BY path, created_at DESC', [])) {
      byId.set(Number(a[0]), { path: String(a[1]), kind: String(a[2]), sha256: a[3] ? String(a[3]) : null, size: a[4] === null ? null : Number(a[4]), mtime: a[5] === null ? null : Number(a[5]), createdAt: Number(a[6]), producedBy: [], usedBy: [] });
    }
    for (const [art, id, role] of this.image.rows('SELECT ev.artifact, r.id, ev.role FROM events ev JOIN runs r ON r.rid = ev.run ORDER BY ev.time', [])) {
      const a = byId.get(Number(art));
      if (a) (role === 'input' ? a.usedBy : a.producedBy).push(String(id));
    }
    return [...byId.values()];
  }

  /**
   * Resolves an id, a unique id prefix, a run name, `@last` or `@last~N` to a run id. Throws an Error
   * saying what matched when nothing or more than one run does.
   */
  resolveRun(ref: string): string {
    const r = String(ref ?? '').trim();
    if (!r) throw new Error('no run given: use an id, an id prefix, a run name, @last or @last~N');
    const last = /^@last(?:~(\d+))?$/.exec(r);
    if (last) {
      const n = Number(last[1] ?? 0);
      const row = this.image.rows('SELECT id FROM runs ORDER BY started_at DESC, rid DESC LIMIT 1 OFFSET ?', [n])[0];
      if (!row) {
        const count = Number(this.image.rows('SELECT count(*) FROM runs', [])[0][0]);
        throw new Error(count === 0 ? 'no runs recorded yet' : `no run ${r}: there ${count === 1 ? 'is 1 run' : `are ${count} runs`}`);
      }
      return String(row[0]);
    }
    if (this.image.rows('SELECT 1 FROM runs WHERE id = ?', [r]).length) return r;
    const byPrefix = this.image.rows('SELECT id, name, started_at FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC LIMIT 6', [r.length, r]);
    const byName = this.image.rows('SELECT id, name, started_at FROM runs WHERE name = ? ORDER BY started_at DESC LIMIT 6', [r]);
    const ids = new Map<string, SqlValue[]>();
    for (const row of [...byPrefix, ...byName]) ids.set(String(row[0]), row);
    if (ids.size === 1) return [...ids.keys()][0];
    if (ids.size === 0) throw new Error(`no run matches '${r}' (by id, id prefix or name); try 'exptrack ls'`);
    const list = [...ids.values()].slice(0, 5).map((row) => `${String(row[0])} (${String(row[1])}, ${new Date(Number(row[2])).toISOString()})`).join('; ');
    throw new Error(`'${r}' is ambiguous, it matches ${ids.size > 5 ? 'more than 5' : ids.size} runs: ${list}; give more of the id`);
  }

  /**
   * A metric series in step order, min/max-downsampled to about `maxPoints` (keeping extremes and
   * the exact last point). NaN values come back as NaN.
   */
  series(runId: string, key: string, options: { maxPoints?: number; fromStep?: number; toStep?: number } = {}): Series {
    const rid = this.image.rows('SELECT rid FROM runs WHERE id = ?', [runId])[0]?.[0];
    if (rid === undefined) return { steps: new Float64Array(0), values: new Float64Array(0), times: new Float64Array(0) };
    const keyId = this.image.rows('SELECT id FROM metric_keys WHERE name = ?', [key])[0]?.[0] ?? -1;
    if (options.maxPoints && options.maxPoints <= overviewPoints && options.fromStep === undefined && options.toStep === undefined) {
      return this.overview(Number(rid), Number(keyId), key, options.maxPoints);
    }
    const all = this.image.readSeries(Number(rid), Number(keyId), key);
    const from = options.fromStep ?? -Infinity;
    const to = options.toStep ?? Infinity;
    let lo = 0;
    let hi = all.steps.length;
    while (lo < hi && all.steps[lo] < from) lo++;
    while (hi > lo && all.steps[hi - 1] > to) hi--;
    const full = lo === 0 && hi === all.steps.length ? all : { steps: all.steps.slice(lo, hi), values: all.values.slice(lo, hi), times: all.times.slice(lo, hi) };
    return options.maxPoints ? downsampleMinMax(full, options.maxPoints) : full;
  }
  /**
   * The whole series downsampled to `maxPoints` (<= {@link overviewPoints}) from its overview: live
   * (fed by the fold), saved in the file, or extended with the points after the last step it holds.
   * Built from a full read when none matches the series' point count, and kept for next time.
   */
  private overview(rid: number, keyId: number, key: string, maxPoints: number): Series {
    // metric_summary is keyed by the key's name; metrics by its id.
    const total = Number(this.image.rows('SELECT count FROM metric_summary WHERE run = ? AND key = ?', [rid, key])[0]?.[0] ?? 0);
    let ov = this.image.overviews.get(this.image.db, rid, keyId);
    if (ov && ov.count < total) this.readInto(ov, rid, keyId, key, ov.lastStep);
    if (ov && ov.count !== total) { this.image.overviews.drop(this.image.db, rid, keyId); ov = undefined; }
    if (!ov) {
      ov = new SeriesOverview(overviewPoints);
      this.readInto(ov, rid, keyId, key, -Infinity);
      // Counts disagree when steps were rewritten: such a series is read whole each time, not kept.
      if (ov.count === total) this.image.overviews.put(this.image.db, rid, keyId, ov);
    }
    return ov.toSeries(maxPoints);
  }

  private readInto(ov: SeriesOverview, rid: SqlValue, keyId: SqlValue, key: string, afterStep: number): void {
    const s = this.image.readSeries(Number(rid), Number(keyId), key);
    for (let i = 0; i < s.steps.length; i++) if (s.steps[i] > afterStep) ov.add(s.steps[i], s.values[i], s.times[i]);
  }
}

function paramOf(v: SqlValue, type: string): ParamValue {
  if (type === 'null' || v === null) return null;
  if (type === 'number') return Number(v);
  if (type === 'boolean') return v === 'true';
  return String(v);
}

function summaryOf(r: SqlValue[], metrics: Record<string, MetricSummary>): RunSummary {
  const startedAt = Number(r[8]);
  const endedAt = r[9] === null ? null : Number(r[9]);
  return {
    id: String(r[1]), name: String(r[2]), experiment: String(r[3]), status: String(r[4]) as RunStatus,
    exitCode: r[5] === null ? null : Number(r[5]), command: String(r[6]), cwd: String(r[7]), startedAt, endedAt,
    durationMs: endedAt === null ? null : endedAt - startedAt, metrics,
  };
}
