// A writer that only appends to its own journal: no sql.js, no database image in memory, no folding.
// `exptrack run` records through it so that a run printing millions of metric lines never pays for
// folding them while the command runs; the journal is the record (docs/storage.md), and whoever opens
// the store next (a reader in memory, `exptrack _fold`, the editor) folds it.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordSink } from '../model';
import { createJournalSink } from './journalSink';
import type { JournalRecord } from './journalRecord';
import { journalWriteFailure } from './journalWriter';
import { thisHost } from './processInfo';
import { NewerSchemaError, schemaVersion } from './schema';
import type { StoreLogger } from './storeLogger';

/** Appends records to `<exptrackDir>/journal/<writer>.jsonl` in the store's journal format. */
export class JournalAppender {
  readonly sink: RecordSink;
  private closed = false;

  private constructor(private readonly writer: AppendOnlyFile, readonly writerId: string, logger: StoreLogger) {
    // Metric lines (given with their record) are ASCII by construction: written as latin1, the cheap way.
    this.sink = createJournalSink(
      (line, inMemory) => { if (!this.closed) this.writer.append(line, inMemory !== undefined); },
      (m) => logger.warn(m),
    );
  }

  /**
   * Creates this writer's journal (header line written at once). Throws {@link NewerSchemaError}
   * when `exptrack.db` was written by a newer exptrack (its lines could not be folded here), and
   * when the journal cannot be created.
   */
  static open(exptrackDir: string, logger: StoreLogger): JournalAppender {
    const dir = path.resolve(exptrackDir);
    checkSchema(path.join(dir, 'exptrack.db'));
    const journalDir = path.join(dir, 'journal');
    fs.mkdirSync(journalDir, { recursive: true });
    const base = `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
    let id = base;
    for (let n = 2; fs.existsSync(path.join(journalDir, `${id}.jsonl`)); n++) id = `${base}-${n}`;
    const writer = new AppendOnlyFile(path.join(journalDir, `${id}.jsonl`), logger);
    writer.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now() } satisfies JournalRecord), false);
    writer.flushSync();
    return new JournalAppender(writer, id, logger);
  }

  /** The journal file. */
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
    this.closed = true;
    this.writer.append(JSON.stringify({ t: 'x', time: Date.now() } satisfies JournalRecord), false);
    this.writer.close();
  }
}

const bufferBytes = 1 << 20;
const flushDelayMs = 50;
const heartbeatMs = 60_000;

/**
 * The journal file, as JournalWriter writes it (buffered lines, a synchronous write on a 50 ms timer,
 * kept and retried on a failed write, touched every minute so other hosts see it alive) but encoding
 * each line straight into one reused buffer: a writer that never folds needs no copy of what it wrote,
 * and a run printing millions of metric lines spends less time joining and re-encoding text.
 */
class AppendOnlyFile {
  private fd: number | undefined;
  private buf = Buffer.allocUnsafe(bufferBytes);
  private len = 0;
  /** Bytes a failed write left behind, written first next time. */
  private retry: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private failing = false;
  private closed = false;

  constructor(readonly file: string, private readonly logger: StoreLogger) {
    this.fd = fs.openSync(file, 'a');
    this.heartbeat = setInterval(() => {
      const now = new Date();
      if (this.fd !== undefined) try { fs.futimesSync(this.fd, now, now); } catch { /* best effort */ }
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Buffers one line (no newline inside); `ascii` when the caller knows it holds only ASCII. */
  append(line: string, ascii: boolean): void {
    if (this.closed) return;
    const most = (ascii ? line.length : line.length * 3) + 1;
    if (this.len + most > this.buf.length) {
      this.flushSync();
      if (most > this.buf.length) {
        const big = Buffer.from(`${line}\n`, ascii ? 'latin1' : 'utf8');
        this.retry = this.retry ? Buffer.concat([this.retry, big]) : big;
        this.flushSync();
        return;
      }
    }
    this.len += this.buf.write(line, this.len, ascii ? 'latin1' : 'utf8');
    this.buf[this.len++] = 10;
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; this.flushSync(); }, flushDelayMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered; never throws (a failed write is kept and retried every second). */
  flushSync(): void {
    if (this.fd === undefined || (this.len === 0 && !this.retry)) return;
    const fresh = this.len ? this.buf.subarray(0, this.len) : undefined;
    const data = this.retry ? (fresh ? Buffer.concat([this.retry, fresh]) : this.retry) : fresh!;
    this.retry = undefined;
    let off = 0;
    try {
      while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
      this.len = 0;
      if (this.failing) { this.failing = false; this.logger.info(`journal ${this.file} is being written again`); }
    } catch (e) {
      // Keep the bytes that did not reach the file (as bytes: a cut may split a character).
      this.retry = Buffer.from(data.subarray(off));
      this.len = 0;
      if (!this.failing) {
        this.failing = true;
        this.logger.error(journalWriteFailure(this.file, e));
      }
      if (!this.timer && !this.closed) {
        this.timer = setTimeout(() => { this.timer = undefined; this.flushSync(); }, 1000);
        this.timer.unref();
      }
    }
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    if (this.fd !== undefined) {
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = undefined;
    }
  }
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
