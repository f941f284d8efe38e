import type { Database, SqlValue } from 'sql.js';
import { SeriesOverview } from './seriesOverview';

/** The overview budget kept live and saved: the panels' chart budget (smaller budgets derive from it). */
export const overviewPoints = 2000;
/**
 * Shorter series are read whole from their points file in a few milliseconds (3 MB at most): their
 * overviews are kept in memory, not saved. Saved ones cost ~100 KB each in the catalog: from 4,096
 * points on (what the v2 store, reading series from SQLite, needed) a 1e8-point workspace of 25k-step
 * series had a 400 MB catalog; from 2^17 on, an overview is under 3% of its series' bytes.
 */
export const overviewMinSavedPoints = 1 << 17;

interface Entry {
  readonly rid: number;
  readonly keyId: number;
  readonly ov: SeriesOverview;
  /** Point count when last written to metric_overviews (-1: never). */
  saved: number;
}

/**
 * Min/max overviews of whole series, so a chart never reads a long series in full: kept live in
 * memory (the fold feeds each new point to its series' overview) and saved in `metric_overviews` with
 * the data they describe, so a store opened cold charts a 100k-point series from ~2,000 saved points.
 *
 * An overview is trusted only while its point count equals the series' count in metric_summary;
 * anything else (steps logged out of order, a file edited by another tool) drops it and the series is
 * read whole again. It is derived data: losing it costs time, never correctness.
 */
export class OverviewCache {
  /** Live overviews by `rid:keyId`, least recently used first. */
  private readonly live = new Map<string, Entry>();
  /** Series the fold has seen with no live overview to feed (not new, none saved): not looked up again. */
  private readonly unfed = new Set<string>();

  constructor(private readonly limit = 1000) {}

  /**
   * The overview the fold should feed this batch's points of (rid, keyId) to, or undefined. A new
   * series (no points yet) gets an empty one; an existing one gets its saved overview when that
   * matches the points already stored.
   */
  forFold(db: Database, rid: number, keyId: number, storedCount: () => number): SeriesOverview | undefined {
    const k = `${rid}:${keyId}`;
    const e = this.live.get(k);
    if (e) { this.touch(k, e); return e.ov; }
    if (this.unfed.has(k)) return undefined;
    const count = storedCount();
    const ov = count === 0 ? new SeriesOverview(overviewPoints) : this.load(db, rid, keyId);
    if (!ov || ov.count !== count) { this.unfed.add(k); return undefined; }
    this.put(db, rid, keyId, ov, count === 0 ? -1 : count);
    return ov;
  }

  /** The live or saved overview of (rid, keyId), unchecked: the caller compares its count. */
  get(db: Database, rid: number, keyId: number): SeriesOverview | undefined {
    const k = `${rid}:${keyId}`;
    const e = this.live.get(k);
    if (e) { this.touch(k, e); return e.ov; }
    const ov = this.load(db, rid, keyId);
    if (ov) this.put(db, rid, keyId, ov, ov.count);
    return ov;
  }

  /** Keeps `ov` live for (rid, keyId); `saved` is the count already in the table (-1: none). */
  put(db: Database, rid: number, keyId: number, ov: SeriesOverview, saved = -1): void {
    const k = `${rid}:${keyId}`;
    this.live.delete(k);
    this.unfed.delete(k);
    this.live.set(k, { rid, keyId, ov, saved });
    while (this.live.size > this.limit) {
      const [oldest, entry] = this.live.entries().next().value as [string, Entry];
      this.live.delete(oldest);
      this.write(db, entry); // its work is not lost: saved now, restored when next needed
      this.unfed.add(oldest);
    }
  }

  /** Forgets (rid, keyId)'s overview, live and saved: its points no longer came in step order. */
  drop(db: Database, rid: number, keyId: number): void {
    const k = `${rid}:${keyId}`;
    this.live.delete(k);
    this.unfed.add(k);
    db.run('DELETE FROM metric_overviews WHERE run = ? AND key = ?', [rid, keyId]);
  }

  /** Forgets a deleted run's overviews (its saved rows go with the run's other rows). */
  dropRun(rid: number): void {
    for (const [k, e] of this.live) if (e.rid === rid) this.live.delete(k);
    for (const k of this.unfed) if (k.startsWith(`${rid}:`)) this.unfed.delete(k);
  }

  /** Everything, after a reload or a rolled-back fold: live overviews may describe other data. */
  clear(): void {
    this.live.clear();
    this.unfed.clear();
  }

  /** Writes the overviews of long series that changed since last written; call in a transaction. */
  saveAll(db: Database): number {
    let n = 0;
    for (const e of this.live.values()) if (this.write(db, e)) n++;
    return n;
  }

  private write(db: Database, e: Entry): boolean {
    if (e.ov.count < overviewMinSavedPoints || e.ov.count === e.saved) return false;
    const a = e.ov.snapshot();
    db.run('INSERT OR REPLACE INTO metric_overviews (run, key, count, data) VALUES (?, ?, ?, ?)',
      [e.rid, e.keyId, e.ov.count, new Uint8Array(a.buffer, a.byteOffset, a.byteLength)]);
    e.saved = e.ov.count;
    return true;
  }

  private load(db: Database, rid: number, keyId: number): SeriesOverview | undefined {
    const s = db.prepare('SELECT data FROM metric_overviews WHERE run = ? AND key = ?');
    let data: SqlValue | undefined;
    try {
      s.bind([rid, keyId]);
      if (s.step()) data = s.get()[0];
    } finally {
      s.free();
    }
    if (!(data instanceof Uint8Array) || data.byteLength % 8 !== 0) return undefined;
    // A fresh copy: the blob's bytes need not be 8-byte aligned.
    const floats = new Float64Array(data.byteLength / 8);
    new Uint8Array(floats.buffer).set(data);
    return SeriesOverview.restore(overviewPoints, floats);
  }

  private touch(k: string, e: Entry): void {
    this.live.delete(k);
    this.live.set(k, e);
  }
}
