import { downsampleMinMax, type Series } from './downsample';

/** Fields of one bucket in {@link SeriesOverview}'s flat array. */
const MIN_STEP = 0, MIN_VALUE = 1, MIN_TIME = 2, MAX_STEP = 3, MAX_VALUE = 4, MAX_TIME = 5, NAN_STEP = 6, NAN_TIME = 7;
const FIELDS = 8;
/** Scratch columns {@link SeriesOverview} fills before downsampling (one thread: one set). */
let scratch: Series = { steps: new Float64Array(0), values: new Float64Array(0), times: new Float64Array(0) };
/** Header of a snapshot: format, origin, width, count, number of points. */
const HEADER = 5;
const SNAPSHOT_FORMAT = 1;

/**
 * A min/max overview of a series that grows as points arrive in step order, so a chart of a long
 * series (re-sent up to 4 times a second while it runs, or opened cold from a saved store) costs the
 * overview instead of a full read. Buckets cover equal step widths; when there are too many,
 * neighbours merge and the width doubles. Extremes survive every merge, the first and last points
 * are exact, and a bucket holding NaN keeps one NaN so the gap shows. A last min/max pass brings it to
 * at most `maxPoints` points.
 *
 * Buckets live in one Float64Array and the first/last points in plain fields: the fold feeds every
 * point of a long series through {@link add}, so it must not allocate per point.
 */
export class SeriesOverview {
  private readonly maxBuckets: number;
  private buckets: Float64Array;
  private used = 0;
  private width = 1;
  private origin = NaN;
  private firstStep = NaN; private firstValue = NaN; private firstTime = 0;
  private lastStepValue = -Infinity; private lastValue = NaN; private lastTime = 0;
  /** A restored snapshot's points, turned into buckets only when a point is added. */
  private restored: Series | undefined;
  /** Points taken in so far. */
  count = 0;

  constructor(readonly maxPoints: number) {
    this.maxBuckets = Math.max(1, maxPoints);
    this.buckets = new Float64Array(0);
  }

  /** The last step taken in (points must come in increasing step order). */
  get lastStep(): number {
    return this.lastStepValue;
  }

  add(step: number, value: number, time: number): void {
    if (this.restored) this.materialize();
    if (this.count === 0) { this.firstStep = step; this.firstValue = value; this.firstTime = time; this.origin = step; }
    this.lastStepValue = step; this.lastValue = value; this.lastTime = time;
    this.count++;
    this.putInBucket(step, value, time);
  }

  private putInBucket(step: number, value: number, time: number): void {
    let b = Math.floor((step - this.origin) / this.width);
    while (b >= this.maxBuckets) {
      this.mergePairs();
      b = Math.floor((step - this.origin) / this.width);
    }
    if (b >= this.used) this.grow(b + 1);
    const o = b * FIELDS;
    const k = this.buckets;
    if (value !== value) {
      if (k[o + NAN_STEP] !== k[o + NAN_STEP]) { k[o + NAN_STEP] = step; k[o + NAN_TIME] = time; }
      return;
    }
    if (value < k[o + MIN_VALUE]) { k[o + MIN_VALUE] = value; k[o + MIN_STEP] = step; k[o + MIN_TIME] = time; }
    if (value > k[o + MAX_VALUE]) { k[o + MAX_VALUE] = value; k[o + MAX_STEP] = step; k[o + MAX_TIME] = time; }
  }

  /** Makes buckets [used, n) exist and empty. */
  private grow(n: number): void {
    if (n * FIELDS > this.buckets.length) {
      const bigger = new Float64Array(Math.min(this.maxBuckets, Math.max(n, this.used * 2, 64)) * FIELDS);
      bigger.set(this.buckets.subarray(0, this.used * FIELDS));
      this.buckets = bigger;
    }
    for (let b = this.used; b < n; b++) clearBucket(this.buckets, b * FIELDS);
    this.used = n;
  }

  private mergePairs(): void {
    const k = this.buckets;
    let out = 0;
    for (let i = 0; i < this.used; i += 2, out++) {
      const a = i * FIELDS;
      const m = out * FIELDS;
      if (a !== m) k.copyWithin(m, a, a + FIELDS);
      if (i + 1 >= this.used) continue;
      const b = a + FIELDS;
      if (k[b + MIN_VALUE] < k[m + MIN_VALUE]) { k[m + MIN_VALUE] = k[b + MIN_VALUE]; k[m + MIN_STEP] = k[b + MIN_STEP]; k[m + MIN_TIME] = k[b + MIN_TIME]; }
      if (k[b + MAX_VALUE] > k[m + MAX_VALUE]) { k[m + MAX_VALUE] = k[b + MAX_VALUE]; k[m + MAX_STEP] = k[b + MAX_STEP]; k[m + MAX_TIME] = k[b + MAX_TIME]; }
      if (k[m + NAN_STEP] !== k[m + NAN_STEP] && k[b + NAN_STEP] === k[b + NAN_STEP]) { k[m + NAN_STEP] = k[b + NAN_STEP]; k[m + NAN_TIME] = k[b + NAN_TIME]; }
    }
    this.used = out;
    this.width *= 2;
  }

  /**
   * The kept points in step order before the final downsampling: the first point, each bucket's
   * extremes and NaN marker, and the exact last point.
   */
  points(): Series {
    if (this.restored) return this.restored;
    const n = this.fill();
    return { steps: scratch.steps.slice(0, n), values: scratch.values.slice(0, n), times: scratch.times.slice(0, n) };
  }

