import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { regexpFunction } from '../filter/compileFilter';
import type { MetricSummary } from '../model';
import { writeFileAtomicAsync } from './atomicWrite';
import { readRunPoints } from './journalReader';
import { OverviewCache } from './overviewCache';
import type { KeyPoints } from './pointsFile';
import { mergePoints, PointsStore } from './pointsStore';
import { RecordApplier } from './recordApplier';
import { migrate, NewerSchemaError, readUserVersion, schemaVersion } from './schema';
import type { StoreLock } from './storeLock';
import type { StoreLogger } from './storeLogger';
import { checkImage, relistFiles, salvageRows, type SalvageResult } from './storeSalvage';
import { LegacyPoints } from './legacyPoints';

export interface FileId { readonly ino: number; readonly size: number; readonly mtimeMs: number }

/** What the image reports back to the store that owns it. */
export interface ImageHooks {
  problem(kind: string, message: string): void;
  /** A save failed (disk full...): try again in `ms`. */
  retrySave(ms: number): void;
}

/** Files up to this size are checked whole on load (~1-7 ms/MB); bigger ones without {@link bulkTables}. */
const fullCheckBytes = 64 << 20;
/** Tables that hold the bulk of a v2 store (metric points), left out of the load check of a big file. */
const bulkTables = ['metrics', 'metric_overviews'];

/** Zeroed space kept after the database in memory, so it can grow without sql.js copying it. */
function headroomFor(bytes: number): number {
  return Math.max(16 << 20, bytes >> 2);
}

/**
 * The in-memory copy of `exptrack.db` (sql.js) and its persistence: loading (with headroom, moving a
 * corrupt file aside), transactions, the prepared-statement cache, and the atomic save. The fold,
 * the queries and the edits all work on {@link db} through this class; it is replaced on reload.
 */
export class StoreImage {
  db!: Database;
  applier!: RecordApplier;
  /** Metric summaries by run id, dropped for runs a fold or an edit touches: repeated listings stay cheap. */
  readonly summaryCache = new Map<string, Record<string, MetricSummary>>();
  /** Overviews of whole series, fed by the fold and saved with the file: charts never read a long series whole. */
  readonly overviews = new OverviewCache();
  /** Metric points: per-run files listed in the catalog, and what was folded since the last save. */
  readonly points: PointsStore;
  /** The fold's transaction, possibly open across event-loop turns. */
  txnOpen = false;
  txnWork = 0;
  txnStarted = 0;
  fileId: FileId | undefined;
  /** Memory holds something the file does not. */
  dirty = false;
  /** ...and some of it came from this writer's own journal (or edits). */
  ownUnsaved = false;
  dirtySince = 0;
  /** Why nothing may be saved (a newer schema, a corrupt file that could not be moved aside). */
  blocked: string | undefined;
  /**
   * The file on disk failed its check and is still in place (this store could not move it aside:
   * read-only, or without the lock): memory holds what was salvaged; never saved over the file, which
   * is reloaded (and moved aside) once the lock is held.
   */
  damagedInPlace = false;
  /** A statement failed as on a damaged image: nothing is saved until the file is reloaded (and checked). */
  suspect = false;
  /** How long the last check of a loaded file took (ms). */
  lastCheckMs = 0;
  /** A statement failed as on a damaged image since the last good save, and the file was reloaded for it once. */
  reloadedForCorruption = false;
  /**
   * The journal stretches folded into this image since it was loaded, by file: where the points of
   * spilled runs (see PointsStore.spilled) are read again from.
   */
  readonly foldedRanges = new Map<string, { from: number; to: number }>();
  lastSave: { at: number; ms: number; bytes: number } | null = null;
  /**
   * The file keeps points in its catalog (a store from before points files): the image holds the
   * catalog without them, they are read from the file, and nothing is saved until the migration
   * (pointsMigration.ts) has written them all to points files and drops this.
   */
  legacy: LegacyPoints | undefined;
  /** Saving has failed since `since` (retried every 5 s); null when the last save succeeded. */
  saveError: { since: number; message: string } | null = null;
  private saveFailing = false;
  private readonly queryStmts = new Map<string, Statement>();
  /** Length of sql.js's in-memory file when the database was last opened (with headroom). */
  private memFileSize = 0;
  /**
   * Headroom multiplier: doubled (up to 4x) each time the database outgrows its headroom again
   * within a minute (a long fold, a burst of big runs), so sustained growth re-opens it a few times
   * rather than every 25%; back to 1x after a quiet minute.
   */
  private headroomBoost = 1;
  private lastRegrowAt = 0;
  private commitsSinceSizeCheck = 0;

