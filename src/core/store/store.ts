import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { compileFilter, regexpFunction } from '../filter/compileFilter';
import type { ArtifactRecord, GitInfo, MetricSummary, ParamValue, RecordSink, RunDetail, RunStatus, RunSummary } from '../model';
import { loadSqlJs } from '../sqlite';
import { writeFileAtomic } from './atomicWrite';
import { OverviewCache, overviewPoints } from './overviewCache';
import { SeriesOverview } from './seriesOverview';
import { downsampleMinMax, type Series } from './downsample';
import { fileSize, readJournalChunk, readJournalHeader, readWriterHeader } from './journalReader';
import { JOURNAL_FORMAT, type JournalRecord } from './journalRecord';
import { createJournalSink } from './journalSink';
import { JournalWriter } from './journalWriter';
import { isProcessAlive, thisHost } from './processInfo';
import { RecordApplier } from './recordApplier';
import { migrate, NewerSchemaError, readUserVersion, schemaVersion } from './schema';
import { lockPath, lockState, StoreLock } from './storeLock';
import { consoleLogger, type StoreLogger } from './storeLogger';

export interface StoreOptions {
  /** Unique per process instance; default host-pid-random. */
  readonly writerId?: string;
  readonly logger?: StoreLogger;
  /** Never writes anything under the folder: folds journals into memory only. */
  readonly readOnly?: boolean;
  /** Poll other writers' journals and the database file this often (ms); 0 or absent: only on refresh(). */
  readonly watchMs?: number;
  /** A live writer's journal starts a new file past this size once fully folded (default 256 MB). */
  readonly rotateJournalBytes?: number;
  /**
   * Stays open and folds other writers' journals as they come (the editor). Said in its journal's
   * header (`folds`), so that `exptrack _fold` leaves a big run's journal to it. A one-shot fold
   * (`exptrack _fold`, exptrack run's own) must not say so: another _fold would leave it a journal
   * that appeared after its last cycle.
   */
  readonly longLived?: boolean;
}

/** What the store reports about itself (`exptrack doctor`). */
export interface DoctorReport {
  readonly dir: string;
  readonly dbFile: string;
  readonly dbBytes: number | null;
  readonly schemaVersion: number;
  readonly codeSchemaVersion: number;
  /** `['ok']` when SQLite's integrity_check finds nothing. */
  readonly integrity: readonly string[];
  readonly experiments: number;
  readonly runs: number;
  readonly runningRuns: number;
  readonly metricPoints: number;
  readonly journals: readonly {
    readonly writer: string; readonly file: string; readonly bytes: number; readonly pendingBytes: number;
    readonly pid: number | null; readonly host: string | null; readonly alive: boolean; readonly closed: boolean;
  }[];
  readonly lock: { readonly writer: string | null; readonly pid: number | null; readonly host: string | null; readonly ageMs: number; readonly stale: boolean } | null;
  readonly corruptFiles: readonly string[];
  readonly lastSave: { readonly at: number; readonly ms: number; readonly bytes: number } | null;
  readonly problems: readonly string[];
  /** Console lines too long for the metric parser (skipped, output.log keeps them), over all runs. */
  readonly skippedLongLines: { readonly runs: number; readonly lines: number };
}

export interface StoreChange {
  /** Ids of runs that changed. */
  readonly runs: string[];
  /** The whole database was reloaded (another process saved it): anything may have changed. */
  readonly reloaded?: boolean;
}

interface FileId { readonly ino: number; readonly size: number; readonly mtimeMs: number }

/** Zeroed space kept after the database in memory, so it can grow without sql.js copying it. */
function headroomFor(bytes: number): number {
  return Math.max(16 << 20, bytes >> 2);
}

/** A journal of a writer that is gone is deleted only after it is folded and the fold is saved. */
const writerSilentMs = 10 * 60_000;
/** A live writer's journal is rotated (a new file) past this size once fully folded. */
const defaultRotateJournalBytes = 256 * 1024 * 1024;
/**
 * A fold transaction ends after ~1000 points or this long, then the event loop gets a turn: short
 * enough that timers and UI stay responsive (p99 loop delay well under 50 ms at 100k points/s).
 */
const txnBudgetMs = 10;
/**
 * A fold commits after about this many points or this long (the batching measured in the issue).
 * Bigger commits cost ~5% less CPU per point overall but made the event loop's p99 delay at
 * 100k points/s into a 100 MB database about 3x worse (measured 40 ms vs 110-140 ms).
 */
const commitEveryPoints = 1000;
/** How long only other writers' folded lines may stay unsaved before this writer saves them. */
const foreignSaveDelayMs = 10_000;
const commitEveryMs = 100;
/** Fold own appends into memory this soon after they are written. */
const foldDelayMs = 100;

const allWriters = new Set<JournalWriter>();
/** Journal files open for appending in this process. */
const openJournals = new Set<string>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // Whatever is still buffered reaches the journal even on process.exit().
  process.on('exit', () => { for (const w of allWriters) w.flushSync(); });
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The workspace store: `.exptrack/exptrack.db` (SQLite through sql.js) fed from per-writer journals.
 * See docs/storage.md for the journal format, the lock protocol and the fold/save cycle.
 */
export class Store {
  readonly dir: string;
  readonly dbFile: string;
  readonly journalDir: string;
  readonly writerId: string;
  /** Where recorders send what they observe: appended to this writer's journal. */
  readonly sink: RecordSink;

