import fs from 'node:fs';
import path from 'node:path';
import type { GitInfo, RecordSink, RunDetail, RunSummary } from '../model';
import { loadSqlJs } from '../sqlite';
import type { Series } from './downsample';
import { ensureExptrackDir } from './exptrackDir';
import { backgroundFolds, failedFoldMessage } from './backgroundFolds';
import { readFailureNotes, writeFailureNote } from './failureNotes';
import { createJournalSink } from './journalSink';
import { thisHost } from './processInfo';
import { PointsMigration } from './pointsMigration';
import { NewerSchemaError } from './schema';
import { doctorReport, type DoctorReport } from './storeDoctor';
import { StoreEdits } from './storeEdits';
import { type FoldLimits, StoreFold } from './storeFold';
import { StoreImage } from './storeImage';
import { StoreJournals } from './storeJournals';
import { lockPath, StoreLock } from './storeLock';
import { consoleLogger, type StoreLogger } from './storeLogger';
import { StoreQueries } from './storeQueries';
import { isCorruptionError } from './storeSalvage';

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
  /** Memory bounds of a fold (tests set small ones; see {@link FoldLimits}). */
  readonly limits?: Partial<FoldLimits & { pointsFileRows: number }>;
  /**
   * Moves the points of a schema-v2 store out of the catalog in the background while open (default
   * true for a writer). `exptrack run`'s own short fold says false: a detached `exptrack _fold` does it.
   */
  readonly migrate?: boolean;
  /**
   * Says once (logger.error) that a detached `exptrack _fold` ended without finishing, after a save
   * that folded what it left, and deletes its log (default true). A `_fold` itself says false.
   */
  readonly reportFailedFolds?: boolean;
}

export interface StoreChange {
  /** Ids of runs that changed. */
  readonly runs: string[];
  /** The whole database was reloaded (another process saved it): anything may have changed. */
  readonly reloaded?: boolean;
}

/** A live writer's journal is rotated (a new file) past this size once fully folded. */
const defaultRotateJournalBytes = 256 * 1024 * 1024;
/** How long only other writers' folded lines may stay unsaved before this writer saves them. */
const foreignSaveDelayMs = 10_000;
/** Fold own appends into memory this soon after they are written. */
const foldDelayMs = 100;
/** Retry listing the migrated files this soon when another writer holds the lock. */
const migrateRetryMs = 1000;

/**
 * The workspace store: `.exptrack/exptrack.db` (SQLite through sql.js) fed from per-writer journals.
 * This class is the facade and runs the fold/save cycle; the work is done by the image
 * (storeImage.ts: memory and persistence), the fold (storeFold.ts), the queries (storeQueries.ts),
 * the edits (storeEdits.ts), the journal files (storeJournals.ts) and the doctor (storeDoctor.ts).
 * See docs/storage.md for the journal format, the lock protocol and the fold/save cycle.
 */
export class Store {
  readonly dir: string;
  readonly dbFile: string;
  readonly journalDir: string;
  readonly writerId: string;
  /** Where recorders send what they observe: appended to this writer's journal. */
  readonly sink: RecordSink;

  private readonly image: StoreImage;
  private readonly journals: StoreJournals;
  private readonly folder: StoreFold;
  private readonly queries: StoreQueries;
  private readonly edits: StoreEdits;
  private chain: Promise<unknown> = Promise.resolve();
  private foldTimer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private migrateTimer: NodeJS.Timeout | undefined;
  private readonly migration: PointsMigration | undefined;
  private readonly reportsFailedFolds: boolean;
  private readonly listeners = new Set<(e: StoreChange) => void>();
  private readonly problems: string[] = [];
  /** Failures that have not recovered yet, by kind (fold, migrate): in doctor() while they last. */
  private readonly failures = new Map<string, { since: number; message: string }>();
  /** What this writer's failure note (failureNotes.ts) says now, to write it only when it changes. */
  private noted = '';
  private readonly lock: StoreLock | undefined;
  private closing: Promise<void> | undefined;
  private readonly logger: StoreLogger;
  private readonly readOnly: boolean;

