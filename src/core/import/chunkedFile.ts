// Sequential reads of a file of any size through one buffer that is refilled as the reader moves
// on: record readers see byte ranges without loading a whole (possibly multi-GB) log file.
import fs from 'node:fs';

export class ChunkedFile {
  private buf: Buffer;
  /** File offset of buf[0], and how many bytes of buf are valid. */
  private bufAt = 0;
  private bufLen = 0;
  readonly size: number;

  private constructor(private readonly fd: number, chunk: number) {
    this.size = fs.fstatSync(fd).size;
    this.buf = Buffer.allocUnsafe(chunk);
  }

  static open(file: string, chunk = 1 << 20): ChunkedFile {
    return new ChunkedFile(fs.openSync(file, 'r'), chunk);
  }

  /**
   * `len` bytes at `pos` as a view valid until the next call, or fewer where the file ends. Reads
   * are expected to move forward.
   */
  read(pos: number, len: number): Uint8Array {
    const at = this.load(pos, len);
    return this.buf.subarray(at, at + Math.max(0, Math.min(pos + len, this.size) - pos));
  }

  /** The buffer that {@link load} fills (replaced when a read needs a bigger one). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /**
   * Makes `len` bytes at `pos` (fewer where the file ends) available in {@link buffer} and returns
   * where they start there: no view object per read.
   */
  load(pos: number, len: number): number {
    const end = Math.min(pos + len, this.size);
    if (pos < this.bufAt || end > this.bufAt + this.bufLen) {
      if (end - pos > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(end - pos, this.buf.length * 2));
      this.bufAt = pos;
      this.bufLen = 0;
      while (this.bufLen < this.buf.length && pos + this.bufLen < this.size) {
        const n = fs.readSync(this.fd, this.buf, this.bufLen, this.buf.length - this.bufLen, pos + this.bufLen);
        if (n <= 0) break;
        this.bufLen += n;
      }
    }
    return pos - this.bufAt;
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }
}
