import { performance } from 'node:perf_hooks';
import { overviewMinSavedPoints } from './overviewCache';
import type { KeyPoints } from './pointsFile';
import type { StoreImage } from './storeImage';
import type { StoreLock } from './storeLock';
import type { StoreLogger } from './storeLogger';

/** Rows read from the catalog per statement (a few ms of sql.js), then maybe a turn of the event loop. */
const rowsPerRead = 16_384;
/** The event loop gets a turn at least this often. */
const sliceMs = 10;

/** Points a schema-v2 store still keeps in the catalog (doctor). */
export interface MigrationProgress {
  /** Runs whose points are (partly) still in the catalog's `metrics` table. */
  readonly runsLeft: number;
  /** Their points, from the summaries (exact unless a run also has points in files). */
  readonly pointsLeft: number;
  /** Runs moved by this process so far. */
  readonly runsMoved: number;
}

/** Runs whose points are still in the catalog's `metrics` table, and about how many points (null: none). */
export function pointsLeftInCatalog(image: StoreImage): { runsLeft: number; pointsLeft: number } | null {
  const runs = image.oneShot('SELECT rid FROM runs WHERE EXISTS (SELECT 1 FROM metrics WHERE run = rid)', []).map((r) => Number(r[0]));
  if (!runs.length) return null;
  let points = 0;
  for (let i = 0; i < runs.length; i += 500) {
    const part = runs.slice(i, i + 500);
    points += Number(image.oneShot(`SELECT coalesce(sum(count), 0) FROM metric_summary WHERE run IN (${part.map(() => '?').join(',')})`, part)[0]?.[0] ?? 0);
  }
  return { runsLeft: runs.length, pointsLeft: points };
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Moves the points of a schema-v2 store (table `metrics` inside exptrack.db) to points files, one run
 * at a time, in the writer that holds the lock, in the background: every ~10 ms the event loop gets a
 * turn. Per run: its rows are read in slices, written to a points file (complete on disk before
 * anything lists it), then one transaction lists the file and deletes the run's rows, and the store
 * saves that catalog before it releases the lock. So whatever `exptrack.db` is on disk (a kill -9 at
 * any moment), each run's points are either still in its rows or in a file it lists, never both and
 * never neither: a file written but not listed is swept later. Readers read both places meanwhile.
 * Once no run has rows left, the catalog is vacuumed (it shrinks to runs x keys).
 */
export class PointsMigration {
  private runsMoved = 0;
  private startedAt = 0;
  private lastYield = 0;

  constructor(
    private readonly image: StoreImage,
    private readonly lock: StoreLock | undefined,
    private readonly logger: StoreLogger,
  ) {}

  /** Whether a run still has points in the catalog, or the catalog still has the space they took. */
  pending(): boolean {
    return this.nextRun(0) !== undefined || this.wantsVacuum();
  }

  /** Runs moved by this process so far. */
  get moved(): number { return this.runsMoved; }

  /**
   * Moves runs for about `budgetMs` (with turns of the event loop); the caller holds the lock and
   * saves right after, before releasing it. Returns whether anything changed.
   */
  async step(budgetMs: number): Promise<boolean> {
    const image = this.image;
    image.commitFold();
    const until = performance.now() + budgetMs;
    let changed = false;
    let after = 0;
    while (performance.now() < until) {
      const run = this.nextRun(after);
      if (!run) break;
      after = run.rid;
      if (!this.startedAt) {
        this.startedAt = performance.now();
        const p = pointsLeftInCatalog(image);
        if (p) this.logger.info(`moving the points of ${p.runsLeft} run(s) (~${p.pointsLeft} points) out of exptrack.db into points files, in the background`);
      }
      if (await this.moveRun(run.rid, run.id)) { changed = true; this.runsMoved++; }
    }
    if (!this.nextRun(0) && this.wantsVacuum()) {
      const before = image.statFile()?.size ?? 0;
      // Overviews of shorter series were saved by the v2 store; they are read whole from files now.
      image.db.run('DELETE FROM metric_overviews WHERE count < ?', [overviewMinSavedPoints]);
      image.vacuum();
      changed = true;
      if (this.startedAt) this.logger.info(`moved the points of ${this.runsMoved} run(s) in ${((performance.now() - this.startedAt) / 1000).toFixed(1)} s; exptrack.db shrinks from ${(before / 2 ** 20).toFixed(1)} MB to ${(image.pageBytes() / 2 ** 20).toFixed(1)} MB`);
    }
    return changed;
  }

  /** The next run (by rid, after `after`) with rows in `metrics`. */
  private nextRun(after: number): { rid: number; id: string } | undefined {
    const r = this.image.rows('SELECT rid, id FROM runs WHERE rid > ? AND EXISTS (SELECT 1 FROM metrics WHERE run = rid) ORDER BY rid LIMIT 1', [after])[0];
    return r ? { rid: Number(r[0]), id: String(r[1]) } : undefined;
  }

  /** Space the moved rows left in the catalog: worth a vacuum once nothing is left to move. */
  private wantsVacuum(): boolean {
    const r = this.image.db.exec('PRAGMA freelist_count; PRAGMA page_count; PRAGMA page_size');
    const free = Number(r[0]?.values[0]?.[0] ?? 0);
    const pages = Number(r[1]?.values[0]?.[0] ?? 0);
    const pageSize = Number(r[2]?.values[0]?.[0] ?? 0);
    return free * pageSize >= 256 << 10 && free * 4 >= pages;
  }

  private async turn(): Promise<void> {
    if (performance.now() - this.lastYield < sliceMs) return;
    this.lock?.refresh();
    await yieldToLoop();
    this.lastYield = performance.now();
  }

  /** One run: read its rows, write the file, then list it and delete the rows in one transaction. */
  private async moveRun(rid: number, runId: string): Promise<boolean> {
    const image = this.image;
    const keyIds: number[] = [];
    for (let k = -Infinity; ;) {
      const r = image.rows('SELECT key FROM metrics WHERE run = ? AND key > ? ORDER BY key LIMIT 1', [rid, k])[0];
      if (!r) break;
      k = Number(r[0]);
      keyIds.push(k);
    }
    const series: (KeyPoints & { keyId: number })[] = [];
    for (const keyId of keyIds) {
      const name = image.rows('SELECT name FROM metric_keys WHERE id = ?', [keyId])[0]?.[0];
      const steps: number[] = [];
      const values: number[] = [];
      const times: number[] = [];
      for (let from = -Infinity; ;) {
        const rows = image.rows('SELECT step, value, time FROM metrics WHERE run = ? AND key = ? AND step > ? ORDER BY step LIMIT ?', [rid, keyId, from, rowsPerRead]);
        for (const row of rows) {
          steps.push(Number(row[0]));
          // NULL means NaN in the catalog (SQLite stores NaN as NULL).
          values.push(row[1] === null ? NaN : Number(row[1]));
          times.push(Number(row[2]));
        }
        if (rows.length < rowsPerRead) break;
        from = steps[steps.length - 1];
        await this.turn();
      }
      series.push({ keyId, key: name === undefined || name === null ? `#${keyId}` : String(name), steps: Float64Array.from(steps), values: Float64Array.from(values), times: Float64Array.from(times) });
      await this.turn();
    }
    series.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Written (and fsynced) before any catalog lists it; if anything below fails, it is unlisted and swept.
    const written = await image.points.writeMigrated(image.db, rid, runId, series);
    await this.turn();
    image.beginFold();
    try {
      // Deleted or moved by someone else (an edit during a turn): the file stays unlisted.
      const still = image.rows('SELECT 1 FROM runs WHERE rid = ? AND EXISTS (SELECT 1 FROM metrics WHERE run = rid)', [rid]).length > 0;
      if (!still) { image.commitFold(); return false; }
      image.points.list(image.db, { files: [written] });
      for (const s of series) {
        image.db.run('DELETE FROM metrics WHERE run = ? AND key = ?', [rid, s.keyId]);
        await this.turn();
      }
      image.commitFold();
    } catch (e) {
      image.rollback();
      throw e;
    }
    image.markDirty(true);
    return true;
  }
}
