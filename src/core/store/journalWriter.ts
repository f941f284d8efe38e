import fs from 'node:fs';
import type { JournalRecord } from './journalRecord';
import type { StoreLogger } from './storeLogger';

/** Lines written together: their byte range in the file and the records (or raw lines) they hold. */
export interface WrittenBatch {
  readonly start: number;
  readonly end: number;
  readonly items: readonly (string | JournalRecord)[];
}

const flushAtBytes = 1 << 20;

/** Past this many queued items the in-memory copy is dropped; the fold reads the file instead. */
const maxQueuedItems = 200_000;

/** How long an appended line may wait in memory before it is written. */
const flushDelayMs = 50;
/** Idle writers touch their journal this often, so other hosts can tell them from dead ones. */
const heartbeatMs = 60_000;

/**
 * Appends JSON lines to one writer's journal. Lines are buffered and written with a synchronous
 * write on a short timer (and at once on {@link flushSync}), so a point handed over is on disk within
 * ~50 ms plus the write, and a process exit cannot leave a half-issued async write behind.
 */
export class JournalWriter {
  private fd: number | undefined;
  /**
   * Lines encoded straight into one reused buffer: joining strings and encoding the join again cost
   * two copies of every byte (a run's metric lines are tens of MB) and the garbage that goes with them.
   */
  private buf = Buffer.allocUnsafe(flushAtBytes + (64 << 10));
  private len = 0;
  private bufferedItems: (string | JournalRecord)[] = [];
  /** Bytes a failed write left behind, written first next time. */
  private retry: Buffer | undefined;
  /** Written but maybe not folded yet, so this process can fold its own lines without re-reading them. */
  private unfolded: WrittenBatch[] = [];
  private unfoldedItems = 0;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private failing = false;
  private closed = false;
  /** Bytes written so far by this writer (the file length, as we never seek). */
  written = 0;

  /**
   * `keepForFold` false: a writer that never folds (JournalAppender) keeps no copy of what it wrote.
   */
  constructor(
    readonly file: string,
    private readonly logger: StoreLogger,
    private readonly onWritten: () => void,
    private readonly keepForFold = true,
  ) {
    this.fd = fs.openSync(file, 'a');
    this.written = fs.fstatSync(this.fd).size;
    this.heartbeat = setInterval(() => this.touch(), heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Buffers one record (one line, no newline inside: JSON.stringify guarantees it). `rec` is the
   * object the line encodes, kept for the in-memory fold when it holds only JSON-exact data.
   */
  append(line: string, rec?: JournalRecord): void {
    if (this.closed) return;
    // A producer that never yields (a tight loop) still gets its lines out in ~1 MB writes.
    if (this.len >= flushAtBytes && this.flushSync()) this.onWritten();
    // Metric lines (rec given) are ASCII by construction: latin1 is exact and the cheapest encoding.
    const most = (rec ? line.length : line.length * 3) + 1;
    if (this.len + most > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + most));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len += this.buf.write(line, this.len, rec ? 'latin1' : 'utf8');
    this.buf[this.len++] = 0x0a;
    if (this.keepForFold) this.bufferedItems.push(rec ?? line);
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; if (this.flushSync()) this.onWritten(); }, flushDelayMs);
      this.timer.unref();
    }
  }

  /** Characters waiting in memory. */
  get pending(): number { return this.len + (this.retry?.length ?? 0); }

  /** Writes everything buffered. Returns true if it wrote anything. Never throws. */
  flushSync(): boolean {
    if ((this.len === 0 && !this.retry) || this.fd === undefined) return false;
    const fresh = this.len ? this.buf.subarray(0, this.len) : undefined;
    const data = this.retry ? (fresh ? Buffer.concat([this.retry, fresh]) : this.retry) : fresh!;
    // Bytes from an earlier failed write no longer map onto whole records: those fold from the file.
    const items = this.retry ? [] : this.bufferedItems;
    this.len = 0; // the buffer is reused: `data` must be written (or copied into retry) before the next append
    this.bufferedItems = [];
    this.retry = undefined;
    let off = 0;
    try {
      while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
      if (items.length) {
        this.unfolded.push({ start: this.written, end: this.written + data.length, items });
        this.unfoldedItems += items.length;
        while (this.unfoldedItems > maxQueuedItems && this.unfolded.length) this.unfoldedItems -= this.unfolded.shift()!.items.length;
      }
      this.written += data.length;
      if (this.failing) { this.failing = false; this.logger.info(`journal ${this.file} is being written again`); }
      return true;
    } catch (e) {
      this.written += off;
      // Keep the bytes that did not reach the file (as bytes: a cut may split a character).
      this.retry = Buffer.from(data.subarray(off));
      this.unfolded = [];
      this.unfoldedItems = 0;
      if (!this.failing) {
        this.failing = true;
        this.logger.error(journalWriteFailure(this.file, e));
      }
      if (!this.timer && !this.closed) {
        this.timer = setTimeout(() => { this.timer = undefined; if (this.flushSync()) this.onWritten(); }, 1000);
        this.timer.unref();
      }
      return off > 0;
    }
  }

  /**
   * The written batches from byte `offset` on, if this writer still holds them contiguously from
   * there; undefined means "read the file". Hands them over (they are not returned twice).
   */
  takeUnfolded(offset: number): WrittenBatch[] | undefined {
    while (this.unfolded.length && this.unfolded[0].end <= offset) this.unfoldedItems -= this.unfolded.shift()!.items.length;
    if (!this.unfolded.length || this.unfolded[0].start !== offset) return undefined;
    const out = this.unfolded;
    this.unfolded = [];
    this.unfoldedItems = 0;
    return out;
  }

  private touch(): void {
    if (this.fd === undefined) return;
    const now = new Date();
    try { fs.futimesSync(this.fd, now, now); } catch { /* a heartbeat is best effort */ }
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    if (this.fd !== undefined) {
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = undefined;
    }
  }
}

/** The one line a failed journal write is reported with (the bytes are kept and retried). */
export function journalWriteFailure(file: string, e: unknown): string {
  return (e as NodeJS.ErrnoException).code === 'ENOSPC'
    ? `disk full: cannot write the journal ${file}; recording is kept in memory and retried`
    : `cannot write the journal ${file}: ${(e as Error).message}; retrying`;
}