  private db!: Database;
  private applier!: RecordApplier;
  private readonly queryStmts = new Map<string, Statement>();
  /** Metric summaries by run id, dropped for runs a fold or an edit touches: repeated listings stay cheap. */
  private readonly summaryCache = new Map<string, Record<string, MetricSummary>>();
  /** Overviews of whole series, fed by the fold and saved with the file: charts never read a long series whole. */
  private readonly overviews = new OverviewCache();
  /** The fold's transaction, possibly open across event-loop turns (see pause()). */
  private txnOpen = false;
  /** Length of sql.js's in-memory file when the database was last opened (with headroom). */
  private memFileSize = 0;
  /**
   * Headroom multiplier: doubled (up to 4x) each time the database outgrows its headroom again
   * within a minute (a long fold, a burst of big runs), so sustained growth re-opens it a few times
   * rather than every 25%; back to 1x after a quiet minute.
   */
  private headroomBoost = 1;
  private readonly longLived: boolean;
  private lastRegrowAt = 0;
  private commitsSinceSizeCheck = 0;
  private txnWork = 0;
  private txnStarted = 0;
  private lastYield = 0;
  private fileId: FileId | undefined;
  /** Memory holds something the file does not. */
  private dirty = false;
  /** ...and some of it came from this writer's own journal (or edits). */
  private ownUnsaved = false;
  private dirtySince = 0;
  private blocked: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private foldTimer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private lastSave: { at: number; ms: number; bytes: number } | null = null;
  private saveFailing = false;
  private readonly listeners = new Set<(e: StoreChange) => void>();
  private readonly headers = new Map<string, { pid: number; host: string; format: number } | null>();
  private readonly badLinesReported = new Set<string>();
  private readonly problems: string[] = [];
  private journal: JournalWriter | undefined;
  private journalGen = 0;
  private writerSuffix = '';
  private readonly lock: StoreLock | undefined;
  private closing: Promise<void> | undefined;
  private readonly logger: StoreLogger;
  private readonly readOnly: boolean;
  private readonly rotateJournalBytes: number;

