/**
 * TensorBoard's debiased exponential moving average: early points are not pulled towards zero, and
 * non-finite values pass through without poisoning what follows.
 */
export function ema(values: Float64Array, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  if (weight <= 0) {
    out.set(values);
    return out;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - Math.pow(weight, n));
  }
  return out;
}
