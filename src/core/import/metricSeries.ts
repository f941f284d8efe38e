// One metric of an imported run as three growing columns (step, time, value): a million points cost
// 24 MB of typed arrays, not a million objects. NaN and ±Infinity are kept as they are.

export class MetricSeries {
  steps: Float64Array;
  times: Float64Array;
  values: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.steps = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Appends one point; `time` in ms since the epoch (NaN when the source has none). */
  add(step: number, time: number, value: number): void {
    if (this.length === this.steps.length) this.grow();
    const i = this.length++;
    this.steps[i] = step;
    this.times[i] = time;
    this.values[i] = value;
  }

  /** The last point's time, or NaN for an empty series. */
  lastTime(): number {
    return this.length ? this.times[this.length - 1] : NaN;
  }

  private grow(): void {
    const n = this.steps.length * 2;
    const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(n); b.set(a); return b; };
    this.steps = grow(this.steps);
    this.times = grow(this.times);
    this.values = grow(this.values);
  }
}

/** The series of `key` in `metrics`, created empty on first use. */
export function seriesOf(metrics: Map<string, MetricSeries>, key: string): MetricSeries {
  let s = metrics.get(key);
  if (!s) metrics.set(key, s = new MetricSeries());
  return s;
}