  private constructor(dir: string, SQL: Awaited<ReturnType<typeof loadSqlJs>>, options: StoreOptions) {
    this.dir = path.resolve(dir);
    this.dbFile = path.join(this.dir, 'exptrack.db');
    this.journalDir = path.join(this.dir, 'journal');
    this.logger = options.logger ?? consoleLogger;
    this.readOnly = options.readOnly ?? false;
    this.writerId = sanitize(options.writerId ?? `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    this.lock = this.readOnly ? undefined : new StoreLock(lockPath(this.dir), this.writerId);
    const problem = (kind: string, message: string): void => this.problem(kind, message);
    this.image = new StoreImage(this.dbFile, SQL, this.readOnly, this.logger, { problem, retrySave: (ms) => this.scheduleSave(ms) }, this.writerId, options.limits?.pointsFileRows);
    this.journals = new StoreJournals(this.dir, this.journalDir, this.writerId, options.longLived ?? false,
      options.rotateJournalBytes ?? defaultRotateJournalBytes, this.logger);
    this.folder = new StoreFold(this.image, this.journals, this.lock, this.logger, problem, options.limits);
    this.queries = new StoreQueries(this.image);
    this.reportsFailedFolds = options.reportFailedFolds ?? true;
    this.migration = this.readOnly || options.migrate === false ? undefined : new PointsMigration(this.image, this.logger);
    this.edits = new StoreEdits(this.image, this.journals, (id) => { this.emit({ runs: [id] }); this.scheduleFold(); });
    this.sink = createJournalSink(
      (line, inMemory) => {
        if (this.journals.own) this.journals.own.append(line, inMemory);
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
      try {
        ensureExptrackDir(this.dir);
        fs.mkdirSync(this.journalDir, { recursive: true });
      } catch { /* reported when the journal cannot be created */ }
    }
    const locked = this.tryLock();
    try {
      await this.image.load(locked);
      if (locked && (!this.image.fileId || this.image.dirty)) await this.image.save(this.lock, this.writerId);
    } finally {
      if (locked) this.lock!.release();
    }
    if (!this.readOnly) {
      try {
        this.journals.open(() => this.scheduleFold());
      } catch (e) {
        // Reads still work; recording is reported as impossible rather than failing the whole store.
        this.problem('journal-open', `cannot create a journal in ${this.journalDir}: ${(e as Error).message}; nothing can be recorded`);
      }
    }
    await this.cycle('auto');
    this.scheduleMigration(0);
    if (watchMs > 0) {
      this.watchTimer = setInterval(() => { void this.refresh(); }, watchMs);
      this.watchTimer.unref();
    }
  }

  // ---------------------------------------------------------------- the fold/save cycle

  private tryLock(): boolean {
    if (!this.lock || this.image.blocked) return false;
    try {
      return this.lock.tryAcquire();
    } catch (e) {
      this.problem('lock', `cannot take the store lock ${this.lock.file}: ${(e as Error).message}`);
      return false;
    }
  }

  /**
   * Runs one cycle at a time: flush own journal, take the lock if free, reload if changed, fold,
   * (mode `migrate`) list the files the migration wrote, save.
   */
  private cycle(mode: 'auto' | 'now' | 'migrate'): Promise<boolean> {
    const next = this.chain.then(() => this.runCycle(mode));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runCycle(mode: 'auto' | 'now' | 'migrate'): Promise<boolean> {
    const image = this.image;
    this.journals.own?.flushSync();
    const locked = this.tryLock();
    const changed = new Set<string>();
    let reloaded = false;
    const migrating = mode === 'migrate';
    try {
      // Without the lock, another process may fold, save and delete a journal while this one is
      // half-way through reading it: then the file changed meanwhile, and one more pass (reload,
      // fold what is left) shows the whole run instead of part of it until the next cycle.
      for (let pass = 0; pass < (locked ? 1 : 2) && (pass === 0 || image.fileChanged()); pass++) {
        // A damaged file this store could not move aside before is moved aside once it holds the lock;
        // points spilled from memory (folded without the lock) are folded again, and saved, with it.
        if (image.fileChanged() || (locked && image.mustReloadToSave())) {
          try {
            await image.load(locked);
          } catch (e) {
            if (!(e instanceof NewerSchemaError)) throw e;
            image.blocked = e.message;
            this.problem('newer', e.message);
            return false;
          }
          reloaded = true;
        }
        // Holding the lock, a long fold saves on the way whenever its pending points reach the bound.
        const saveMidway = locked && !this.readOnly ? (): Promise<boolean> => image.save(this.lock, this.writerId) : undefined;
        for (const id of await this.folder.foldAll(saveMidway)) changed.add(id);
      }
      // The migrated files are listed by the catalog saved now, under this lock: it replaces the old file.
      if (migrating && locked && this.migration?.ready() && !image.blocked) {
        if (this.migration.finish()) mode = 'now';
      }
      if (locked) {
        if (image.dirty) {
          const spacedAt = image.lastSave ? image.lastSave.at + image.saveSpacingMs() : 0;
          // Only other writers' lines unsaved: their own writer saves them; step in only if it has
          // not for a while (it died, or never gets the lock). Avoids two processes saving the same
          // data in turn and making each other reload the file.
          const foreignAt = image.ownUnsaved ? 0 : image.dirtySince + foreignSaveDelayMs;
          const at = Math.max(spacedAt, foreignAt);
          if (mode === 'now' || Date.now() >= at) {
            if (await image.save(this.lock, this.writerId)) this.afterSave();
            else this.scheduleSave(1000);
          } else {
            this.scheduleSave(at - Date.now());
          }
        } else {
          this.afterSave();
        }
      } else if (image.dirty && !this.readOnly) {
        this.scheduleSave(image.saveSpacingMs());
      }
      this.recovered('fold');
    } catch (e) {
      if (isCorruptionError(e) && !image.suspect && !image.reloadedForCorruption) {
        // The image read as damaged mid-way: reload the file (checked whole on load, moved aside and
        // salvaged if it is the file) and fold again, never saving this image. Once until a good save:
        // damage the check cannot see (an index that disagrees with its table) must not reload forever.
        image.suspect = true;
        image.reloadedForCorruption = true;
        this.problem('corrupt-statement', `${this.dbFile}: ${(e as Error).message}; reloading and checking it`);
        this.scheduleFold();
      } else {
        // Offsets advance only with the data they cover: what could not be folded stays in the journals.
        this.failure('fold', `could not fold the journals into ${this.dbFile}: ${(e as Error).message}; the journals keep everything, retried every 5 s`);
        if (this.readOnly) this.scheduleRetry(); else this.scheduleSave(5000);
      }
    } finally {
      if (image.txnOpen) image.rollback();
      if (locked) this.lock!.release();
    }
    this.noteFailures();
    if (migrating && this.migration?.pending()) this.scheduleMigration(migrateRetryMs);
    if (changed.size || reloaded) this.emit({ runs: [...changed], reloaded: reloaded || undefined });
    return changed.size > 0 || reloaded;
  }

  /** After a save (lock held): retire journals the saved file fully covers, rotate our own. */
  private afterSave(): void {
    this.journals.removeLeftoverTempFiles();
    if (this.image.dirty) return;
    this.image.points.sweep(this.image.db);
    if (this.reportsFailedFolds) this.reportFailedFolds();
    // Notes of writers that are gone: what their journals held is folded and saved now.
    for (const n of readFailureNotes(this.dir)) if (!n.alive) { try { fs.unlinkSync(n.file); } catch { /* another writer did */ } }
    // A forgotten offset is saved with the next real change, no save just for this.
    this.journals.retire(this.folder.offsets(), (writer) => this.image.db.run('DELETE FROM journal_offsets WHERE writer = ?', [writer]), () => this.scheduleFold());
  }

  /**
   * A detached `exptrack _fold` that ended without finishing left its log: said once here (an error:
   * the editor's Output channel and a notification, `exptrack run`'s stderr) now that this save folded
   * the journals it left, then the log goes. See backgroundFolds.ts.
   */
  private reportFailedFolds(): void {
    for (const f of backgroundFolds(this.dir)) {
      if (f.running) continue;
      this.logger.error(`${failedFoldMessage(f)}. They are folded and saved now.`);
      try { fs.unlinkSync(f.file); } catch { /* another writer did */ }
    }
  }

  private scheduleFold(): void {
    if (this.foldTimer || this.closing) return;
    this.foldTimer = setTimeout(() => { this.foldTimer = undefined; void this.cycle('auto'); }, foldDelayMs);
    this.foldTimer.unref();
  }

  /**
   * While the store's file keeps points in its catalog: the migration's pass over it (no lock), then
   * a cycle that lists what it wrote and saves (retried while another writer holds the lock).
   */
  private scheduleMigration(delayMs: number): void {
    if (!this.migration || this.migrateTimer || this.closing || this.image.blocked || !this.migration.pending()) return;
    this.migrateTimer = setTimeout(() => {
      this.migrateTimer = undefined;
      void this.migrateOnce().catch(() => undefined);
    }, delayMs);
    this.migrateTimer.unref();
  }

  private async migrateOnce(): Promise<void> {
    const migration = this.migration!;
    try {
      await migration.run();
      this.recovered('migrate');
    } catch (e) {
      if (this.closing) return; // the pass stops where it is when the store closes: not a failure
      // Nothing is lost: the points stay in the old file until a pass succeeds; its files are swept.
      this.failure('migrate', `moving points out of exptrack.db failed: ${(e as Error).message}; they stay where they are and it is retried`);
      this.noteFailures();
      this.scheduleMigration(5000);
      throw e;
    }
    if (!this.closing) await this.cycle('migrate');
  }

  /**
   * Moves every point a store from before points files keeps in its catalog out now (as in the
   * background); waits for the lock while another writer holds it, up to `timeoutMs`. True when done.
   */
  async finishMigration(timeoutMs = 10 * 60_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.migration?.pending() && !this.closing && !this.image.blocked) {
      if (Date.now() > until) return false;
      if (this.migrateTimer) { clearTimeout(this.migrateTimer); this.migrateTimer = undefined; }
      try {
        await this.migrateOnce();
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
      if (this.migrateTimer) { clearTimeout(this.migrateTimer); this.migrateTimer = undefined; }
      // Another writer holds the lock: wait a little rather than spin.
      if (this.migration.pending()) await new Promise((r) => setTimeout(r, 250));
    }
    return !this.migration?.pending();
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

  /**
   * A fold, save or migration that cannot finish: one error line (the editor's Output channel and one
   * notification) per failing streak, and in doctor() until it works again (see {@link recovered}).
   */
  private failure(kind: string, message: string): void {
    const was = this.failures.get(kind);
    if (!was) this.logger.error(message);
    this.failures.set(kind, { since: was?.since ?? Date.now(), message });
  }

  private recovered(kind: string): void {
    const was = this.failures.get(kind);
    if (!was) return;
    this.failures.delete(kind);
    this.logger.info(`${kind} works again (it had failed since ${new Date(was.since).toISOString()})`);
  }

  /** Keeps this writer's failure note (for `exptrack doctor` in another process) in step with its failures. */
  private noteFailures(): void {
    if (this.readOnly) return;
    const list = [...this.failures.values()].map((f) => ({ message: f.message, since: f.since }));
    if (this.image.saveError) list.push({ message: this.image.saveError.message, since: this.image.saveError.since });
    const key = JSON.stringify(list);
    if (key === this.noted) return;
    this.noted = key;
    writeFailureNote(this.dir, this.writerId, list);
  }

  /** A read-only store retries a failed fold on its own (a writer does through its save timer). */
  private scheduleRetry(): void {
    if (this.foldTimer || this.closing) return;
    this.foldTimer = setTimeout(() => { this.foldTimer = undefined; void this.cycle('auto'); }, 5000);
    this.foldTimer.unref();
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
    this.journals.own?.flushSync();
  }

  /** Writes the journal, folds and saves now (if the lock is free). */
  async flush(): Promise<void> {
    if (this.closing) return this.closing;
    await this.cycle('now');
  }

  /** Flushes, folds, saves and releases everything; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of [this.foldTimer, this.saveTimer, this.migrateTimer]) if (t) clearTimeout(t);
      if (this.watchTimer) clearInterval(this.watchTimer);
      this.journals.appendClose();
      await this.cycle('now');
      // Another writer may hold the lock for its own fold: wait a little for it, so that once nobody
      // records the database file holds everything (otherwise the next writer to open folds us).
      for (let i = 0; i < 30 && this.journals.own && !this.readOnly && this.journals.ownPending(); i++) {
        await new Promise((r) => setTimeout(r, 100));
        await this.cycle('now');
      }
      await this.chain;
      if (!this.readOnly) writeFailureNote(this.dir, this.writerId, []);
      this.journals.close();
      this.image.close();
      this.listeners.clear();
    })();
    return this.closing;
  }

  /** Subscribes to changes (after folds and reloads). */
  onDidChange(listener: (e: StoreChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the store is closed');
  }

  // ---------------------------------------------------------------- queries (storeQueries.ts)

  /**
   * Runs, newest first. `filter` is the filter language of docs/storage.md (throws FilterError with
   * the column of a mistake); `experiment` matches the experiment name exactly.
   */
  listRuns(query: { experiment?: string; filter?: string; limit?: number } = {}): RunSummary[] {
    this.assertOpen();
    return this.queries.listRuns(query);
  }

  /** Everything about one run; `series` names metric keys whose full series to include. */
  getRun(id: string, options: { series?: string[] } = {}): RunDetail | undefined {
    this.assertOpen();
    return this.queries.getRun(id, options);
  }

  /** Code snapshot files of a run recorded outside git. */
  getCodeFiles(id: string): Record<string, string> { return this.queries.getCodeFiles(id); }

  /** Git state of every run that has one (for grouping by commit without a query per run). */
  gitByRun(): Map<string, GitInfo> {
    this.assertOpen();
    return this.queries.gitByRun();
  }

  /** Tags of every run that has some (for the Runs view's rows without a query per run). */
  tagsByRun(): Map<string, Record<string, string>> {
    this.assertOpen();
    return this.queries.tagsByRun();
  }

  /** Experiment names with run counts, by name. */
  listExperiments(): { name: string; runs: number; lastStartedAt: number | null }[] { return this.queries.listExperiments(); }

  /** Artifact versions (path + sha256) with the runs that produced and used them. */
  listArtifacts(): ReturnType<StoreQueries['listArtifacts']> { return this.queries.listArtifacts(); }

  /**
   * Resolves an id, a unique id prefix, a run name, `@last` or `@last~N` to a run id. Throws an Error
   * saying what matched when nothing or more than one run does.
   */
  resolveRun(ref: string): string {
    this.assertOpen();
    return this.queries.resolveRun(ref);
  }

  /**
   * A metric series in step order, min/max-downsampled to about `maxPoints` (keeping extremes and
   * the exact last point). NaN values come back as NaN.
   */
  series(runId: string, key: string, options: { maxPoints?: number; fromStep?: number; toStep?: number } = {}): Series {
    this.assertOpen();
    return this.queries.series(runId, key, options);
  }

  /**
   * Read-only SQL over the catalog, rows as column-name objects: the public reader lineage queries
   * use (lineage/storeSqlReader.ts). Reads what is folded so far, like every other query.
   */
  all(sql: string, params: readonly (string | number | null)[] = []): Record<string, unknown>[] {
    this.assertOpen();
    return this.queries.all(sql, params);
  }

  // ---------------------------------------------------------------- edits (storeEdits.ts)

  renameRun(id: string, name: string): void { this.assertOpen(); this.edits.renameRun(id, name); }

  /** Sets tags; a null value removes the tag. */
  setTags(id: string, tags: Record<string, string | null>): void { this.assertOpen(); this.edits.setTags(id, tags); }

  /** Sets the run's markdown note; an empty note removes it. */
  setNote(id: string, note: string): void { this.assertOpen(); this.edits.setNote(id, note); }

  /** Deletes a run and everything attached to it (artifact files are left alone). */
  deleteRun(id: string): void { this.assertOpen(); this.edits.deleteRun(id); }

  // ---------------------------------------------------------------- doctor (storeDoctor.ts)

  /** Integrity, journal state, sizes and schema version. */
  doctor(): DoctorReport {
    this.assertOpen();
    return doctorReport({ dir: this.dir, image: this.image, fold: this.folder, journals: this.journals, lock: this.lock, problems: [...this.problems, ...[...this.failures.values()].map((f) => `${f.message} (failing since ${new Date(f.since).toISOString()})`)], migration: this.migration, writerId: this.readOnly ? undefined : this.writerId });
  }
}

function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'writer';
}
