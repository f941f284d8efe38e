/**
 * The newest one-byte-per-character lines (journal metric records: ASCII) kept as bytes in one
 * buffer allocated once, oldest overwritten first. Held as strings, a window of tens of megabytes
 * would survive every young-generation GC and be copied by each; held as a buffer per line, its
 * churn of external memory would set off full GCs instead.
 */
export class LineRing<M> {
  private buf: Buffer | undefined;
  /** Where the next line starts. */
  private at = 0;
  /** Lines in the ring, oldest first, from `head` on. */
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly metas: M[] = [];
  private head = 0;

  /** `onDrop` hears of each line overwritten (or too long to keep), oldest first. */
  constructor(readonly capacity: number, private readonly onDrop: (meta: M) => void) {}

  /** Keeps `line` (one byte per character), dropping the oldest lines it needs the room of. */
  push(line: string, meta: M): void {
    const n = line.length;
    if (n > this.capacity) { this.onDrop(meta); return; }
    if (this.at + n > this.capacity) {
      // Lines stay whole: the end's leftover is skipped, and the oldest lines, there, dropped with it
      // (less than this line's length of them).
      while (this.head < this.starts.length && this.starts[this.head] >= this.at) this.drop();
      this.at = 0;
    }
    const from = this.at;
    const to = from + n;
    // The oldest lines are those just ahead of `at` in the ring: drop those the new one overlaps.
    while (this.head < this.starts.length) {
      const s = this.starts[this.head];
      if (s >= to || s + this.lengths[this.head] <= from) break;
      this.drop();
    }
    this.buf ??= Buffer.allocUnsafeSlow(this.capacity);
    this.buf.write(line, from, n, 'latin1');
    this.starts.push(from);
    this.lengths.push(n);
    this.metas.push(meta);
    this.at = to;
    if (this.head > 4096 && this.head * 2 > this.starts.length) {
      this.starts.splice(0, this.head);
      this.lengths.splice(0, this.head);
      this.metas.splice(0, this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.onDrop(this.metas[this.head]);
    this.head++;
  }

  /** The lines kept, oldest first, with what was pushed with them. */
  *lines(): Generator<[string, M]> {
    for (let i = this.head; i < this.starts.length; i++) {
      yield [(this.buf as Buffer).toString('latin1', this.starts[i], this.starts[i] + this.lengths[i]), this.metas[i]];
    }
  }
}