  private constructor(dir: string, private readonly SQL: SqlJsStatic, options: StoreOptions) {
    this.dir = path.resolve(dir);
    this.dbFile = path.join(this.dir, 'exptrack.db');
    this.journalDir = path.join(this.dir, 'journal');
    this.logger = options.logger ?? consoleLogger;
    this.readOnly = options.readOnly ?? false;
    this.longLived = options.longLived ?? false;
    this.rotateJournalBytes = options.rotateJournalBytes ?? defaultRotateJournalBytes;
    this.writerId = sanitize(options.writerId ?? `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    this.lock = this.readOnly ? undefined : new StoreLock(lockPath(this.dir), this.writerId);
    this.sink = createJournalSink(
      (line, inMemory) => {
        if (this.journal) this.journal.append(line, inMemory);
        else this.problem('sink-closed', this.readOnly ? 'this store is read-only: recording ignored' : this.closing ? 'the store is closed: recording ignored' : 'no journal could be created: recording ignored');
      },
      (m) => this.problem(`sink:${m}`, m),
    );
  }

  /**
   * Opens (creating if needed) the store in `exptrackDir`, folds pending journals and returns it.
   * Throws {@link NewerSchemaError} for a database written by a newer exptrack (left untouched).
   */
  static async open(exptrackDir: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(exptrackDir, await loadSqlJs(), options);
    await store.init(options.watchMs ?? 0);
    return store;
  }

  private async init(watchMs: number): Promise<void> {
    if (!this.readOnly) {
      try { fs.mkdirSync(this.journalDir, { recursive: true }); } catch { /* reported when the journal cannot be created */ }
    }
    const locked = this.tryLock();
    try {
      await this.load(locked);
      if (locked && (!this.fileId || this.dirty)) this.save();
    } finally {
      if (locked) this.lock!.release();
    }
    if (!this.readOnly) {
      try {
        this.openJournal();
      } catch (e) {
        // Reads still work; recording is reported as impossible rather than failing the whole store.
        this.problem('journal-open', `cannot create a journal in ${this.journalDir}: ${(e as Error).message}; nothing can be recorded`);
      }
    }
    await this.cycle('auto');
    if (watchMs > 0) {
      this.watchTimer = setInterval(() => { void this.refresh(); }, watchMs);
      this.watchTimer.unref();
    }
  }

  private openJournal(): void {
    let id = this.journalId();
    let file = path.join(this.journalDir, `${id}.jsonl`);
    // A journal is only ever appended to by the writer that created it: an existing file with this
    // name (a writer id given twice, a dead writer's leftover) gets a fresh name instead.
    for (let n = 2; fs.existsSync(file) || openJournals.has(file); n++) {
      this.writerSuffix = `-${n}`;
      id = this.journalId();
      file = path.join(this.journalDir, `${id}.jsonl`);
    }
    openJournals.add(file);
    this.journal = new JournalWriter(file, this.logger, () => this.scheduleFold());
    allWriters.add(this.journal);
    hookExit();
    this.journal.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now(), v: JOURNAL_FORMAT, ...(this.longLived ? { folds: true } : {}) } satisfies JournalRecord));
    this.journal.flushSync();
  }

  private journalId(): string {
    const w = this.writerId + this.writerSuffix;
    return this.journalGen === 0 ? w : `${w}~${String(this.journalGen).padStart(4, '0')}`;
  }

  // ---------------------------------------------------------------- loading and saving

  private tryLock(): boolean {
    if (!this.lock || this.blocked) return false;
    try {
      return this.lock.tryAcquire();
    } catch (e) {
      this.problem('lock', `cannot take the store lock ${this.lock.file}: ${(e as Error).message}`);
      return false;
    }
  }

  private statFile(): FileId | undefined {
    try {
      const s = fs.statSync(this.dbFile);
      return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  private fileChanged(): boolean {
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
  private async load(mayMoveAside: boolean): Promise<void> {
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
    if (bytes && bytes.length > 0) {
      try {
        db = this.openImage(bytes, room);
        db.exec('SELECT count(*) FROM sqlite_master');
      } catch (e) {
        try { db?.close(); } catch { /* unusable anyway */ }
        db = undefined;
        this.corrupt(id!, e as Error, mayMoveAside);
        id = mayMoveAside ? undefined : id;
      }
    }
    if (db) {
      const found = readUserVersion(db);
      if (found > schemaVersion) {
        db.close();
        throw new NewerSchemaError(found, this.dbFile);
      }
    }
    const fresh = !db;
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
    this.dirty = false;
    this.ownUnsaved = false;
    if (migrated || !id) this.markDirty(true);
  }

  private corrupt(id: FileId, error: Error, mayMoveAside: boolean): void {
    if (!mayMoveAside) {
      this.problem('corrupt-readonly', `${this.dbFile} is unreadable (${error.message}); showing only what the journals hold`);
      return;
    }
    const aside = `${this.dbFile}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const now = this.statFile();
    if (now && now.ino === id.ino && now.size === id.size) {
      try { fs.renameSync(this.dbFile, aside); } catch (e) {
        this.problem('corrupt-move', `${this.dbFile} is corrupt and could not be moved aside: ${(e as Error).message}`);
        this.blocked = 'corrupt database could not be moved aside';
        return;
      }
    }
    this.logger.error(`${path.basename(this.dbFile)} was corrupt (${error.message}); it was moved to ${path.basename(aside)} and recording goes on in a new database`);
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
    if (!keepCaches) { this.summaryCache.clear(); this.overviews.clear(); }
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
    this.applier = new RecordApplier(this.db, (m) => this.logger.info(m), this.overviews);
  }

  private freeStatements(): void {
    this.applier?.free();
    for (const s of this.queryStmts.values()) { try { s.free(); } catch { /* gone with an export */ } }
    this.queryStmts.clear();
  }

  private markDirty(own: boolean): void {
    if (!this.dirty) this.dirtySince = Date.now();
    this.dirty = true;
    if (own) this.ownUnsaved = true;
  }

  /** Minimum spacing between saves: an export blocks the thread ~2 ms/MB, keep it under ~4% of the time. */
  private saveSpacingMs(): number {
    return Math.max(200, 25 * (this.lastSave?.ms ?? 0));
  }

  /** Exports and writes the file atomically; must hold the lock, never inside a transaction. */
  private save(): boolean {
    if (this.blocked) return false;
    if (this.lock && !this.lock.stillHeld()) { this.problem('lock-lost', 'the store lock was taken over; this save was skipped'); return false; }
    if (this.fileId && this.fileChanged()) return false; // someone else saved: the next cycle reloads and refolds
    // Overviews are saved with the points they describe (in the fold's transaction when one is open).
    this.inTransaction(() => this.overviews.saveAll(this.db));
    this.commitFold(); // sql.js cannot export inside a transaction
    const t0 = performance.now();
    const data = this.db.export();
    // export() invalidates prepared statements (and may reset pragmas) in sql.js: re-prepare lazily.
    this.freeStatements();
    this.configureDb();
    try {
      const s = writeFileAtomic(this.dbFile, data, this.writerId);
      this.fileId = { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!this.saveFailing) {
        this.logger.error(code === 'ENOSPC'
          ? `disk full: could not save ${this.dbFile}; the last good file is kept and the journals hold everything; will retry`
          : `could not save ${this.dbFile}: ${(e as Error).message}; the last good file is kept; will retry`);
      }
      this.saveFailing = true;
      this.scheduleSave(5000);
      return false;
    }
    if (this.saveFailing) this.logger.info(`${this.dbFile} saved again`);
    this.saveFailing = false;
    this.dirty = false;
    this.ownUnsaved = false;
    this.lastSave = { at: Date.now(), ms: performance.now() - t0, bytes: data.length };
    if (data.length > this.memFileSize * 0.85) {
      // Close to outgrowing its headroom: continue from the image just saved, with new headroom.
      this.regrow(data);
    }
    return true;
  }

  /**
   * Between commits of a long fold (a backlog, a big run ending, a reload), the database can outgrow
   * its headroom long before the next save; sql.js would then grow it 12.5% at a time, copying the
   * whole file each time (~200 ms of a 1M-point fold into a new store). Re-opening from an export
   * at 85% costs one copy per 25%+ of growth instead. Only between transactions.
   */
  private keepHeadroom(): void {
    if (this.readOnly || this.txnOpen || ++this.commitsSinceSizeCheck < 8) return;
    this.commitsSinceSizeCheck = 0;
    this.makeRoom(0);
  }

  /**
   * Re-opens with new headroom if the database plus `incoming` bytes would outgrow 85% of it. A fold
   * that knows its backlog asks for the room up front: one copy of today's file instead of several
   * copies of an ever bigger one as it grows.
   */
  private makeRoom(incoming: number): void {
    if (this.readOnly || this.txnOpen) return;
    const row = this.db.exec('PRAGMA page_count; PRAGMA page_size');
    const bytes = Number(row[0]?.values[0]?.[0] ?? 0) * Number(row[1]?.values[0]?.[0] ?? 0);
    if (bytes + incoming <= this.memFileSize * 0.85) return;
    const data = this.db.export();
    this.freeStatements();
    this.regrow(data, incoming);
  }

  // ---------------------------------------------------------------- the fold/save cycle

  /** Runs one cycle at a time: flush own journal, take the lock if free, reload if changed, fold, save. */
  private cycle(mode: 'auto' | 'now'): Promise<boolean> {
    const next = this.chain.then(() => this.runCycle(mode));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runCycle(mode: 'auto' | 'now'): Promise<boolean> {
    this.journal?.flushSync();
    const locked = this.tryLock();
    const changed = new Set<string>();
    let reloaded = false;
    try {
      // Without the lock, another process may fold, save and delete a journal while this one is
      // half-way through reading it: then the file changed meanwhile, and one more pass (reload,
      // fold what is left) shows the whole run instead of part of it until the next cycle.
      for (let pass = 0; pass < (locked ? 1 : 2) && (pass === 0 || this.fileChanged()); pass++) {
        if (this.fileChanged()) {
          try {
            await this.load(locked);
          } catch (e) {
            if (!(e instanceof NewerSchemaError)) throw e;
            this.blocked = e.message;
            this.problem('newer', e.message);
            return false;
          }
          reloaded = true;
        }
        for (const id of await this.foldAll()) changed.add(id);
      }
      if (locked) {
        if (this.dirty) {
          const spacedAt = this.lastSave ? this.lastSave.at + this.saveSpacingMs() : 0;
          // Only other writers' lines unsaved: their own writer saves them; step in only if it has
          // not for a while (it died, or never gets the lock). Avoids two processes saving the same
          // data in turn and making each other reload the file.
          const foreignAt = this.ownUnsaved ? 0 : this.dirtySince + foreignSaveDelayMs;
          const at = Math.max(spacedAt, foreignAt);
          if (mode === 'now' || Date.now() >= at) {
            if (this.save()) this.afterSave();
            else this.scheduleSave(1000);
          } else {
            this.scheduleSave(at - Date.now());
          }
        } else {
          this.afterSave();
        }
      } else if (this.dirty && !this.readOnly) {
        this.scheduleSave(this.saveSpacingMs());
      }
    } catch (e) {
      this.problem(`cycle:${(e as Error).message}`, `store update failed: ${(e as Error).message}`);
    } finally {
      if (this.txnOpen) this.rollback();
      if (locked) this.lock!.release();
    }
    if (changed.size || reloaded) this.emit({ runs: [...changed], reloaded: reloaded || undefined });
    return changed.size > 0 || reloaded;
  }

  private offsets(): Map<string, { offset: number; closed: boolean }> {
    const m = new Map<string, { offset: number; closed: boolean }>();
    for (const [w, o, c] of this.rows('SELECT writer, offset, closed FROM journal_offsets', [])) {
      m.set(String(w), { offset: Number(o), closed: Number(c) === 1 });
    }
    return m;
  }

  /** Journal bytes not folded yet: about what the fold will add to the database (~40 bytes a point). */
  private backlogBytes(offsets: Map<string, { offset: number; closed: boolean }>): number {
    let total = 0;
    for (const f of this.journalFiles()) {
      const o = offsets.get(f.slice(0, -'.jsonl'.length));
      if (!o?.closed) total += Math.max(0, fileSize(path.join(this.journalDir, f)) - (o?.offset ?? 0));
    }
    return total;
  }

  private journalFiles(): string[] {
    try {
      return fs.readdirSync(this.journalDir).filter((f) => f.endsWith('.jsonl')).sort();
    } catch {
      return [];
    }
  }

  private async foldAll(): Promise<Set<string>> {
    const offsets = this.offsets();
    const changed = new Set<string>();
    // A small backlog fits the headroom kept anyway (keepHeadroom): only a big one is sized up front.
    const backlog = this.backlogBytes(offsets);
    if (backlog >= 4 << 20) this.makeRoom(backlog);
    for (const f of this.journalFiles()) {
      const writer = f.slice(0, -'.jsonl'.length);
      const file = path.join(this.journalDir, f);
      const row = offsets.get(writer);
      if (row?.closed) continue;
      if (this.newerFormat(writer, file)) continue;
      let offset = row?.offset ?? 0;
      let size: number;
      try { size = fs.statSync(file).size; } catch { continue; }
      let tail = 0;
      if (this.journal && writer === this.journalId()) {
        for (const b of this.journal.takeUnfolded(offset) ?? []) {
          await this.applyItems(b.items, writer, b.end);
          offset = b.end;
        }
        size = Math.max(size, offset);
      }
      while (offset < size) {
        let chunk;
        try { chunk = readJournalChunk(file, offset); } catch { break; }
        tail = chunk.tail;
        if (chunk.end === offset) break;
        await this.applyItems(chunk.lines, writer, chunk.end);
        offset = chunk.end;
        if (chunk.atEof) break;
      }
      for (const id of this.applier.takeChanged()) changed.add(id);
      for (const id of changed) this.summaryCache.delete(id);
      const closedBy = this.applier.closedWriters.get(writer);
      // A writer found gone is closed only if its journal did not grow since it was measured: it may
      // have written its last lines (a run's end, its last points) between that and its exit, and
      // those must be folded before the journal is marked done.
      const closed = this.applier.closedWriters.has(writer) ||
        (offset + tail >= size && this.isWriterGone(writer, file) && offset + tail >= fileSize(file));
      if (closed) {
        this.inTransaction(() => {
          if (closedBy) this.db.run("UPDATE runs SET writer = ? WHERE writer = ? AND status = 'running'", [closedBy, writer]);
          else this.applier.interruptRunsOf(writer);
          this.db.run('INSERT OR REPLACE INTO journal_offsets (writer, offset, closed) VALUES (?, ?, 1)', [writer, offset + tail]);
        });
        if (tail > 0) this.logger.warn(`journal ${f}: skipped an incomplete last line (${tail} bytes) of a writer that is gone`);
        this.applier.closedWriters.delete(writer);
        for (const id of this.applier.takeChanged()) { changed.add(id); this.summaryCache.delete(id); }
        this.markDirty(writer === this.journalId());
      }
    }
    this.commitFold();
    return changed;
  }

  /** Runs `f` in a transaction, or inside the fold's open one (user edits during a fold's pause). */
  private inTransaction(f: () => void): void {
    if (this.txnOpen) { f(); return; }
    this.db.exec('BEGIN');
    try {
      f();
      this.db.exec('COMMIT');
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  /** Undoes the open transaction; the applier's id caches may name rows that no longer exist. */
  private rollback(): void {
    this.txnOpen = false;
    try { this.db.exec('ROLLBACK'); } catch { /* no transaction left */ }
    this.applier.free();
    this.applier = new RecordApplier(this.db, (m) => this.logger.info(m), this.overviews);
    this.summaryCache.clear();
    this.overviews.clear();
  }

  private commitFold(): void {
    if (!this.txnOpen) return;
    this.txnOpen = false;
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  /**
   * Between chunks of a fold: commit when the transaction is big or old enough, and give the event
   * loop a turn every {@link txnBudgetMs}. A transaction may stay open across such a turn (reads in
   * this process see its rows; nothing else can write meanwhile).
   */
  private async pause(): Promise<void> {
    if (this.txnOpen && (this.txnWork >= commitEveryPoints || performance.now() - this.txnStarted >= commitEveryMs)) {
      this.commitFold();
      this.keepHeadroom();
    }
    if (performance.now() - this.lastYield >= txnBudgetMs) {
      this.lock?.refresh();
      await yieldToLoop();
      this.lastYield = performance.now();
    }
  }

  /** Applies lines in chunks of ~1000 points or ~10 ms, see {@link pause}. */
  private async applyItems(lines: readonly (string | JournalRecord)[], writer: string, endOffset: number): Promise<void> {
    let i = 0;
    let bad = 0;
    while (i < lines.length) {
      if (!this.txnOpen) {
        this.db.exec('BEGIN');
        this.txnOpen = true;
        this.txnWork = 0;
        this.txnStarted = performance.now();
      }
      let work = 0;
      try {
        const t0 = performance.now();
        while (i < lines.length && work < 1000 && performance.now() - t0 < txnBudgetMs) {
          const line = lines[i++];
          if (!line) continue;
          let rec: JournalRecord;
          if (typeof line !== 'string') rec = line;
          else try { rec = JSON.parse(line) as JournalRecord; } catch { bad++; continue; }
          if (!rec || typeof rec !== 'object') { bad++; continue; }
          try {
            work += this.applier.apply(rec, writer);
          } catch (e) {
            this.problem(`apply:${(e as Error).message}`, `journal ${writer}: could not apply a ${String(rec.t)} record: ${(e as Error).message}`);
          }
        }
        this.applier.finishBatch();
        if (i >= lines.length) {
          this.db.run('INSERT INTO journal_offsets (writer, offset) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET offset = excluded.offset', [writer, endOffset]);
        }
      } catch (e) {
        this.rollback();
        throw e;
      }
      this.txnWork += work;
      this.markDirty(work > 0 && writer === this.journalId());
      await this.pause();
    }
    if (bad && !this.badLinesReported.has(writer)) {
      this.badLinesReported.add(writer);
      this.logger.warn(`journal ${writer}: skipped ${bad} unreadable line(s)`);
    }
  }

  /**
   * Whether `file` is a journal of a newer format than this code reads (its header says): it is left
   * as it is, for the exptrack that wrote it, rather than folded with points this code would drop.
   */
  private newerFormat(writer: string, file: string): boolean {
    if (this.journal && writer === this.journalId()) return false;
    const h = this.header(writer, file);
    if (!h || h.format <= JOURNAL_FORMAT) return false;
    this.problem(`format:${writer}`, `journal ${writer}.jsonl has format ${h.format}, newer than this exptrack reads (${JOURNAL_FORMAT}): left as it is; update exptrack to fold it`);
    return true;
  }

  private header(writer: string, file: string): { pid: number; host: string; format: number } | null {
    let h = this.headers.get(writer);
    if (h === undefined) {
      h = readWriterHeader(file);
      if (h) this.headers.set(writer, h);
    }
    return h ?? null;
  }

  /** A writer is gone when its process is dead on this host, or (another host) silent for long. */
  private isWriterGone(writer: string, file: string): boolean {
    if (this.journal && writer === this.journalId()) return false;
    const h = this.header(writer, file);
    const alive = h ? isProcessAlive(h.pid, h.host) : undefined;
    if (alive !== undefined) return !alive;
    try { return Date.now() - fs.statSync(file).mtimeMs > writerSilentMs; } catch { return true; }
  }

  /** After a save (lock held): delete journals of gone writers that the saved file fully covers. */
  private afterSave(): void {
    this.removeLeftoverTempFiles();
    if (this.dirty) return;
    const offsets = this.offsets();
    const present = new Set(this.journalFiles().map((f) => f.slice(0, -'.jsonl'.length)));
    for (const [writer, o] of offsets) {
      if (o.closed && present.has(writer)) {
        try { fs.unlinkSync(path.join(this.journalDir, `${writer}.jsonl`)); } catch { /* next time */ }
      } else if (!present.has(writer)) {
        // The file is gone: forget it. Saved with the next real change, no save just for this.
        this.db.run('DELETE FROM journal_offsets WHERE writer = ?', [writer]);
      }
    }
    const own = this.journal;
    const ownOffset = own ? offsets.get(this.journalId()) : undefined;
    if (own && ownOffset && own.pending === 0 && own.written >= this.rotateJournalBytes && ownOffset.offset >= own.written) {
      // Fully folded and big: continue in a new file; the old one is deleted once its close is folded.
      this.journalGen++;
      this.openJournal();
      own.append(JSON.stringify({ t: 'x', time: Date.now(), next: this.journalId() }));
      own.close();
      allWriters.delete(own);
      openJournals.delete(own.file);
    }
  }

  /**
   * Temp files that a crash interrupted: of a save (a live writer's save takes well under a minute)
   * and of taking or breaking the lock (lock.new-*, lock.stale-*: milliseconds).
   */
  private removeLeftoverTempFiles(): void {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return; }
    for (const f of names) {
      if (!f.startsWith('.exptrack.db.tmp-') && !f.startsWith('lock.new-') && !f.startsWith('lock.stale-')) continue;
      const file = path.join(this.dir, f);
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > 60_000) fs.unlinkSync(file);
      } catch { /* gone already */ }
    }
  }

  private scheduleFold(): void {
    if (this.foldTimer || this.closing) return;
    this.foldTimer = setTimeout(() => { this.foldTimer = undefined; void this.cycle('auto'); }, foldDelayMs);
    this.foldTimer.unref();
  }

  private scheduleSave(delayMs: number): void {
    if (this.saveTimer || this.closing || this.readOnly) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; void this.cycle('auto'); }, Math.max(0, delayMs));
    this.saveTimer.unref();
  }

