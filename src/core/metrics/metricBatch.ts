import type { MetricPoint } from '../model';

/**
 * Metric points in columns, the shape a journal record stores them in (`k`: the keys, `f`: four
 * numbers per point: key index, step, value, time): the parser writes a busy log's points here and
 * the journal encodes them as they are, instead of allocating and re-reading an object per point
 * (a million-line log has two million points). Holds at most `capacity` points: `onFull` is called
 * as the last one goes in and must take them (drain()), and it holds only the keys its points use.
 */
export class MetricBatch {
  private keyList: string[] = [];
  private index = new Map<string, number>();
  private f: Float64Array;
  private count = 0;

  constructor(readonly capacity: number, private readonly onFull: (batch: MetricBatch) => void) {
    this.f = new Float64Array(capacity * 4);
  }

  /** Points held. */
  get length(): number {
    return this.count;
  }

  add(key: string, step: number, value: number, time: number): void {
    const keys = this.keyList;
    // A log line has a handful of keys, the same object each time: a scan beats hashing the key.
    let ki = keys.length <= 16 ? keys.indexOf(key) : this.index.get(key) ?? -1;
    if (ki < 0) {
      ki = keys.length;
      keys.push(key);
      this.index.set(key, ki);
    }
    const o = this.count * 4;
    const f = this.f;
    f[o] = ki;
    f[o + 1] = step;
    f[o + 2] = value;
    f[o + 3] = time;
    if (++this.count === this.capacity) this.onFull(this);
  }

  /** Takes the points out (the keys they use and their numbers, arrays the caller now owns) and empties the batch. */
  drain(): { keys: string[]; f: Float64Array } {
    // A full batch hands its array over (a fresh one costs less than a copy).
    const full = this.count === this.capacity;
    const out = { keys: this.keyList, f: full ? this.f : this.f.slice(0, this.count * 4) };
    if (full) this.f = new Float64Array(this.capacity * 4);
    this.keyList = [];
    this.index = new Map();
    this.count = 0;
    return out;
  }
}

/** Points in columns (as drain() gives them) as objects, for whoever wants objects. */
export function pointsOf(keys: readonly string[], f: Float64Array): MetricPoint[] {
  return Array.from({ length: f.length >> 2 }, (_, i) => ({ key: keys[f[4 * i]], step: f[4 * i + 1], value: f[4 * i + 2], time: f[4 * i + 3] }));
}
