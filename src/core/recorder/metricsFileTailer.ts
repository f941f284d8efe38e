import fs from 'node:fs';

const MAX_READ_PER_POLL = 16 * 1024 * 1024;
const MAX_LINE_BYTES = 1024 * 1024;
/**
 * Opening a FIFO waits for its other end (forever, in a synchronous open that no signal interrupts):
 * the channel is always opened non-blocking and read only if it is a regular file. 0 where the flag
 * does not exist (Windows has no FIFOs in the file system).
 */
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

/**
 * Follows a file that a process appends JSON lines to, from a starting offset, handing each complete
 * line to `onLine`. Polls (cheap, and works on every file system, unlike change notifications on
 * network mounts); {@link finish} reads what is left, including a last line without a newline. A line
 * longer than 1 MiB is skipped; a file that shrinks (truncated by the script) is followed from its new
 * end.
 */
export class MetricsFileTailer {
  private offset: number;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;
  private timer: NodeJS.Timeout | undefined;
  /** The file is not a regular file (a FIFO, a device, a folder): never read, said once. */
  private refused = false;

  constructor(private readonly file: string, private readonly onLine: (line: string) => void, startOffset = 0, private readonly onProblem: (message: string) => void = () => undefined) {
    this.offset = startOffset;
  }

  /**
   * Creates `file` empty if it does not exist, without ever blocking: a FIFO put in its place is
   * opened non-blocking (and left alone), where a plain open for writing would wait for a reader.
   */
  static create(file: string): void {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | O_NONBLOCK, 0o666);
    } catch (e) {
      // A FIFO without a reader (ENXIO) or a folder (EISDIR): the tailer says so when it looks.
      if ((e as NodeJS.ErrnoException).code === 'ENXIO' || (e as NodeJS.ErrnoException).code === 'EISDIR') return;
      throw e;
    }
    fs.closeSync(fd);
  }

  /** The size of `file` now, or 0: where an observer starts to attribute lines to a new command. */
  static sizeOf(file: string): number {
    try { return fs.statSync(file).size; } catch { return 0; }
  }

  start(intervalMs = 250): void {
    this.timer ??= setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  /** Reads whatever was appended since the last read. */
  poll(): void {
    if (this.refused) return;
    let fd: number;
    try { fd = fs.openSync(this.file, fs.constants.O_RDONLY | O_NONBLOCK); } catch { return; }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) {
        this.refused = true;
        this.onProblem(`the structured channel ${this.file} is not a regular file (${fileKind(stat)}): it is not read; append JSON lines to a regular file`);
        return;
      }
      const size = stat.size;
      if (size < this.offset) { this.offset = size; this.partial = []; this.partialBytes = 0; }
      let left = Math.min(size - this.offset, MAX_READ_PER_POLL);
      const buf = Buffer.allocUnsafe(Math.min(left, 1024 * 1024) || 1);
      while (left > 0) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), this.offset);
        if (n <= 0) break;
        this.offset += n;
        left -= n;
        this.consume(buf.subarray(0, n));
      }
    } catch {
      // The file vanished or is unreadable for a moment: try again on the next poll.
    } finally {
      try { fs.closeSync(fd); } catch { /* already closed */ }
    }
  }

  /** Stops polling, reads the rest, and hands over a last unterminated line. */
  finish(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
    for (let i = 0; i < 64; i++) {
      const before = this.offset;
      this.poll();
      if (this.offset === before) break;
    }
    if (this.partialBytes && !this.skipping) this.emit(Buffer.concat(this.partial, this.partialBytes));
    this.partial = [];
    this.partialBytes = 0;
  }

  private consume(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partialBytes) {
        this.partial.push(piece);
        this.emit(Buffer.concat(this.partial, this.partialBytes + piece.length));
      } else {
        this.emit(piece);
      }
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.skipping) {
      // Copy: the read buffer is reused for the next read.
      const rest = Buffer.from(chunk.subarray(start));
      this.partial.push(rest);
      this.partialBytes += rest.length;
      if (this.partialBytes > MAX_LINE_BYTES) { this.skipping = true; this.partial = []; this.partialBytes = 0; }
    }
  }

  private emit(line: Buffer): void {
    if (line.length > MAX_LINE_BYTES) return;
    try { this.onLine(line.toString('utf8')); } catch { /* a bad line never stops the tail */ }
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}
