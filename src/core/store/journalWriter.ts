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

/**
 * Past this many bytes waiting for a failing disk (full), the oldest metric records are dropped and
 * counted (see {@link JournalWriter.lost}), so a long outage cannot exhaust memory; every other record
 * (a run's start, params, end...) is small and kept.
 */
const maxRetryBytes = 64 << 20;

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
  /** Bytes that failed to be written (disk full), in order; written first next time. */
  private retry: Buffer[] = [];
  private retryBytes = 0;
  /** Whether the file ends in the middle of a line (a write was cut): the retry bytes start by finishing it. */
  private midLine = false;
  private readonly lostPoints = new Map<string, number>();
  private lostRecords = 0;
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

  /** Bytes waiting in memory (buffered, or kept after a failed write). */
  get pending(): number { return this.len + this.retryBytes; }

  /**
   * Records given up so far: metric points per run id, and other records. Only a disk that stays full
   * (see maxRetryBytes, {@link dropUnwrittenMetrics}, {@link close}) makes anything lost.
   */
  get lost(): { readonly points: ReadonlyMap<string, number>; readonly records: number } {
    return { points: this.lostPoints, records: this.lostRecords };
  }

  /** Writes everything buffered. Returns true if it wrote anything. Never throws. */
  flushSync(): boolean {
    if ((this.len === 0 && !this.retryBytes) || this.fd === undefined) return false;
    const fresh = this.len ? this.buf.subarray(0, this.len) : undefined;
    // Bytes from an earlier failed write no longer map onto whole records: those fold from the file.
    const items = this.retryBytes ? [] : this.bufferedItems;
    this.len = 0; // the buffer is reused: `fresh` must be written (or copied into retry) before the next append
    this.bufferedItems = [];
    const written = this.written;
    let chunk: Buffer | undefined;
    let off = 0;
    try {
      while (this.retry.length) {
        chunk = this.retry[0];
        off = 0;
        while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
        this.wrote(chunk);
        this.retry.shift();
        this.retryBytes -= chunk.length;
      }
      if (fresh) {
        chunk = fresh;
        off = 0;
        while (off < fresh.length) off += fs.writeSync(this.fd, fresh, off, fresh.length - off);
        if (items.length) {
          this.unfolded.push({ start: this.written, end: this.written + fresh.length, items });
          this.unfoldedItems += items.length;
          while (this.unfoldedItems > maxQueuedItems && this.unfolded.length) this.unfoldedItems -= this.unfolded.shift()!.items.length;
        }
        this.wrote(fresh);
      }
      if (this.failing) { this.failing = false; this.logger.info(`journal ${this.file} is being written again`); }
      return true;
    } catch (e) {
      // Keep the bytes that did not reach the file. A line cut by the failed write is cut off the
      // file again (no reader goes past a line without its newline), so the file holds whole records
      // only and the space it took is free for the next, smaller ones.
      if (chunk && off > 0) {
        const whole = this.midLine ? off : chunk.lastIndexOf(0x0a, off - 1) + 1;
        try {
          if (whole < off) fs.ftruncateSync(this.fd, this.written + whole);
          off = whole;
        } catch { /* the cut line stays; its rest is written first next time */ }
        this.wrote(chunk.subarray(0, off));
      }
      if (chunk && chunk !== fresh) {
        this.retry[0] = chunk.subarray(off);
        this.retryBytes -= off;
        if (fresh) { this.retry.push(Buffer.from(fresh)); this.retryBytes += fresh.length; }
      } else if (fresh) {
        const rest = Buffer.from(fresh.subarray(off));
        this.retry.push(rest);
        this.retryBytes += rest.length;
      }
      this.unfolded = [];
      this.unfoldedItems = 0;
      if (!this.failing) {
        this.failing = true;
        this.logger.error(journalWriteFailure(this.file, e));
      }
      if (this.retryBytes > maxRetryBytes) this.dropMetrics(maxRetryBytes / 2);
      if (!this.timer && !this.closed) {
        this.timer = setTimeout(() => { this.timer = undefined; if (this.flushSync()) this.onWritten(); }, 1000);
        this.timer.unref();
      }
      return this.written > written;
    }
  }

  /**
   * Gives up the metric records still waiting for the disk (it stayed full), counting their points in
   * {@link lost}, so that the small records behind them (a run's end) can be written in what space there is.
   */
  dropUnwrittenMetrics(): void {
    if (this.len) {
      this.retry.push(Buffer.from(this.buf.subarray(0, this.len)));
      this.retryBytes += this.len;
      this.len = 0;
      this.bufferedItems = [];
    }
    this.dropMetrics(0);
  }

  private wrote(bytes: Buffer): void {
    this.written += bytes.length;
    if (bytes.length) this.midLine = bytes[bytes.length - 1] !== 0x0a;
  }

  /** Drops the oldest waiting metric records until at most `keepBytes` wait (other records stay). */
  private dropMetrics(keepBytes: number): void {
    if (!this.retryBytes) return;
    const all = this.retry.length === 1 ? this.retry[0] : Buffer.concat(this.retry, this.retryBytes);
    let start = 0;
    const kept: Buffer[] = [];
    if (this.midLine) {
      // The first bytes finish a line already cut in the file: they must be written, whatever it is.
      const nl = all.indexOf(0x0a);
      start = nl < 0 ? all.length : nl + 1;
      kept.push(all.subarray(0, start));
    }
    let size = all.length;
    while (start < all.length) {
      const nl = all.indexOf(0x0a, start);
      const end = nl < 0 ? all.length : nl + 1;
      const line = all.subarray(start, end);
      if (size > keepBytes && isMetricLine(line)) {
        const { run, points } = metricLineCount(line);
        this.lostPoints.set(run, (this.lostPoints.get(run) ?? 0) + points);
        size -= line.length;
      } else {
        kept.push(line);
      }
      start = end;
    }
    const joined = Buffer.concat(kept);
    this.retry = joined.length ? [joined] : [];
    this.retryBytes = joined.length;
  }

  /** Gives up everything still waiting (close with the disk still full), counting it in {@link lost}. */
  private discardUnwritten(): void {
    this.dropUnwrittenMetrics();
    const all = Buffer.concat(this.retry, this.retryBytes);
    for (let i = 0; i < all.length; i++) if (all[i] === 0x0a) this.lostRecords++;
    this.retry = [];
    this.retryBytes = 0;
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

  /**
   * Whether the journal file was deleted under this writer (`rm -rf .exptrack`, `git clean -xdf`):
   * writes still succeed, into a file nobody will ever read.
   */
  vanished(): boolean {
    if (this.fd === undefined) return false;
    try { return fs.fstatSync(this.fd).nlink === 0; } catch { return true; }
  }

  /** Closes the file without writing what waits (the file is gone: see {@link vanished}). */
  abandon(): void {
    this.len = 0;
    this.bufferedItems = [];
    this.retry = [];
    this.retryBytes = 0;
    this.close();
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    if (this.closed) return;
    this.flushSync();
    if (this.pending) {
      this.discardUnwritten();
      this.logger.error(`${journalLossText(this.lost)} could not be written to the journal ${this.file} (the disk stayed full) and are lost`);
    }
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
  const kept = `kept in memory (up to ${maxRetryBytes >> 20} MB; older metric points past that are dropped and counted) and written when there is space`;
  return (e as NodeJS.ErrnoException).code === 'ENOSPC'
    ? `disk full: cannot write the journal ${file}; recording is ${kept}`
    : `cannot write the journal ${file}: ${(e as Error).message}; recording is ${kept}`;
}

/** "1,234 metric points of run X and 2 other records", for messages about what a journal lost. */
export function journalLossText(lost: JournalWriter['lost']): string {
  const parts = [...lost.points].map(([run, n]) => `${n.toLocaleString('en-US')} metric points of run ${run}`);
  if (lost.records) parts.push(`${lost.records} ${parts.length ? 'other ' : ''}record${lost.records === 1 ? '' : 's'}`);
  return parts.join(' and ') || 'nothing';
}

const METRIC_PREFIX = Buffer.from('{"t":"m"');

function isMetricLine(line: Buffer): boolean {
  return line.subarray(0, METRIC_PREFIX.length).equals(METRIC_PREFIX);
}

/** The run and number of points of a journal metric line (as this writer's sink writes them: `b`, or `p`). */
export function metricLineCount(line: Buffer): { run: string; points: number } {
  const head = line.toString('latin1', 0, Math.min(line.length, 4096));
  const run = /"r":"((?:[^"\\]|\\.)*)"/.exec(head)?.[1] ?? '?';
  const b = line.indexOf('"b":"');
  if (b >= 0) {
    const end = line.indexOf(0x22, b + 5);
    const text = line.toString('latin1', b + 5, end < 0 ? line.length : end);
    const bytes = Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
    return { run, points: Math.floor(bytes / 32) };
  }
  try {
    const rec = JSON.parse(line.toString('utf8')) as { p?: unknown[] };
    return { run, points: Array.isArray(rec.p) ? Math.floor(rec.p.length / 4) : 0 };
  } catch {
    return { run, points: 0 };
  }
}
