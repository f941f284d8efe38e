// A writer that only appends to its own journal: no sql.js, no database image in memory, no folding.
// `exptrack run` records through it so that a run printing millions of metric lines never pays for
// folding them while the command runs; the journal is the record (docs/storage.md), and whoever opens
// the store next (a reader in memory, `exptrack _fold`, the editor) folds it.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordSink } from '../model';
import { createJournalSink } from './journalSink';
import { JOURNAL_FORMAT, type JournalRecord } from './journalRecord';
import { JournalWriter, journalLossText, metricLineCount } from './journalWriter';
import { ensureExptrackDir } from './exptrackDir';
import { LineRing } from './lineRing';
import { isProcessAlive, thisHost } from './processInfo';
import { NewerSchemaError, schemaVersion } from './schema';
import type { StoreLogger } from './storeLogger';

/** A journal is continued in a new file past this size (default), as the store's own are. */
const defaultRotateBytes = 256 * 1024 * 1024;

/**
 * Metric records kept in memory (the newest, as bytes) to journal a run again if its journal is
 * deleted under it (`rm -rf .exptrack`, `git clean -xdf`): ~750,000 points. Every other record is
 * kept whole (a run's start, params, environment, end: small).
 */
const keptMetricBytes = 32 * 1024 * 1024;

/** A history entry whose line the metric ring holds. */
const IN_RING = 0;

/** How often appends look whether the journal file was deleted (one fstat). */
const vanishCheckMs = 1000;

/** How long {@link JournalAppender.closeWaitingForSpace} waits for a full disk by default. */
export const DEFAULT_DISK_FULL_WAIT_MS = 30_000;

/**
 * Appends records to `<exptrackDir>/journal/<writer>.jsonl` in the store's journal format. Past
 * `rotateBytes` it goes on in `<writer>~0001.jsonl` (and so on): the full file ends with a close
 * record naming the next, so a folder hands this writer's running runs over to it, and deletes the
 * full file once it is folded and saved. A run recorded for days never keeps one ever-growing file.
 *
 * It never loses a record silently: if the journal is deleted while it writes, it is created again
 * and what this writer recorded is journaled again from memory (metric points: the newest
 * {@link keptMetricBytes}); if the disk is full at the end, {@link closeWaitingForSpace} waits for
 * space, then writes what it can and says what was lost (and tags the run `exptrack.incomplete`).
 */
export class JournalAppender {
  readonly sink: RecordSink;
  private closed = false;
  private generation = 0;
  /** Size of the current file at which the next one is started. */
  private rotateAt: number;
  /** Every line appended, in order: a metric line as {@link IN_RING} while the ring keeps it, then null. */
  private readonly history: (string | typeof IN_RING | null)[] = [];
  /** The newest metric lines, as bytes (line number in history, run, points: counted when dropped). */
  private readonly metricRing: LineRing<{ line: number; run: string; points: number }>;
  /** Metric points no longer in memory, per run (only matters if the journal has to be written again). */
  private readonly forgotten = new Map<string, number>();
  private lastVanishCheck = Date.now();
  private recreations = 0;

  private constructor(private writer: JournalWriter, readonly writerId: string, private readonly logger: StoreLogger, private readonly rotateBytes: number, private readonly exptrackDir: string, keptBytes: number) {
    this.metricRing = new LineRing(keptBytes, (m) => {
      this.history[m.line] = null;
      this.forgotten.set(m.run, (this.forgotten.get(m.run) ?? 0) + m.points);
    });
    this.sink = createJournalSink(
      (line, inMemory) => {
        if (this.closed) return;
        this.checkVanished();
        this.remember(line, inMemory);
        // Without the record: nothing folds from this writer's memory (a journal-only writer), and
        // the writer would keep every metric record's points until its queue bound (~all of a run's).
        this.writer.append(line);
        if (this.writer.written + this.writer.pending >= this.rotateAt) this.rotate();
      },
      (m) => logger.warn(m),
    );
    this.rotateAt = rotateBytes;
  }

