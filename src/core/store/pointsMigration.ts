import { performance } from 'node:perf_hooks';
import { Slices } from '../eventLoop';
import type { LegacyPoints } from './legacyPoints';
import type { KeyPoints } from './pointsFile';
import type { StoreImage } from './storeImage';
import type { StoreLogger } from './storeLogger';

/** Points of one run written to one file at most (a longer run gets several, in step order). */
const maxFileRows = 4_000_000;

/** Points a store from before points files still keeps in exptrack.db (doctor). */
export interface MigrationProgress {
  /** Runs whose points are still in the old file's `metrics` table. */
  readonly runsLeft: number;
  /** Their points, from the summaries. */
  readonly pointsLeft: number;
  /** Runs this process has written to points files so far (listed when the migration ends). */
  readonly runsMoved: number;
}

/** Runs whose points are still in the old file, and how many points (null: none). */
export function pointsLeftInCatalog(image: StoreImage, moved = 0): MigrationProgress | null {
  const legacy = image.legacy;
  if (!legacy) return null;
  const rids = image.oneShot('SELECT rid FROM runs', []).map((r) => Number(r[0]));
  const runs = [...legacy.runsWithPoints(rids)];
  let points = 0;
  for (let i = 0; i < runs.length; i += 500) {
    const part = runs.slice(i, i + 500);
    points += Number(image.oneShot(`SELECT coalesce(sum(count), 0) FROM metric_summary WHERE run IN (${part.map(() => '?').join(',')})`, part)[0]?.[0] ?? 0);
  }
  return { runsLeft: runs.length, pointsLeft: points, runsMoved: moved };
}

/** A run's points written to files by the migration, to be listed when it ends. */
export interface MigratedRun { readonly rid: number; readonly runId: string; readonly files: { file: string; rows: number }[] }

/**
 * Moves the points a store from before points files keeps in exptrack.db (see legacyPoints.ts) to
 * points files: one ordered pass over the old file's `metrics` table, from disk, in bounded memory
 * (one run's points at a time), the event loop getting a turn every ~10 ms, nothing holding the lock:
 * the files are written (fsynced, complete) but listed by nothing yet. Then {@link finish}, in the
 * store's cycle under the lock, lists them all in the catalog built from the old file and the store
 * saves it: that save replaces the old file, atomically. So whatever `exptrack.db` is on disk (a kill
 * -9 at any moment), it is the old file with every point in its rows, or the new catalog listing
 * every point's file; files written and never listed are swept later. A killed migration starts
 * again from the old file (~25 s per 1e8 points here); readers read the old file meanwhile.
 */
export class PointsMigration {
  private runsMoved = 0;
  private job: Promise<void> | undefined;
  private done: { legacy: LegacyPoints; runs: MigratedRun[] } | undefined;

  constructor(
    private readonly image: StoreImage,
    private readonly logger: StoreLogger,
  ) {}

  /** Whether the store's file still keeps points in its catalog. */
  pending(): boolean {
    return this.image.legacy !== undefined;
  }

  /** Runs written to files by this process so far. */
  get moved(): number { return this.runsMoved; }

  /** Whether the pass over the old file has ended and {@link finish} can list what it wrote. */
  ready(): boolean {
    return this.done !== undefined && this.done.legacy === this.image.legacy;
  }

  /** Reads the old file and writes the files (once at a time); resolves when the pass ends, rejects when it fails. */
  run(): Promise<void> {
    const legacy = this.image.legacy;
    if (!legacy || this.ready()) return Promise.resolve();
    this.job ??= this.pass(legacy).then((runs) => { if (runs) this.done = { legacy, runs }; }).finally(() => { this.job = undefined; });
    return this.job;
  }

  /**
   * Under the lock, in the store's cycle: lists every file the pass wrote and drops the old file's
   * points from the image, which the caller saves now (that save replaces the old file). False when
   * the image no longer reads from the file the pass read (another writer replaced it meanwhile).
   */
  finish(): boolean {
    const done = this.done;
    this.done = undefined;
    const image = this.image;
    if (!done || done.legacy !== image.legacy) return false;
    image.beginFold();
    try {
      for (const r of done.runs) image.points.listMigrated(image.db, r.rid, r.runId, r.files);
      image.commitFold();
    } catch (e) {
      image.rollback();
      throw e;
    }
    image.dropLegacy();
    image.markDirty(true);
    return true;
  }

  /** The pass; undefined when the store's file was replaced meanwhile (another writer finished first). */
  private async pass(legacy: LegacyPoints): Promise<MigratedRun[] | undefined> {
    const image = this.image;
    const t0 = performance.now();
    const left = pointsLeftInCatalog(image);
    if (left) this.logger.info(`moving the points of ${left.runsLeft} run(s) (~${left.pointsLeft} points) out of exptrack.db into points files, in the background`);
    const runIds = new Map(image.oneShot('SELECT rid, id FROM runs', []).map((r) => [Number(r[0]), String(r[1])]));
    const keyNames = new Map(image.oneShot('SELECT id, name FROM metric_keys', []).map((r) => [Number(r[0]), String(r[1])]));
    const out: MigratedRun[] = [];
    let orphans = 0;
    let rid = NaN;
    let current: MigratedRun | undefined;
    let series = new Map<number, { steps: number[]; values: number[]; times: number[] }>();
    let rows = 0;
    const flush = async (): Promise<void> => {
      if (!current || !rows) return;
      const parts: KeyPoints[] = [...series].map(([keyId, s]) => ({
        key: keyNames.get(keyId) ?? `#${keyId}`, steps: Float64Array.from(s.steps), values: Float64Array.from(s.values), times: Float64Array.from(s.times),
      })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      series = new Map();
      rows = 0;
      current.files.push(await image.points.writeMigrated(current.runId, parts));
    };
    const cursor = legacy.file.cursor(legacy.rootPage);
    // The event loop gets a turn every ~10 ms while the old file is read.
    const slices = new Slices();
    for (let row = cursor.next(); ; row = cursor.next()) {
      const r = row ? Number(row[0]) : NaN;
      if (r !== rid || rows >= maxFileRows) {
        await flush();
        if (r !== rid) {
          if (current?.files.length) { out.push(current); this.runsMoved++; }
          rid = r;
          const runId = runIds.get(r);
          current = runId === undefined ? undefined : { rid: r, runId, files: [] };
        }
      }
      if (!row) break;
      if (!current) { orphans++; continue; }
      const keyId = Number(row[1]);
      let s = series.get(keyId);
      if (!s) { s = { steps: [], values: [], times: [] }; series.set(keyId, s); }
      s.steps.push(Number(row[2]));
      s.values.push(row[3] === null ? NaN : Number(row[3]));
      s.times.push(Number(row[4]));
      rows++;
      if ((rows & 1023) === 0 && slices.due) {
        await slices.turn();
        if (image.legacy !== legacy) return undefined;
      }
    }
    if (orphans) this.logger.warn(`${orphans} point(s) in exptrack.db belong to no run of the catalog (not written by exptrack); they are not moved`);
    this.logger.info(`wrote the points of ${out.length} run(s) to points files in ${((performance.now() - t0) / 1000).toFixed(1)} s; listing them`);
    return out;
  }
}