  private emit(e: StoreChange): void {
    for (const l of [...this.listeners]) {
      try { l(e); } catch (err) { this.logger.error(`store change listener failed: ${(err as Error).message}`); }
    }
  }

  private problem(kind: string, message: string): void {
    if (this.problems.some((p) => p === message)) return;
    if (this.problems.length < 50) this.problems.push(message);
    this.logger.warn(message);
    void kind;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Folds pending journals (if the lock is free) or reloads a changed file; true if anything changed. */
  refresh(): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return this.cycle('auto');
  }

  /** Writes buffered journal lines to disk now (synchronously), without folding. */
  flushJournal(): void {
    this.journal?.flushSync();
  }

  /** Writes the journal, folds and saves now (if the lock is free). */
  async flush(): Promise<void> {
    if (this.closing) return this.closing;
    await this.cycle('now');
  }

  /** Flushes, folds, saves and releases everything; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of [this.foldTimer, this.saveTimer]) if (t) clearTimeout(t);
      if (this.watchTimer) clearInterval(this.watchTimer);
      if (this.journal) {
        this.journal.append(JSON.stringify({ t: 'x', time: Date.now() } satisfies JournalRecord));
        this.journal.flushSync();
      }
      await this.cycle('now');
      // Another writer may hold the lock for its own fold: wait a little for it, so that once nobody
      // records the database file holds everything (otherwise the next writer to open folds us).
      for (let i = 0; i < 30 && this.journal && !this.readOnly && this.ownJournalPending(); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await this.cycle('now');
      }
      await this.chain;
      if (this.journal) {
        this.journal.close();
        allWriters.delete(this.journal);
        openJournals.delete(this.journal.file);
        this.journal = undefined;
      }
      this.freeStatements();
      this.db.close();
      this.listeners.clear();
    })();
    return this.closing;
  }

  /** Whether our own journal file is still there (not yet folded, saved and deleted). */
  private ownJournalPending(): boolean {
    return !!this.journal && fs.existsSync(this.journal.file);
  }