  constructor(
    readonly dbFile: string,
    private readonly SQL: SqlJsStatic,
    private readonly readOnly: boolean,
    private readonly logger: StoreLogger,
    private readonly hooks: ImageHooks,
    private readonly tmpSuffix: string,
    maxFileRows?: number,
  ) {
    this.points = new PointsStore(path.dirname(dbFile), hooks.problem, tmpSuffix, maxFileRows);
  }

  statFile(): FileId | undefined {
    try {
      const s = fs.statSync(this.dbFile);
      return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Whether the file on disk is not the one last loaded or saved (or memory must be reloaded from it). */
  fileChanged(): boolean {
    if (this.suspect) return true;
    const now = this.statFile();
    const was = this.fileId;
    if (!now || !was) return !!now !== !!was;
    return now.ino !== was.ino || now.size !== was.size || now.mtimeMs !== was.mtimeMs;
  }

  /**
   * (Re)loads the file into memory; a corrupt file is moved aside when `mayMoveAside`. The read is
   * asynchronous: a store of several hundred MB takes a second or more to read, and the extension
   * host must not stop meanwhile. The handle keeps the inode it opened, so a concurrent atomic save
   * (rename) cannot mix two files' bytes.
   */
  async load(mayMoveAside: boolean): Promise<void> {
    if (await this.loadLegacy()) return;
    let bytes: Buffer | undefined;
    let room: Buffer | undefined;
    let id: FileId | undefined;
    try {
      const fh = await fs.promises.open(this.dbFile, 'r');
      try {
        const s = await fh.stat();
        id = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
        // A writer reads straight into a buffer with the headroom openImage wants after the file.
        room = Buffer.allocUnsafe(s.size + (this.readOnly ? 0 : this.headroom(s.size)));
        bytes = room;
        let off = 0;
        while (off < s.size) {
          const { bytesRead } = await fh.read(bytes, off, Math.min(s.size - off, 16 << 20), off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        room.fill(0, off);
        bytes = bytes.subarray(0, off);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let db: Database | undefined;
    // Why the file failed its check: it is then salvaged row by row into a new database.
    let damage: string | undefined;
    if (bytes && bytes.length > 0) {
      try {
        db = this.openImage(bytes, room);
        db.exec('SELECT count(*) FROM sqlite_master');
      } catch (e) {
        try { db?.close(); } catch { /* unusable anyway */ }
        db = undefined;
        damage = (e as Error).message;
      }
    }
    if (db) {
      const found = readUserVersion(db);
      if (found > schemaVersion) {
        db.close();
        throw new NewerSchemaError(found, this.dbFile);
      }
      const t0 = performance.now();
      // A big file (a v2 store whose points are still in the catalog) is checked without its bulk
      // tables, so that a load does not stall the thread for seconds; a statement failing on them
      // (see Store) reloads it with the whole check.
      const whole = this.suspect || bytes!.length <= fullCheckBytes;
      const problems = checkImage(db, whole ? [] : bulkTables);
      this.lastCheckMs = performance.now() - t0;
      if (problems.length) damage = problems.slice(0, 2).join('; ') + (problems.length > 2 ? `; ${problems.length - 2} more finding(s)` : '');
    }
    let fresh = !db;
    this.damagedInPlace = false;
    if (damage !== undefined) {
      const into = new this.SQL.Database();
      migrate(into, this.dbFile);
      let result: SalvageResult;
      try {
        // Not a database at all: nothing to read but the points files, which are kept listed.
        result = db ? salvageRows(db, into, path.dirname(this.dbFile))
          : { copied: {}, lost: ['the file is not readable as a database at all: no row could be salvaged'], recreatedRuns: 0, relistedFiles: relistFiles(into, path.dirname(this.dbFile)) };
      } catch (e) {
        result = { copied: {}, lost: [`salvage stopped: ${(e as Error).message}`], recreatedRuns: 0, relistedFiles: 0 };
      }
      try { db?.close(); } catch { /* unusable anyway */ }
      db = into;
      fresh = true;
      const moved = this.damaged(id!, damage, result, mayMoveAside);
      id = moved ? undefined : id;
    }
    db ??= new this.SQL.Database();
    const migrated = migrate(db, this.dbFile);
    if (fresh) {
      // Reopen the new schema with headroom (see openImage).
      const image = db.export();
      db.close();
      db = this.openImage(image);
    }
    this.replaceDb(db);
    this.fileId = id;
    this.suspect = false;
    this.dirty = false;
    this.ownUnsaved = false;
    if (migrated || !id || damage !== undefined) this.markDirty(true);
  }

  /**
   * A file that keeps points in its catalog: the catalog is copied from it without them, from disk
   * (a 3 GB schema-v2 store: ~0.1 s and the catalog's size in memory, not a 3 GB image). False when
   * the file has no such points, or is not readable that way (the whole load then checks and salvages it).
   */
  private async loadLegacy(): Promise<boolean> {
    const id = this.statFile();
    const legacy = id && LegacyPoints.open(this.dbFile);
    if (!legacy) {
      this.dropLegacy();
      return false;
    }
    let db: Database;
    try {
      const found = legacy.file.userVersion;
      if (found > schemaVersion) throw new NewerSchemaError(found, this.dbFile);
      // Readers go on meanwhile with the image and the old file they have (it is converted in slices).
      db = await legacy.convertCatalog(this.SQL, this.dbFile);
    } catch (e) {
      legacy.close();
      this.dropLegacy();
      if (e instanceof NewerSchemaError) throw e;
      return false;
    }
    const image = db.export();
    db.close();
    this.dropLegacy();
    this.replaceDb(this.openImage(image));
    this.legacy = legacy;
    this.fileId = id;
    this.suspect = false;
    this.damagedInPlace = false;
    this.dirty = false;
    this.ownUnsaved = false;
    return true;
  }

  /** Recomputes summaries that count rewritten points twice (RecordApplier.settleSummaries), their runs' cached listings dropped. */
  settleSummaries(): void {
    if (!this.applier.hasInexact()) return;
    this.inTransaction(() => { for (const id of this.applier.settleSummaries()) this.summaryCache.delete(id); });
  }

  /** The migration listed every legacy point's file (or the file was replaced): read no more from it. */
  dropLegacy(): void {
    this.legacy?.close();
    this.legacy = undefined;
  }

  /**
   * The file failed its check (or is no database at all) and `salvage` holds what could be read of it.
   * A writer holding the lock moves the file aside (`exptrack.db.corrupt-<time>`, never deleted, with
   * a `.salvage.txt` report beside it) and goes on from the salvaged rows; anyone else shows the
   * salvaged rows and leaves the file for a writer that holds the lock. Returns whether it was moved.
   */
  private damaged(id: FileId, why: string, salvage: SalvageResult, mayMoveAside: boolean): boolean {
    const rows = Object.values(salvage.copied).reduce((a, b) => a + b, 0);
    const lost = salvage.lost.length ? `; not recovered: ${salvage.lost.join('; ')}` : '; every row was recovered';
    const summary = `${rows} row(s) salvaged (${salvage.copied.runs ?? 0} run(s))${lost}`;
    if (!mayMoveAside) {
      this.damagedInPlace = true;
      this.hooks.problem('corrupt-readonly', `${this.dbFile} is damaged (${why}); showing the ${rows} row(s) salvaged from it (${salvage.copied.runs ?? 0} run(s)) and what the journals hold${lost}; ${this.readOnly ? 'the next writer' : 'this writer, once it holds the lock,'} moves it aside to ${path.basename(this.dbFile)}.corrupt-<time> (kept for inspection; see exptrack doctor)`);
      return false;
    }
    const aside = `${this.dbFile}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const now = this.statFile();
    if (now && now.ino === id.ino && now.size === id.size) {
      try { fs.renameSync(this.dbFile, aside); } catch (e) {
        this.hooks.problem('corrupt-move', `${this.dbFile} is corrupt and could not be moved aside: ${(e as Error).message}`);
        this.blocked = 'corrupt database could not be moved aside';
        return false;
      }
    }
    this.damagedInPlace = false;
    const report = [
      `${path.basename(this.dbFile)} failed its check on ${new Date().toISOString()} (${why}) and was moved to ${path.basename(aside)}.`,
      `Salvaged into the new ${path.basename(this.dbFile)}: ${rows} row(s): ${Object.entries(salvage.copied).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}.`,
      ...(salvage.recreatedRuns ? [`${salvage.recreatedRuns} run(s) recreated as placeholders (experiment "salvaged", tag exptrack.salvaged).`] : []),
      ...(salvage.relistedFiles ? [`${salvage.relistedFiles} points file(s) under runs/ listed again.`] : []),
      ...(salvage.lost.length ? ['Not recovered:', ...salvage.lost.map((l) => `  ${l}`)] : ['Every row was recovered.']),
      'Journals still on disk were folded on top. The damaged file is kept for inspection (sqlite3 .recover); delete it and this report when done.',
    ];
    try { fs.writeFileSync(`${aside}.salvage.txt`, `${report.join('\n')}\n`); } catch { /* the log line below says it all */ }
    this.logger.error(`${path.basename(this.dbFile)} was corrupt (${why}); it was moved to ${path.basename(aside)}, ${summary}; recording goes on in the new database`);
    return true;
  }

  /**
   * A database from a file image, with headroom: sql.js keeps the file in an in-memory array that it
   * grows by 12.5% at a time, copying the whole file each time (a 100 MB database stalls the thread
   * for 100-400 ms per growth, and a growing one spends ~25% of its insert CPU there). SQLite reads
   * the database size from the header, so zero bytes past the end are left alone, and export()
   * copies only the database's pages. Only for a header SQLite >= 3.7.0 wrote (size field valid).
   * `room`, when given, is a buffer that starts with `image` and has zeros after it: used as it is,
   * it saves copying a large file once more.
   */
  private openImage(image: Uint8Array, room?: Uint8Array, incoming = 0): Database {
    if (image.length >= 100 && (image[18] === 2 || image[19] === 2)) {
      // A sqlite3 tool left the file in WAL mode; in memory that is only overhead, so read it as a
      // rollback-mode file (what sql.js's own export() writes). A -wal file left next to it (not
      // checkpointed) is reported by doctor().
      image = Uint8Array.from(image);
      image[18] = 1;
      image[19] = 1;
    }
    const bytes = Buffer.from(image.buffer, image.byteOffset, image.length);
    const valid = image.length >= 100 && bytes.readUInt32BE(24) === bytes.readUInt32BE(92) && bytes.readUInt32BE(28) > 0;
    if (valid && this.readOnly) {
      // A file cut short of the size its header says (a truncated copy) reads as zeros past its end,
      // as it does with a writer's headroom: the check then finds the missing pages, the rest is read.
      const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
      const needed = bytes.readUInt32BE(28) * pageSize;
      if (needed > image.length && needed <= image.length * 4 + (64 << 20)) {
        const padded = new Uint8Array(needed);
        padded.set(image);
        image = padded;
      }
    }
    if (!valid || this.readOnly) {
      this.memFileSize = image.length;
      return new this.SQL.Database(image);
    }
    if (room && room.buffer === image.buffer && image.byteOffset === room.byteOffset && room.length >= image.length + this.headroom(image.length)) {
      this.memFileSize = room.length;
      return new this.SQL.Database(room);
    }
    // Room for what is about to be folded in, with a quarter more for what follows.
    const padded = new Uint8Array(image.length + Math.max(this.headroom(image.length), incoming + (incoming >> 2)));
    padded.set(image);
    this.memFileSize = padded.length;
    return new this.SQL.Database(padded);
  }

  private headroom(bytes: number): number {
    return Math.min(headroomFor(bytes) * this.headroomBoost, Math.max(64 << 20, bytes >> 1));
  }

  /** Continues from an export of the database with new headroom (it was about to outgrow it). */
  private regrow(data: Uint8Array, incoming = 0): void {
    const now = Date.now();
    this.headroomBoost = now - this.lastRegrowAt < 60_000 ? Math.min(4, this.headroomBoost * 2) : 1;
    this.lastRegrowAt = now;
    this.replaceDb(this.openImage(data, undefined, incoming), true);
  }

  private replaceDb(db: Database, keepCaches = false): void {
    this.freeStatements();
    if (!keepCaches) { this.summaryCache.clear(); this.overviews.clear(); this.points.clear(); this.foldedRanges.clear(); }
    try { this.db?.close(); } catch { /* already closed */ }
    this.db = db;
    this.configureDb();
  }

  private configureDb(): void {
    // The whole file lives in wasm memory: a rollback journal on the in-memory VFS is pure overhead.
    this.db.exec('PRAGMA journal_mode = MEMORY');
    // Room for a fold transaction's dirty pages (the default 2 MB would spill them mid-transaction).
    this.db.exec('PRAGMA cache_size = -16384');
    this.db.create_function(regexpFunction, (source: unknown, flags: unknown, text: unknown) => {
      try { return new RegExp(String(source), String(flags ?? '')).test(String(text)) ? 1 : 0; } catch { return 0; }
    });
    this.applier = this.newApplier();
  }

  private newApplier(): RecordApplier {
    return new RecordApplier(this.db, (m) => this.logger.info(m), this.points, (rid, keyId, key) => this.readSeries(rid, keyId, key), this.overviews);
  }

  /**
   * One whole series in step order: points still in the old place (the `metrics` table of a file
   * from before points files, read from disk), then the run's points files, then points folded since the save.
   */
  readSeries(rid: number, keyId: number, key: string): KeyPoints {
    let before: KeyPoints | undefined;
    try {
      before = this.legacy?.read(rid, keyId, key);
    } catch (e) {
      // A damaged page among the old file's points: say so, show the rest (the migration reports it too).
      this.hooks.problem('legacy-read', `${this.dbFile}: points still in the old file could not be read (${(e as Error).message}); the rest of the run is shown`);
    }
    const stored = this.points.read(this.db, rid, key, before);
    if (!this.points.spilled.has(rid)) return stored;
    // Folded but not kept in memory (a reader past its bound): read again from the journals.
    const runId = this.rows('SELECT id FROM runs WHERE rid = ?', [rid])[0]?.[0];
    if (runId === undefined) return stored;
    const ranges = [...this.foldedRanges].map(([file, r]) => ({ file, from: r.from, to: r.to }));
    return mergePoints(key, [stored, readRunPoints(ranges, String(runId), key)]);
  }

  /**
   * Memory no longer matches what a save would need (a damaged file left in place, or points spilled
   * from memory): reload and fold again once the lock is held, never save this image.
   */
  mustReloadToSave(): boolean {
    return this.damagedInPlace || this.points.spilled.size > 0;
  }

  private freeStatements(): void {
    this.applier?.free();
    for (const s of this.queryStmts.values()) { try { s.free(); } catch { /* gone with an export */ } }
    this.queryStmts.clear();
  }

  markDirty(own: boolean): void {
    if (!this.dirty) this.dirtySince = Date.now();
    this.dirty = true;
    if (own) this.ownUnsaved = true;
  }

  /** Minimum spacing between saves: an export blocks the thread ~2 ms/MB, keep it under ~4% of the time. */
  saveSpacingMs(): number {
    return Math.max(200, 25 * (this.lastSave?.ms ?? 0));
  }

  /**
   * Exports and writes the file atomically; must hold the lock, never inside a transaction, one save
   * at a time (the store's cycle). The writes and fsyncs run off the event loop; what changes in
   * memory meanwhile (an edit) is marked unsaved again for the next save.
   */
  async save(lock: StoreLock | undefined, tmpSuffix: string): Promise<boolean> {
    // Until the migration lists their files, the file on disk is the only place of the legacy points.
    if (this.blocked || this.suspect || this.legacy || this.mustReloadToSave()) return false;
    if (lock && !lock.stillHeld()) { this.hooks.problem('lock-lost', 'the store lock was taken over; this save was skipped'); return false; }
    if (this.fileId && this.fileChanged()) return false; // someone else saved: the next cycle reloads and refolds
    // A summary must not be saved counting rewritten points twice (a save midway through a fold).
    this.settleSummaries();
    this.commitFold(); // sql.js cannot export inside a transaction; points files are written outside one
    let written;
    try {
      written = await this.points.writeFiles(this.db, (rids) => this.endedRuns(rids));
    } catch (e) {
      this.saveFailed(e as Error, true);
      return false;
    }
    // The new files are listed, and overviews saved, in the same file as the points they describe.
    this.inTransaction(() => {
      this.points.list(this.db, written);
      this.overviews.saveAll(this.db);
    });
    this.points.written(written);
    const missing = this.points.missingUnsaved();
    if (missing) {
      this.hooks.problem('swept', `points file ${missing} was removed by another writer before this one saved the catalog listing it; reloading (the journals still hold its points)`);
      this.fileId = { ino: -1, size: -1, mtimeMs: -1 }; // the next cycle reloads and folds again
      return false;
    }
    const t0 = performance.now();
    const data = this.db.export();
    // export() invalidates prepared statements (and may reset pragmas) in sql.js: re-prepare lazily.
    this.freeStatements();
    this.configureDb();
    const exportMs = performance.now() - t0;
    // What the export holds is saved once the write succeeds; anything after it is unsaved again.
    this.dirty = false;
    this.ownUnsaved = false;
    try {
      const s = await writeFileAtomicAsync(this.dbFile, data, tmpSuffix);
      this.fileId = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch (e) {
      this.markDirty(true);
      this.saveFailed(e as Error, false);
      return false;
    }
    this.points.saved();
    this.reloadedForCorruption = false;
    if (this.saveFailing) this.logger.info(`${this.dbFile} saved again`);
    this.saveFailing = false;
    this.saveError = null;
    // `ms` is the time the thread was blocked (the export): what save spacing keeps small.
    this.lastSave = { at: Date.now(), ms: exportMs, bytes: data.length };
    if (data.length > this.memFileSize * 0.85) {
      // Close to outgrowing its headroom: continue from the image just saved, with new headroom.
      this.regrow(data);
    }
    return true;
  }

  /** `points`: the failure was writing points files (the catalog was not saved either). */
  private saveFailed(e: Error, points: boolean): void {
    const code = (e as NodeJS.ErrnoException).code;
    const what = points ? `${this.dbFile} (writing its points files)` : this.dbFile;
    if (!this.saveFailing) {
      this.logger.error(code === 'ENOSPC'
        ? `disk full: could not save ${what}; the last good file is kept and the journals hold everything; will retry`
        : `could not save ${what}: ${e.message}; the last good file is kept; will retry`);
    }
    this.saveFailing = true;
    this.saveError = { since: this.saveError?.since ?? Date.now(), message: `${code === 'ENOSPC' ? 'disk full: ' : ''}could not save ${what}: ${e.message}` };
    this.hooks.retrySave(5000);
  }

  /** Which of these runs have ended (their points are compacted into one file). */
  private endedRuns(rids: number[]): Set<number> {
    const out = new Set<number>();
    for (let i = 0; i < rids.length; i += 500) {
      const part = rids.slice(i, i + 500);
      for (const [rid] of this.oneShot(`SELECT rid FROM runs WHERE status != 'running' AND rid IN (${part.map(() => '?').join(',')})`, part)) out.add(Number(rid));
    }
    return out;
  }

  /**
   * Between commits of a long fold (a backlog, a big run ending, a reload), the database can outgrow
   * its headroom long before the next save; sql.js would then grow it 12.5% at a time, copying the
   * whole file each time (~200 ms of a 1M-point fold into a new store). Re-opening from an export
   * at 85% costs one copy per 25%+ of growth instead. Only between transactions.
   */
  keepHeadroom(): void {
    if (this.readOnly || this.txnOpen || ++this.commitsSinceSizeCheck < 8) return;
    this.commitsSinceSizeCheck = 0;
    this.makeRoom(0);
  }

  /**
   * Re-opens with new headroom if the database plus `incoming` bytes would outgrow 85% of it. A fold
   * that knows its backlog asks for the room up front: one copy of today's file instead of several
   * copies of an ever bigger one as it grows.
   */
  makeRoom(incoming: number): void {
    if (this.readOnly || this.txnOpen) return;
    const bytes = this.pageBytes();
    if (bytes + incoming <= this.memFileSize * 0.85) return;
    const data = this.db.export();
    this.freeStatements();
    this.regrow(data, incoming);
  }

  /** Bytes of the database's pages (what an export writes). */
  pageBytes(): number {
    const row = this.db.exec('PRAGMA page_count; PRAGMA page_size');
    return Number(row[0]?.values[0]?.[0] ?? 0) * Number(row[1]?.values[0]?.[0] ?? 0);
  }

  // ---------------------------------------------------------------- transactions

  /** Opens the fold's transaction if none is open. */
  beginFold(): void {
    if (this.txnOpen) return;
    this.db.exec('BEGIN');
    this.points.begin();
    this.txnOpen = true;
    this.txnWork = 0;
    this.txnStarted = performance.now();
  }

  /** Runs `f` in a transaction, or inside the fold's open one (user edits during a fold's pause). */
  inTransaction(f: () => void): void {
    if (this.txnOpen) { f(); return; }
    this.db.exec('BEGIN');
    this.points.begin();
    try {
      f();
      this.db.exec('COMMIT');
      this.points.commit();
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  /** Undoes the open transaction; the applier's id caches may name rows that no longer exist. */
  rollback(): void {
    this.txnOpen = false;
    try { this.db.exec('ROLLBACK'); } catch { /* no transaction left */ }
    this.points.rollback();
    this.applier.free();
    this.applier = this.newApplier();
    this.summaryCache.clear();
    this.overviews.clear();
  }

  commitFold(): void {
    if (!this.txnOpen) return;
    this.txnOpen = false;
    try {
      this.db.exec('COMMIT');
      this.points.commit();
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  // ---------------------------------------------------------------- statements

  /** A prepared statement, cached until the next export or reload. */
  stmt(sql: string): Statement {
    let s = this.queryStmts.get(sql);
    if (!s) { s = this.db.prepare(sql); this.queryStmts.set(sql, s); }
    return s;
  }

  /** Rows of a cached statement. */
  rows(sql: string, params: SqlValue[]): SqlValue[][] {
    const s = this.stmt(sql);
    const out: SqlValue[][] = [];
    try {
      s.bind(params);
      while (s.step()) out.push(s.get());
    } finally {
      s.reset();
    }
    return out;
  }

  /** Rows of a statement prepared for this call only (SQL text that varies). */
  oneShot(sql: string, params: SqlValue[]): SqlValue[][] {
    const s = this.db.prepare(sql);
    const out: SqlValue[][] = [];
    try {
      s.bind(params);
      while (s.step()) out.push(s.get());
    } finally {
      s.free();
    }
    return out;
  }

  /** Rows as column-name objects (lineage's reader); prepared per call. */
  objects(sql: string, params: readonly (string | number | null)[]): Record<string, unknown>[] {
    const s = this.db.prepare(sql);
    try {
      s.bind([...params]);
      const out: Record<string, unknown>[] = [];
      while (s.step()) out.push(s.getAsObject());
      return out;
    } finally {
      s.free();
    }
  }

  close(): void {
    this.dropLegacy();
    this.freeStatements();
    this.db.close();
  }
}
