import { downsampleMinMax, type Series } from './downsample';

/** One bucket of steps: its lowest and highest finite point, and one NaN point when it has any. */
interface Bucket {
  minStep: number; minValue: number; minTime: number;
  maxStep: number; maxValue: number; maxTime: number;
  nanStep: number; nanTime: number;
}

function emptyBucket(): Bucket {
  return { minStep: NaN, minValue: Infinity, minTime: 0, maxStep: NaN, maxValue: -Infinity, maxTime: 0, nanStep: NaN, nanTime: 0 };
}

/**
 * A min/max overview of a series that grows as points arrive in step order, so a live run's chart
 * (re-sent up to 4 times a second) costs only the new points instead of a full read of the series.
 * Buckets cover equal step widths; when there are too many, neighbours merge and the width doubles.
 * Extremes survive every merge, the first and last points are exact, and a bucket holding NaN keeps
 * one NaN so the gap shows. A last min/max pass brings it to at most `maxPoints` points.
 */
export class SeriesOverview {
  private readonly maxBuckets: number;
  private buckets: Bucket[] = [];
  private width = 1;
  private origin = NaN;
  private first: [number, number, number] | undefined;
  private last: [number, number, number] | undefined;
  /** Points taken in so far. */
  count = 0;

  constructor(readonly maxPoints: number) {
    // Twice as many buckets as the budget: widths double when full, so between half and all of them
    // are in use; the final min/max pass then fills the budget instead of leaving it half used.
    this.maxBuckets = Math.max(1, maxPoints);
  }

  /** The last step taken in (points must come in increasing step order). */
  get lastStep(): number {
    return this.last ? this.last[0] : -Infinity;
  }

  add(step: number, value: number, time: number): void {
    if (this.first === undefined) { this.first = [step, value, time]; this.origin = step; }
    this.last = [step, value, time];
    this.count++;
    let b = Math.floor((step - this.origin) / this.width);
    while (b >= this.maxBuckets) {
      this.mergePairs();
      b = Math.floor((step - this.origin) / this.width);
    }
    while (this.buckets.length <= b) this.buckets.push(emptyBucket());
    const k = this.buckets[b];
    if (Number.isNaN(value)) {
      if (Number.isNaN(k.nanStep)) { k.nanStep = step; k.nanTime = time; }
      return;
    }
    if (value < k.minValue) { k.minValue = value; k.minStep = step; k.minTime = time; }
    if (value > k.maxValue) { k.maxValue = value; k.maxStep = step; k.maxTime = time; }
  }

  private mergePairs(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i];
      const b = this.buckets[i + 1];
      if (!b) { merged.push(a); continue; }
      const m = emptyBucket();
      for (const x of [a, b]) {
        if (x.minValue < m.minValue) { m.minValue = x.minValue; m.minStep = x.minStep; m.minTime = x.minTime; }
        if (x.maxValue > m.maxValue) { m.maxValue = x.maxValue; m.maxStep = x.maxStep; m.maxTime = x.maxTime; }
        if (Number.isNaN(m.nanStep) && !Number.isNaN(x.nanStep)) { m.nanStep = x.nanStep; m.nanTime = x.nanTime; }
      }
      merged.push(m);
    }
    this.buckets = merged;
    this.width *= 2;
  }

  /** The overview as columns, in step order. */
  toSeries(): Series {
    const pts: [number, number, number][] = [];
    if (this.first) pts.push(this.first);
    for (const k of this.buckets) {
      const inBucket: [number, number, number][] = [];
      if (!Number.isNaN(k.minStep)) inBucket.push([k.minStep, k.minValue, k.minTime]);
      if (!Number.isNaN(k.maxStep) && k.maxStep !== k.minStep) inBucket.push([k.maxStep, k.maxValue, k.maxTime]);
      if (!Number.isNaN(k.nanStep)) inBucket.push([k.nanStep, NaN, k.nanTime]);
      inBucket.sort((x, y) => x[0] - y[0]);
      for (const p of inBucket) if (p[0] > pts[pts.length - 1][0]) pts.push(p);
    }
    if (this.last && this.last[0] > pts[pts.length - 1][0]) pts.push(this.last);
    else if (this.last && pts.length) pts[pts.length - 1] = this.last; // the last point is exact
    const steps = new Float64Array(pts.length);
    const values = new Float64Array(pts.length);
    const times = new Float64Array(pts.length);
    pts.forEach(([s, v, t], i) => { steps[i] = s; values[i] = v; times[i] = t; });
    return downsampleMinMax({ steps, values, times }, this.maxPoints);
  }
}