  /**
   * Creates this writer's journal (header line written at once). Throws {@link NewerSchemaError}
   * when `exptrack.db` was written by a newer exptrack (its lines could not be folded here), and
   * when the journal cannot be created.
   */
  static open(exptrackDir: string, logger: StoreLogger, options: { rotateBytes?: number; keptMetricBytes?: number } = {}): JournalAppender {
    const dir = path.resolve(exptrackDir);
    checkSchema(path.join(dir, 'exptrack.db'));
    const journalDir = path.join(dir, 'journal');
    fs.mkdirSync(journalDir, { recursive: true });
    const id = freeWriterId(journalDir, `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    const appender = new JournalAppender(startJournal(journalDir, id, logger), id, logger, options.rotateBytes ?? defaultRotateBytes, dir, options.keptMetricBytes ?? keptMetricBytes);
    removeDeadReserves(path.dirname(appender.reserveFile));
    try {
      fs.mkdirSync(path.dirname(appender.reserveFile), { recursive: true });
      fs.writeFileSync(appender.reserveFile, Buffer.alloc(reserveBytes), { flag: 'wx' });
    } catch {
      try { fs.rmSync(appender.reserveFile, { force: true }); } catch { /* best effort */ }
    }
    return appender;
  }

  /**
   * Space set aside while recording (`cache/reserve-<writer>`, {@link reserveBytes}): if the disk is
   * full at the end, it is deleted to make room for the run's last records (its end, the
   * `exptrack.incomplete` tag) after the metric points that do not fit are given up.
   */
  private get reserveFile(): string {
    return path.join(this.exptrackDir, 'cache', `reserve-${this.writerId}`);
  }

  /** Goes on in the next file: it is created (header written) before the full one is closed. */
  private rotate(): void {
    const full = this.writer;
    const next = `${this.writerId}~${String(++this.generation).padStart(4, '0')}`;
    try {
      this.writer = startJournal(path.dirname(full.file), next, this.logger);
    } catch (e) {
      // Not fatal: the full file takes the next records too; tried again once it grew as much again.
      this.logger.warn(`cannot start journal ${next}: ${(e as Error).message}`);
      this.generation--;
      this.rotateAt = full.written + full.pending + this.rotateBytes;
      return;
    }
    this.rotateAt = this.rotateBytes;
    full.append(JSON.stringify({ t: 'x', time: Date.now(), next } satisfies JournalRecord));
    full.close();
  }

  /** The journal file (the current one). */
  get file(): string {
    return this.writer.file;
  }

  /** Writes what is buffered now (synchronously). */
  flush(): void {
    this.writer.flushSync();
  }

  /** Ends the journal with a clean-close record, so a folder hands its runs over without waiting. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.checkVanished(true);
    this.closed = true;
    this.writer.append(JSON.stringify({ t: 'x', time: Date.now() } satisfies JournalRecord));
    this.writer.close();
    try { fs.rmSync(this.reserveFile, { force: true }); } catch { /* best effort */ }
  }

  /**
   * Closes like {@link close}, but first waits up to `waitMs` for a full disk to take what is still
   * in memory (retrying every 250 ms), and then, if it is still full, gives up the metric points that
   * wait so that the small records (the run's end) fit, tags each run that lost points
   * `exptrack.incomplete`, and says on `logger.error` how many points and records were lost.
   * Returns what was lost (nothing: an empty map and 0).
   */
  async closeWaitingForSpace(waitMs = DEFAULT_DISK_FULL_WAIT_MS): Promise<JournalWriter['lost']> {
    if (this.closed) return this.writer.lost;
    this.checkVanished(true);
    this.writer.flushSync();
    if (this.writer.pending) {
      this.logger.warn(`disk full: waiting up to ${Math.round(waitMs / 1000)} s for space to write the rest of the recording (${this.writer.pending} bytes); free some space, or stop waiting with Ctrl-C`);
      for (const until = Date.now() + waitMs; this.writer.pending && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, until - Date.now()))));
        this.writer.flushSync();
      }
      if (this.writer.pending) {
        fs.rmSync(this.reserveFile, { force: true });
        this.writer.dropUnwrittenMetrics();
      }
    }
    const lost = new Map(this.writer.lost.points);
    for (const [run, n] of lost) {
      this.writer.append(JSON.stringify({ t: 'tags', r: run, tags: { 'exptrack.incomplete': `${n} metric points could not be written (disk full)` } } satisfies JournalRecord));
    }
    this.writer.flushSync();
    const tagged = lost.size > 0 && this.writer.pending === 0;
    this.close();
    const result = this.writer.lost;
    if (result.points.size || result.records) {
      this.logger.error(`disk full: ${journalLossText(result)} could not be written and are lost${tagged ? ' (the run is tagged exptrack.incomplete)' : ''}`);
    }
    return result;
  }

  private remember(line: string, rec: JournalRecord | undefined): void {
    if (rec?.t !== 'm' && !line.startsWith('{"t":"m"')) {
      this.history.push(line);
      return;
    }
    const counted = rec?.t === 'm' && rec.f ? { run: rec.r, points: rec.f.length >> 2 } : metricLineCount(Buffer.from(line, 'latin1'));
    // Marked first: a line too long for the ring is dropped (nulled) at once.
    this.history.push(IN_RING);
    this.metricRing.push(line, { line: this.history.length - 1, ...counted });
  }

  /**
   * The journal was deleted under this writer (its folder removed): creates it again as a new
   * journal and writes again, from memory, everything this writer recorded; says so, and what could
   * not be written again (metric points beyond what is kept in memory: the run is tagged).
   */
  private checkVanished(now = false): void {
    const t = Date.now();
    if (!now && t - this.lastVanishCheck < vanishCheckMs) return;
    this.lastVanishCheck = t;
    if (!this.writer.vanished()) return;
    const gone = this.writer.file;
    this.writer.abandon();
    const journalDir = path.join(this.exptrackDir, 'journal');
    try {
      ensureExptrackDir(this.exptrackDir);
      fs.mkdirSync(journalDir, { recursive: true });
      this.writer = startJournal(journalDir, freeWriterId(journalDir, `${this.writerId}-r${++this.recreations}`), this.logger);
    } catch (e) {
      this.logger.error(`the journal ${gone} was deleted while recording, and it cannot be created again: ${(e as Error).message}; this run is not recorded`);
      this.closed = true;
      return;
    }
    this.rotateAt = this.rotateBytes;
    let records = 0;
    const kept = this.metricRing.lines();
    for (const line of this.history) {
      if (line === null) continue;
      // The ring holds the metric lines still IN_RING, in the same order.
      this.writer.append(line === IN_RING ? (kept.next().value as [string, unknown])[0] : line);
      records++;
    }
    for (const [run, n] of this.forgotten) {
      this.writer.append(JSON.stringify({ t: 'tags', r: run, tags: { 'exptrack.incomplete': `${n} metric points were lost when the journal was deleted during the run` } } satisfies JournalRecord));
    }
    this.writer.flushSync();
    const forgotten = [...this.forgotten.values()].reduce((a, b) => a + b, 0);
    this.logger.error(`the journal ${gone} was deleted while recording (was .exptrack removed?): created ${this.writer.file} and journaled the ${records} records recorded so far again from memory${forgotten ? `; ${forgotten} older metric points were no longer in memory and are lost (the run is tagged exptrack.incomplete)` : ''}`);
  }
}

/** Space kept aside per writer for its last records on a full disk. */
const reserveBytes = 256 * 1024;

/** Removes `reserve-<writer>` files of writers on this host that are gone (killed before closing). */
function removeDeadReserves(cacheDir: string): void {
  let names: string[];
  try { names = fs.readdirSync(cacheDir); } catch { return; }
  const host = thisHost.replace(/[^A-Za-z0-9_.-]/g, '_');
  for (const n of names) {
    const m = /^reserve-(.*)-(\d+)-[a-z0-9]+(?:-\d+)?$/.exec(n);
    if (!m || m[1] !== host || isProcessAlive(Number(m[2]), thisHost) !== false) continue;
    try { fs.rmSync(path.join(cacheDir, n), { force: true }); } catch { /* another writer did */ }
  }
}

/** `base`, or `base-2`, `base-3`... whichever names no journal yet. */
function freeWriterId(journalDir: string, base: string): string {
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
  let id = clean;
  for (let n = 2; fs.existsSync(path.join(journalDir, `${id}.jsonl`)); n++) id = `${clean}-${n}`;
  return id;
}

/** Creates a writer's journal file and writes its header at once. */
function startJournal(journalDir: string, id: string, logger: StoreLogger): JournalWriter {
  const writer = new JournalWriter(path.join(journalDir, `${id}.jsonl`), logger, () => undefined, false);
  writer.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now(), v: JOURNAL_FORMAT } satisfies JournalRecord));
  writer.flushSync();
  return writer;
}

/** Reads `PRAGMA user_version` from the database header (bytes 60-63) without loading sql.js. */
function checkSchema(dbFile: string): void {
  let fd: number;
  try { fd = fs.openSync(dbFile, 'r'); } catch { return; }
  try {
    const header = Buffer.alloc(64);
    if (fs.readSync(fd, header, 0, 64, 0) < 64 || header.toString('latin1', 0, 15) !== 'SQLite format 3') return;
    const found = header.readUInt32BE(60);
    if (found > schemaVersion) throw new NewerSchemaError(found, dbFile);
  } finally {
    fs.closeSync(fd);
  }
}
