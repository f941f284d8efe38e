/** A metric series as parallel arrays, in step order. */
export interface Series {
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly times: Float64Array;
}

/**
 * Min/max bucket downsampling (what TensorBoard and W&B charts do): the steps are cut into
 * `maxPoints / 2` buckets and each keeps its lowest and highest value in step order, so spikes
 * survive. The first and the exact last point are always kept; a bucket holding NaN keeps one NaN so
 * the gap shows.
 */
export function downsampleMinMax(s: Series, maxPoints: number): Series {
  const n = s.steps.length;
  if (!(maxPoints >= 2) || n <= maxPoints) return s;
  // Each run of NaN adds at most one marker in each of the two buckets at its ends: leave room for
  // them (up to a quarter of the budget) so gaps still show within the point budget.
  let nanRuns = 0;
  for (let i = 0; i < n; i++) if (Number.isNaN(s.values[i]) && (i === 0 || !Number.isNaN(s.values[i - 1]))) nanRuns++;
  const reserve = Math.min(2 * nanRuns, Math.floor(maxPoints / 4));
  const buckets = Math.max(1, Math.floor((maxPoints - 2 - reserve) / 2));
  const keep: number[] = [0];
  const per = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * per);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * per));
    let lo = -1; let hi = -1; let nan = -1;
    for (let i = from; i < to; i++) {
      const v = s.values[i];
      if (Number.isNaN(v)) { if (nan < 0) nan = i; continue; }
      if (lo < 0 || v < s.values[lo]) lo = i;
      if (hi < 0 || v > s.values[hi]) hi = i;
    }
    // The bucket's picks in index order (-1: none), without allocating: charts call this per refresh.
    for (let prev = -1; ;) {
      let i = Infinity;
      if (lo > prev && lo < i) i = lo;
      if (hi > prev && hi < i) i = hi;
      if (nan > prev && nan < i) i = nan;
      if (i === Infinity) break;
      if (keep[keep.length - 1] !== i) keep.push(i);
      prev = i;
    }
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  // NaN markers are extra points: drop some (never the first or last point) to stay within budget.
  for (let j = keep.length - 2; keep.length > maxPoints && j > 0; j--) {
    if (Number.isNaN(s.values[keep[j]])) keep.splice(j, 1);
  }
  const steps = new Float64Array(keep.length);
  const values = new Float64Array(keep.length);
  const times = new Float64Array(keep.length);
  keep.forEach((i, j) => { steps[j] = s.steps[i]; values[j] = s.values[i]; times[j] = s.times[i]; });
  return { steps, values, times };
}
