import fs from 'node:fs';
import path from 'node:path';

/** Default cap of one run's output.log: 64 MiB (the first and the last 32 MiB are kept). */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 64 * 1024 * 1024;

const BUFFER_BYTES = 64 * 1024;
const FLUSH_MS = 200;

/**
 * A run's console output on disk, capped: the first half of the limit goes straight to the file; past
 * it the newest bytes rotate through two tail segment files (so a crash still leaves them on disk), and
 * on close the last half is appended after a line saying how many bytes were left out. Bytes are kept
 * exactly as received (binary, invalid UTF-8, `\r` redraws).
 */
export class OutputLog {
  private fd: number;
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private headWritten = 0;
  private total = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private tailFd: number | undefined;
  private tailIndex = 0;
  private tailWritten = 0;
  private closed = false;
  /** Bytes that could not be written since the last gap marker (disk full): marked when writing resumes. */
  private gap = 0;
  private gapReason = '';
  /** All bytes ever left out by failed writes, and the marker bytes written in their place. */
  private lostBytes = 0;
  private markerBytes = 0;
  /** Bytes written to an output.log that was then deleted under the run. */
  private vanishedBytes = 0;
  private lastVanishCheck = 0;

  /**
   * `recreateFolder` makes the run folder again when output.log was deleted under a running run
   * (`rm -rf .exptrack`, `git clean -xdf`); the log goes on in a new file from there.
   */
  constructor(private readonly file: string, limitBytes = DEFAULT_OUTPUT_LIMIT_BYTES, private readonly onError: (e: Error) => void = () => undefined, private readonly recreateFolder?: () => void) {
    const limit = Math.max(1024, Math.floor(limitBytes));
    this.headLimit = Math.floor(limit / 2);
    this.tailLimit = limit - this.headLimit;
    this.fd = fs.openSync(file, 'a');
  }

  /** Bytes received so far (including any left out of the file). */
  get bytesReceived(): number {
    return this.total;
  }

  /** Bytes that could not be written (disk full), each gap marked in the file where it could be. */
  get bytesLost(): number {
    return this.lostBytes;
  }

