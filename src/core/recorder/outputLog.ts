import fs from 'node:fs';

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
  private readonly fd: number;
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
  private failed = false;

  constructor(private readonly file: string, limitBytes = DEFAULT_OUTPUT_LIMIT_BYTES, private readonly onError: (e: Error) => void = () => undefined) {
    const limit = Math.max(1024, Math.floor(limitBytes));
    this.headLimit = Math.floor(limit / 2);
    this.tailLimit = limit - this.headLimit;
    this.fd = fs.openSync(file, 'a');
  }

  /** Bytes received so far (including any left out of the file). */
  get bytesReceived(): number {
    return this.total;
  }

  write(chunk: Uint8Array | string): void {
    if (this.closed || this.failed) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!buf.length) return;
    this.total += buf.length;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= BUFFER_BYTES) this.flush();
    else this.timer ??= setTimeout(() => { this.timer = undefined; this.flush(); }, FLUSH_MS);
  }

  /** Writes buffered bytes to disk now. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (!this.pendingBytes || this.failed) return;
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      if (this.headWritten < this.headLimit) {
        const n = Math.min(buf.length, this.headLimit - this.headWritten);
        writeAll(this.fd, buf.subarray(0, n));
        this.headWritten += n;
        buf = buf.subarray(n);
      }
      while (buf.length) {
        if (this.tailFd === undefined || this.tailWritten >= this.tailLimit) this.rotateTail();
        const n = Math.min(buf.length, this.tailLimit - this.tailWritten);
        writeAll(this.tailFd as number, buf.subarray(0, n));
        this.tailWritten += n;
        buf = buf.subarray(n);
      }
    } catch (e) {
      // Disk full or the folder removed: stop writing output, keep recording the rest of the run.
      this.failed = true;
      this.onError(e as Error);
    }
  }

  /** Flushes, appends the kept tail after a truncation notice when the cap was hit, and closes. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    try {
      if (this.tailFd !== undefined) {
        fs.closeSync(this.tailFd);
        const current = this.segment(this.tailIndex);
        const previous = this.segment(this.tailIndex - 1);
        const fromCurrent = this.tailWritten;
        const fromPrevious = this.tailIndex > 0 ? Math.min(this.tailLimit - fromCurrent, sizeOf(previous)) : 0;
        const kept = fromCurrent + fromPrevious;
        const omitted = this.total - this.headWritten - kept;
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

  private segment(index: number): string {
    return `${this.file}.tail${index % 2}`;
  }

  private rotateTail(): void {
    if (this.tailFd !== undefined) {
      fs.closeSync(this.tailFd);
      this.tailIndex++;
    }
    this.tailFd = fs.openSync(this.segment(this.tailIndex), 'w');
    this.tailWritten = 0;
  }
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