  /**
   * Writes {@link points} into the shared scratch columns (valid until the next call) and returns how
   * many: a live chart asks 4 times a second per series, and fresh arrays fault their pages in.
   */
  private fill(): number {
    const cap = 2 + this.used * 3;
    if (scratch.steps.length < cap) scratch = { steps: new Float64Array(cap), values: new Float64Array(cap), times: new Float64Array(cap) };
    const { steps, values, times } = scratch;
    let n = 0;
    const push = (s: number, v: number, t: number): void => {
      if (n > 0 && !(s > steps[n - 1])) return;
      steps[n] = s; values[n] = v; times[n] = t; n++;
    };
    if (this.count > 0) push(this.firstStep, this.firstValue, this.firstTime);
    const k = this.buckets;
    for (let b = 0; b < this.used; b++) {
      const o = b * FIELDS;
      // Up to three points per bucket, pushed in step order (NaN steps never compare true and are
      // skipped); no allocation per bucket: a live chart rebuilds this several times a second.
      const a = k[o + MIN_STEP], c = k[o + MAX_STEP] === a ? NaN : k[o + MAX_STEP], z = k[o + NAN_STEP];
      let last = -Infinity;
      for (let left = 3; left > 0; left--) {
        let next = Infinity;
        if (a > last && a < next) next = a;
        if (c > last && c < next) next = c;
        if (z > last && z < next) next = z;
        if (next === Infinity) break;
        if (next === a) push(a, k[o + MIN_VALUE], k[o + MIN_TIME]);
        if (next === c) push(c, k[o + MAX_VALUE], k[o + MAX_TIME]);
        if (next === z) push(z, NaN, k[o + NAN_TIME]);
        last = next;
      }
    }
    if (this.count > 0) {
      if (n > 0 && this.lastStepValue === steps[n - 1]) { values[n - 1] = this.lastValue; times[n - 1] = this.lastTime; } // exact
      else push(this.lastStepValue, this.lastValue, this.lastTime);
    }
    return n;
  }

  /** The overview as columns, in step order, at most `maxPoints` points. */
  toSeries(maxPoints = this.maxPoints): Series {
    const budget = Math.min(maxPoints, this.maxPoints);
    if (this.restored) return downsampleMinMax(this.restored, budget);
    const n = this.fill();
    const view = { steps: scratch.steps.subarray(0, n), values: scratch.values.subarray(0, n), times: scratch.times.subarray(0, n) };
    // Downsampling makes new arrays; at or under the budget the scratch is copied out instead.
    return n > budget ? downsampleMinMax(view, budget) : { steps: view.steps.slice(), values: view.values.slice(), times: view.times.slice() };
  }

  /** Everything needed to go on growing it later, as one array (stored as a BLOB). */
  snapshot(): Float64Array {
    const p = this.points();
    const n = p.steps.length;
    const out = new Float64Array(HEADER + 3 * n);
    out[0] = SNAPSHOT_FORMAT; out[1] = this.origin; out[2] = this.width; out[3] = this.count; out[4] = n;
    out.set(p.steps, HEADER);
    out.set(p.values, HEADER + n);
    out.set(p.times, HEADER + 2 * n);
    return out;
  }

  /**
   * An overview from {@link snapshot}'s array, or undefined when it is not one (another format, a
   * different budget, a damaged blob). Its points are kept as they are until a point is added.
   */
  static restore(maxPoints: number, data: Float64Array): SeriesOverview | undefined {
    if (data.length < HEADER || data[0] !== SNAPSHOT_FORMAT) return undefined;
    const n = data[4];
    if (!Number.isInteger(n) || data.length !== HEADER + 3 * n || !(data[3] >= n) || !(data[2] > 0)) return undefined;
    const ov = new SeriesOverview(maxPoints);
    const steps = data.slice(HEADER, HEADER + n);
    const values = data.slice(HEADER + n, HEADER + 2 * n);
    const times = data.slice(HEADER + 2 * n, HEADER + 3 * n);
    if (n > 0 && Math.floor((steps[n - 1] - data[1]) / data[2]) >= ov.maxBuckets) return undefined; // made for a bigger budget
    ov.origin = data[1];
    ov.width = data[2];
    ov.count = data[3];
    if (n > 0) {
      ov.firstStep = steps[0]; ov.firstValue = values[0]; ov.firstTime = times[0];
      ov.lastStepValue = steps[n - 1]; ov.lastValue = values[n - 1]; ov.lastTime = times[n - 1];
    }
    ov.restored = { steps, values, times };
    return ov;
  }

  /**
   * Rebuilds the buckets from restored points. They hold every bucket's extremes and NaN marker (plus
   * the first and last points, which lie within their buckets' extremes), so the buckets come out
   * as they were.
   */
  private materialize(): void {
    const p = this.restored!;
    this.restored = undefined;
    for (let i = 0; i < p.steps.length; i++) this.putInBucket(p.steps[i], p.values[i], p.times[i]);
  }
}

function clearBucket(k: Float64Array, o: number): void {
  k[o + MIN_STEP] = NaN; k[o + MIN_VALUE] = Infinity; k[o + MIN_TIME] = 0;
  k[o + MAX_STEP] = NaN; k[o + MAX_VALUE] = -Infinity; k[o + MAX_TIME] = 0;
  k[o + NAN_STEP] = NaN; k[o + NAN_TIME] = 0;
}