  write(chunk: Uint8Array | string): void {
    if (this.closed) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!buf.length) return;
    this.total += buf.length;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= BUFFER_BYTES) this.flush();
    else this.timer ??= setTimeout(() => { this.timer = undefined; this.flush(); }, FLUSH_MS);
  }

  /**
   * Writes buffered bytes to disk now. A write that fails (disk full) leaves those bytes out and the
   * log goes on with the next flush: the gap is marked with one line saying how many bytes are missing.
   */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (!this.pendingBytes) return;
    const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.checkVanished(this.total - buf.length);
    if (this.gap && !(roomToResume(this.file) && this.markGap())) {
      this.gap += buf.length;
      this.lostBytes += buf.length;
      return;
    }
    const { written, error } = this.put(buf);
    if (error) this.fail(buf.length - written, error);
  }

  /** Flushes, appends the kept tail after a truncation notice when the cap was hit, and closes. */
  close(): void {
    if (this.closed) return;
    this.lastVanishCheck = 0;
    if (!this.pendingBytes) this.checkVanished(this.total);
    this.flush();
    if (this.gap && roomToResume(this.file)) this.markGap();
    this.closed = true;
    if (this.lostBytes) this.onError(new Error(`${this.lostBytes} bytes of output could not be written (${this.gapReason || 'write failed'})${this.gap ? '' : '; each gap is marked in output.log'}`));
    try {
      if (this.tailFd !== undefined) {
        fs.closeSync(this.tailFd);
        const current = this.segment(this.tailIndex);
        const previous = this.segment(this.tailIndex - 1);
        const fromCurrent = this.tailWritten;
        const fromPrevious = this.tailIndex > 0 ? Math.min(this.tailLimit - fromCurrent, sizeOf(previous)) : 0;
        const kept = fromCurrent + fromPrevious;
        // Gap markers are in the file but were never received (a marker in a dropped segment makes this a little low).
        const omitted = this.total - this.lostBytes - this.vanishedBytes - this.headWritten - kept + this.markerBytes;
        if (omitted > 0) {
          writeAll(this.fd, Buffer.from(`\n[exptrack] output truncated: ${omitted} bytes left out here (limit ${this.headLimit + this.tailLimit} bytes: the first ${this.headLimit} and the last ${this.tailLimit} are kept)\n`));
        }
        if (fromPrevious > 0) copyRange(previous, sizeOf(previous) - fromPrevious, fromPrevious, this.fd);
        copyRange(current, 0, fromCurrent, this.fd);
        for (const f of [current, previous]) fs.rmSync(f, { force: true });
      }
    } catch (e) {
      this.onError(e as Error);
    } finally {
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
    }
  }

  /** Writes into the head, then the rotating tail; returns how much of `buf` was written. */
  private put(buf: Buffer): { written: number; error?: Error } {
    let off = 0;
    try {
      if (this.headWritten < this.headLimit) {
        const n = Math.min(buf.length, this.headLimit - this.headWritten);
        const r = writeSome(this.fd, buf.subarray(0, n));
        this.headWritten += r.written;
        off += r.written;
        if (r.error) return { written: off, error: r.error };
      }
      while (off < buf.length) {
        if (this.tailFd === undefined || this.tailWritten >= this.tailLimit) this.rotateTail();
        const n = Math.min(buf.length - off, this.tailLimit - this.tailWritten);
        const r = writeSome(this.tailFd as number, buf.subarray(off, off + n));
        this.tailWritten += r.written;
        off += r.written;
        if (r.error) return { written: off, error: r.error };
      }
    } catch (e) {
      return { written: off, error: e as Error };
    }
    return { written: off };
  }

  private fail(unwritten: number, error: Error): void {
    if (!this.gap) {
      this.gapReason = (error as NodeJS.ErrnoException).code ?? error.message;
      // Said once per gap; the count of lost bytes comes at the end.
      this.onError(new Error(`${error.message}; output is left out until it can be written again (the gap is marked in output.log)`));
    }
    this.gap += unwritten;
    this.lostBytes += unwritten;
  }

  /** Writes the line that marks a gap; false when it cannot be written yet. */
  private markGap(): boolean {
    const marker = Buffer.from(`\n[exptrack] output lost here: ${this.gap} bytes could not be written (${this.gapReason})\n`);
    const { written } = this.put(marker);
    this.markerBytes += written;
    if (written < marker.length) return false;
    this.gap = 0;
    return true;
  }

  /**
   * output.log deleted under a running run (its folder removed): the open file lives on unseen, so
   * the log is opened again at its path, with a line saying what was lost. Checked at most once a
   * second (one fstat).
   */
  private checkVanished(received: number): void {
    const now = Date.now();
    if (now - this.lastVanishCheck < 1000 || !this.recreateFolder) return;
    this.lastVanishCheck = now;
    let gone: boolean;
    try { gone = fs.fstatSync(this.fd).nlink === 0; } catch { return; }
    if (!gone) return;
    try {
      this.recreateFolder();
      const fd = fs.openSync(this.file, 'a');
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = fd;
      if (this.tailFd !== undefined) {
        try { fs.closeSync(this.tailFd); } catch { /* already gone */ }
        this.tailFd = undefined;
      }
      const before = Math.max(0, received - this.lostBytes - this.vanishedBytes);
      this.vanishedBytes += before;
      this.markerBytes = 0;
      this.headWritten = 0;
      this.tailWritten = 0;
      this.tailIndex = 0;
      const note = Buffer.from(`[exptrack] output.log was deleted while the run was going: the ${before} bytes of output before this line are lost\n`);
      const r = this.put(note);
      this.markerBytes += r.written;
      this.onError(new Error(`output.log was deleted while the run was going; it was created again (${before} bytes of earlier output are lost)`));
    } catch (e) {
      this.onError(e as Error);
    }
  }

  private segment(index: number): string {
    return `${this.file}.tail${index % 2}`;
  }

  private rotateTail(): void {
    if (this.tailFd !== undefined) {
      fs.closeSync(this.tailFd);
      this.tailFd = undefined;
      this.tailIndex++;
    }
    this.tailFd = fs.openSync(this.segment(this.tailIndex), 'w');
    this.tailWritten = 0;
  }
}

/**
 * After a full disk, console output resumes only once this much space is free: the run's own record
 * (the journal: its end, its points) goes first, and output retried byte by byte would take every
 * byte that frees up.
 */
const RESUME_FREE_BYTES = 1024 * 1024;

function roomToResume(file: string): boolean {
  try {
    const s = fs.statfsSync(path.dirname(file));
    return s.bavail * s.bsize >= RESUME_FREE_BYTES;
  } catch {
    return true;
  }
}

/** Writes as much of `buf` as it can; a failure (disk full) comes back with the count written before it. */
function writeSome(fd: number, buf: Buffer): { written: number; error?: Error } {
  let off = 0;
  try {
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    return { written: off, error: e as Error };
  }
  return { written: off };
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function sizeOf(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

function copyRange(file: string, start: number, length: number, toFd: number): void {
  if (length <= 0) return;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(length, 1024 * 1024));
    let pos = start;
    let left = length;
    while (left > 0) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), pos);
      if (n <= 0) break;
      writeAll(toFd, buf.subarray(0, n));
      pos += n;
      left -= n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