  /** Subscribes to changes (after folds and reloads). */
  onDidChange(listener: (e: StoreChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  // ---------------------------------------------------------------- queries

  private stmt(sql: string): Statement {
    let s = this.queryStmts.get(sql);
    if (!s) { s = this.db.prepare(sql); this.queryStmts.set(sql, s); }
    return s;
  }

  private rows(sql: string, params: SqlValue[]): SqlValue[][] {
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

  private assertOpen(): void {
    if (this.closing) throw new Error('the store is closed');
  }

  /**
   * Runs, newest first. `filter` is the filter language of docs/storage.md (throws FilterError with
   * the column of a mistake); `experiment` matches the experiment name exactly.
   */
  listRuns(query: { experiment?: string; filter?: string; limit?: number } = {}): RunSummary[] {
    this.assertOpen();
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
    const rows = f ? this.oneShot(sql, params) : this.rows(sql, params);
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

  private oneShot(sql: string, params: SqlValue[]): SqlValue[][] {
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

  /** Summaries for these runs, from the cache or in one pass (a full scan when many are missing). */
  private summaries(ids: string[]): Map<string, Record<string, MetricSummary>> {
    const out = new Map<string, Record<string, MetricSummary>>();
    const missing: string[] = [];
    for (const id of ids) {
      const m = this.summaryCache.get(id);
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
      add(this.rows(`SELECT ${cols} FROM metric_summary k JOIN runs r ON r.rid = k.run`, [])[0]?.[0]);
    } else {
      for (let i = 0; i < missing.length; i += 500) {
        const part = missing.slice(i, i + 500);
        add(this.oneShot(`SELECT ${cols} FROM runs r JOIN metric_summary k ON k.run = r.rid WHERE r.id IN (${part.map(() => '?').join(',')})`, part)[0]?.[0]);
      }
    }
    for (const id of missing) {
      const m = fetched.get(id) ?? {};
      this.summaryCache.set(id, m);
      out.set(id, m);
    }
    return out;
  }

  /** Everything about one run; `series` names metric keys whose full series to include. */
  getRun(id: string, options: { series?: string[] } = {}): RunDetail | undefined {
    this.assertOpen();
    const row = this.rows(`SELECT r.rid, r.id, r.name, e.name, r.status, r.exit_code, r.command, r.cwd, r.started_at, r.ended_at
      FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`, [id])[0];
    if (!row) return undefined;
    const rid = Number(row[0]);
    const metrics = this.summaries([id]).get(id) ?? {};
    const params: Record<string, ParamValue> = {};
    for (const [k, v, type] of this.rows('SELECT key, value, type FROM params WHERE run = ? ORDER BY key', [rid])) {
      params[String(k)] = paramOf(v, String(type));
    }
    const tags: Record<string, string> = {};
    for (const [k, v] of this.rows('SELECT key, value FROM tags WHERE run = ? ORDER BY key', [rid])) tags[String(k)] = String(v);
    const note = this.rows('SELECT body FROM notes WHERE run = ?', [rid])[0]?.[0];
    const g = this.rows('SELECT commit_id, branch, remote, dirty, snapshot FROM git WHERE run = ?', [rid])[0];
    const git: GitInfo | null = g ? { commit: g[0] as string | null, branch: g[1] as string | null, remote: g[2] as string | null, dirty: Number(g[3]) === 1, snapshot: g[4] as string | null } : null;
    const envJson = this.rows('SELECT json FROM environment WHERE run = ?', [rid])[0]?.[0];
    let environment: Record<string, unknown> = {};
    try { environment = envJson ? JSON.parse(String(envJson)) : {}; } catch { /* stored by us; unreadable means empty */ }
    const artifacts: (ArtifactRecord & { createdAt?: number })[] = this.rows(
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
    for (const [p, c] of this.rows('SELECT f.path, f.content FROM code_files f JOIN runs r ON r.rid = f.run WHERE r.id = ?', [id])) out[String(p)] = String(c);
    return out;
  }

  /** Git state of every run that has one (for grouping by commit without a query per run). */
  gitByRun(): Map<string, GitInfo> {
    this.assertOpen();
    const out = new Map<string, GitInfo>();
    for (const g of this.rows('SELECT r.id, g.commit_id, g.branch, g.remote, g.dirty, g.snapshot FROM git g JOIN runs r ON r.rid = g.run', [])) {
      out.set(String(g[0]), { commit: g[1] as string | null, branch: g[2] as string | null, remote: g[3] as string | null, dirty: Number(g[4]) === 1, snapshot: g[5] as string | null });
    }
    return out;
  }

  /** Tags of every run that has some (for the Runs view's rows without a query per run). */
  tagsByRun(): Map<string, Record<string, string>> {
    this.assertOpen();
    const out = new Map<string, Record<string, string>>();
    for (const [id, k, v] of this.rows('SELECT r.id, t.key, t.value FROM tags t JOIN runs r ON r.rid = t.run ORDER BY t.key', [])) {
      let tags = out.get(String(id));
      if (!tags) out.set(String(id), (tags = {}));
      tags[String(k)] = String(v);
    }
    return out;
  }

  /** Experiment names with run counts, by name. */
  listExperiments(): { name: string; runs: number; lastStartedAt: number | null }[] {
    return this.rows(`SELECT e.name, count(r.rid), max(r.started_at) FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
      GROUP BY e.id ORDER BY e.name`, []).map((r) => ({ name: String(r[0]), runs: Number(r[1]), lastStartedAt: r[2] === null ? null : Number(r[2]) }));
  }

  /** Artifact versions (path + sha256) with the runs that produced and used them. */
  listArtifacts(): { path: string; kind: string; sha256: string | null; size: number | null; mtime: number | null; createdAt: number; producedBy: string[]; usedBy: string[] }[] {
    const byId = new Map<number, { path: string; kind: string; sha256: string | null; size: number | null; mtime: number | null; createdAt: number; producedBy: string[]; usedBy: string[] }>();
    for (const a of this.rows('SELECT id, path, kind, sha256, size, mtime, created_at FROM artifacts ORDER BY path, created_at DESC', [])) {
      byId.set(Number(a[0]), { path: String(a[1]), kind: String(a[2]), sha256: a[3] ? String(a[3]) : null, size: a[4] === null ? null : Number(a[4]), mtime: a[5] === null ? null : Number(a[5]), createdAt: Number(a[6]), producedBy: [], usedBy: [] });
    }
    for (const [art, id, role] of this.rows('SELECT ev.artifact, r.id, ev.role FROM events ev JOIN runs r ON r.rid = ev.run ORDER BY ev.time', [])) {
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
    this.assertOpen();
    const r = String(ref ?? '').trim();
    if (!r) throw new Error('no run given: use an id, an id prefix, a run name, @last or @last~N');
    const last = /^@last(?:~(\d+))?$/.exec(r);
    if (last) {
      const n = Number(last[1] ?? 0);
      const row = this.rows('SELECT id FROM runs ORDER BY started_at DESC, rid DESC LIMIT 1 OFFSET ?', [n])[0];
      if (!row) {
        const count = Number(this.rows('SELECT count(*) FROM runs', [])[0][0]);
        throw new Error(count === 0 ? 'no runs recorded yet' : `no run ${r}: there ${count === 1 ? 'is 1 run' : `are ${count} runs`}`);
      }
      return String(row[0]);
    }
    if (this.rows('SELECT 1 FROM runs WHERE id = ?', [r]).length) return r;
    const byPrefix = this.rows('SELECT id, name, started_at FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC LIMIT 6', [r.length, r]);
    const byName = this.rows('SELECT id, name, started_at FROM runs WHERE name = ? ORDER BY started_at DESC LIMIT 6', [r]);
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
    this.assertOpen();
    const rid = this.rows('SELECT rid FROM runs WHERE id = ?', [runId])[0]?.[0];
    if (rid === undefined) return { steps: new Float64Array(0), values: new Float64Array(0), times: new Float64Array(0) };
    const keyId = this.rows('SELECT id FROM metric_keys WHERE name = ?', [key])[0]?.[0] ?? -1;
    if (options.maxPoints && options.maxPoints <= overviewPoints && options.fromStep === undefined && options.toStep === undefined) {
      return this.overview(Number(rid), Number(keyId), key, options.maxPoints);
    }
    const s = this.stmt('SELECT step, value, time FROM metrics WHERE run = ? AND key = ? AND step >= ? AND step <= ? ORDER BY step');
    let steps: Float64Array = new Float64Array(1024);
    let values: Float64Array = new Float64Array(1024);
    let times: Float64Array = new Float64Array(1024);
    let n = 0;
    try {
      s.bind([rid, keyId, options.fromStep ?? -Number.MAX_VALUE, options.toStep ?? Number.MAX_VALUE]);
      while (s.step()) {
        if (n === steps.length) {
          const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(a.length * 2); b.set(a); return b; };
          steps = grow(steps); values = grow(values); times = grow(times);
        }
        const row = s.get();
        steps[n] = Number(row[0]);
        values[n] = row[1] === null ? NaN : Number(row[1]);
        times[n] = Number(row[2]);
        n++;
      }
    } finally {
      s.reset();
    }
    const full = { steps: steps.slice(0, n), values: values.slice(0, n), times: times.slice(0, n) };
    return options.maxPoints ? downsampleMinMax(full, options.maxPoints) : full;
  }
  /**
   * The whole series downsampled to `maxPoints` (<= {@link overviewPoints}) from its overview: live
   * (fed by the fold), saved in the file, or extended with the points after the last step it holds.
   * Built from a full read when none matches the series' point count, and kept for next time.
   */
  private overview(rid: number, keyId: number, key: string, maxPoints: number): Series {
    // metric_summary is keyed by the key's name; metrics by its id.
    const total = Number(this.rows('SELECT count FROM metric_summary WHERE run = ? AND key = ?', [rid, key])[0]?.[0] ?? 0);
    let ov = this.overviews.get(this.db, rid, keyId);
    if (ov && ov.count < total) this.readInto(ov, rid, keyId, ov.lastStep);
    if (ov && ov.count !== total) { this.overviews.drop(this.db, rid, keyId); ov = undefined; }
    if (!ov) {
      ov = new SeriesOverview(overviewPoints);
      this.readInto(ov, rid, keyId, -Infinity);
      // Counts disagree when steps were rewritten: such a series is read whole each time, not kept.
      if (ov.count === total) this.overviews.put(this.db, rid, keyId, ov);
    }
    return ov.toSeries(maxPoints);
  }

  private readInto(ov: SeriesOverview, rid: SqlValue, keyId: SqlValue, afterStep: number): void {
    const s = this.stmt('SELECT step, value, time FROM metrics WHERE run = ? AND key = ? AND step > ? ORDER BY step');
    try {
      s.bind([rid, keyId, Number.isFinite(afterStep) ? afterStep : -Number.MAX_VALUE]);
      while (s.step()) {
        const row = s.get();
        ov.add(Number(row[0]), row[1] === null ? NaN : Number(row[1]), Number(row[2]));
      }
    } finally {
      s.reset();
    }
  }


  // ---------------------------------------------------------------- edits (journaled like everything else)

  private edit(id: string, rec: JournalRecord): void {
    this.assertOpen();
    if (!this.journal) throw new Error('this store is read-only');
    if (!this.rows('SELECT 1 FROM runs WHERE id = ?', [id]).length) throw new Error(`no run ${id}`);
    const line = JSON.stringify(rec);
    this.journal.append(line);
    this.journal.flushSync();
    // Applied to memory at once so reads see it; the fold applies it again, harmlessly (idempotent).
    this.inTransaction(() => {
      this.applier.apply(rec, this.journalId());
      this.applier.finishBatch();
    });
    this.applier.takeChanged();
    this.summaryCache.delete(id);
    this.markDirty(true);
    this.emit({ runs: [id] });
    this.scheduleFold();
  }

  renameRun(id: string, name: string): void { this.edit(id, { t: 'name', r: id, name: String(name) }); }

  /** Sets tags; a null value removes the tag. */
  setTags(id: string, tags: Record<string, string | null>): void { this.edit(id, { t: 'tags', r: id, tags: { ...tags } }); }

  /** Sets the run's markdown note; an empty note removes it. */
  setNote(id: string, note: string): void { this.edit(id, { t: 'note', r: id, note: String(note ?? ''), time: Date.now() }); }

  /** Deletes a run and everything attached to it (artifact files are left alone). */
  deleteRun(id: string): void { this.edit(id, { t: 'del', r: id }); }

  // ---------------------------------------------------------------- doctor

  /** Integrity, journal state, sizes and schema version. */
  doctor(): DoctorReport {
    this.assertOpen();
    const integrity = (this.db.exec('PRAGMA integrity_check')[0]?.values ?? []).map((r) => String(r[0]));
    const count = (sql: string): number => Number(this.db.exec(sql)[0]?.values[0]?.[0] ?? 0);
    const offsets = this.offsets();
    const journals = this.journalFiles().map((f) => {
      const writer = f.slice(0, -'.jsonl'.length);
      const file = path.join(this.journalDir, f);
      let bytes = 0;
      try { bytes = fs.statSync(file).size; } catch { /* vanished */ }
      const o = offsets.get(writer);
      let header: { pid?: number; host?: string } = {};
      try { header = JSON.parse(readJournalHeader(file) ?? '{}'); } catch { /* no header yet */ }
      const closed = o?.closed ?? false;
      return {
        writer, file, bytes, pendingBytes: Math.max(0, bytes - (o?.offset ?? 0)) * (closed ? 0 : 1),
        pid: typeof header.pid === 'number' ? header.pid : null, host: typeof header.host === 'string' ? header.host : null,
        alive: !closed && !this.isWriterGone(writer, file), closed,
      };
    });
    const ls = this.lock ? lockState(this.lock.file) : lockState(lockPath(this.dir));
    let corruptFiles: string[] = [];
    try { corruptFiles = fs.readdirSync(this.dir).filter((f) => f.startsWith('exptrack.db.corrupt-')); } catch { /* no folder */ }
    const walProblems: string[] = [];
    try {
      if (fs.statSync(`${this.dbFile}-wal`).size > 0) walProblems.push(`${this.dbFile}-wal exists: a sqlite3 tool wrote to the database in WAL mode; exptrack does not read that file (checkpoint it with sqlite3, then remove it)`);
    } catch { /* none: the normal case */ }
    const st = this.statFile();
    return {
      dir: this.dir, dbFile: this.dbFile, dbBytes: st?.size ?? null, schemaVersion: readUserVersion(this.db), codeSchemaVersion: schemaVersion,
      integrity, experiments: count('SELECT count(*) FROM experiments'), runs: count('SELECT count(*) FROM runs'),
      runningRuns: count("SELECT count(*) FROM runs WHERE status = 'running'"), metricPoints: count('SELECT count(*) FROM metrics'),
      journals,
      lock: ls ? { writer: ls.info?.writer ?? null, pid: ls.info?.pid ?? null, host: ls.info?.host ?? null, ageMs: ls.ageMs, stale: ls.stale } : null,
      corruptFiles, lastSave: this.lastSave, problems: [...this.problems, ...walProblems, ...(this.blocked ? [this.blocked] : [])],
      skippedLongLines: {
        runs: count("SELECT count(*) FROM tags WHERE key = 'exptrack.skippedLongLines'"),
        lines: count("SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM tags WHERE key = 'exptrack.skippedLongLines'"),
      },
    };
  }
}

function nullNaN(v: SqlValue): number { return v === null ? NaN : Number(v); }

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

function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'writer';
}
