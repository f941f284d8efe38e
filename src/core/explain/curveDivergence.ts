// Where a run's curve parts from its baseline's: the first step at which the run leaves the baseline's
// band and stays out of it. The band is the baseline's value there, widened by the baseline's own
// step-to-step noise (so a noisy curve gets a wide band) and never narrower than the tolerance.

import type { MetricDirection } from '../metrics/metricDirection';

export interface Curve {
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface CurveDivergence {
  /** First step of the run outside the band, from which it stays outside (worse side when the direction is known). */
  readonly step: number;
  readonly value: number;
  readonly baselineValue: number;
  /** Half-width of the band at that step. */
  readonly band: number;
  /** 'worse' or 'better' with a known direction, else 'above'/'below'. */
  readonly side: 'worse' | 'better' | 'above' | 'below';
}

/** Points in a row the run must stay outside the band (fewer when the run has fewer points left). */
const PERSIST = 3;

/**
 * The first step where `run` leaves `baseline`'s band and stays outside it for {@link PERSIST} points (or
 * to its end), comparing at the run's steps within the baseline's step range (the baseline's value
 * linearly interpolated). Null when the curves do not part or share no steps.
 */
export function curveDivergence(
  run: Curve, baseline: Curve, options: { tolerance: number; direction?: MetricDirection; noiseK?: number } = { tolerance: 0.01 },
): CurveDivergence | null {
  const b = finitePoints(baseline);
  const r = finitePoints(run);
  if (b.steps.length < 2 || !r.steps.length) return null;
  const noise = robustNoise(b.values) * (options.noiseK ?? 3);
  const first = b.steps[0];
  const last = b.steps[b.steps.length - 1];
  const outside: { step: number; value: number; base: number; band: number; sign: number }[] = [];
  let j = 0;
  for (let i = 0; i < r.steps.length; i++) {
    const s = r.steps[i];
    if (s < first || s > last) { outside.push({ step: s, value: NaN, base: NaN, band: NaN, sign: 0 }); continue; }
    while (j + 1 < b.steps.length && b.steps[j + 1] < s) j++;
    const base = interpolate(b.steps, b.values, j, s);
    const band = Math.max(noise, Math.abs(base) * options.tolerance);
    const d = r.values[i] - base;
    outside.push({ step: s, value: r.values[i], base, band, sign: Math.abs(d) > band ? Math.sign(d) : 0 });
  }
  for (let i = 0; i < outside.length; i++) {
    const o = outside[i];
    if (!o.sign) continue;
    let k = i;
    while (k + 1 < outside.length && k - i + 1 < PERSIST && outside[k + 1].sign === o.sign) k++;
    const remaining = outside.slice(i).filter((p) => !Number.isNaN(p.base)).length;
    if (k - i + 1 >= Math.min(PERSIST, remaining)) {
      const side = options.direction
        ? ((options.direction === 'lower') === (o.sign > 0) ? 'worse' : 'better')
        : o.sign > 0 ? 'above' : 'below';
      return { step: o.step, value: o.value, baselineValue: o.base, band: o.band, side };
    }
  }
  return null;
}

function finitePoints(c: Curve): { steps: number[]; values: number[] } {
  const steps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < c.steps.length; i++) {
    if (Number.isFinite(c.steps[i]) && Number.isFinite(c.values[i])) { steps.push(c.steps[i]); values.push(c.values[i]); }
  }
  return { steps, values };
}

function interpolate(steps: readonly number[], values: readonly number[], j: number, s: number): number {
  if (steps[j] >= s || j + 1 >= steps.length) return values[j];
  const t = (s - steps[j]) / (steps[j + 1] - steps[j]);
  return values[j] + t * (values[j + 1] - values[j]);
}

/**
 * The baseline's point-to-point noise: the median absolute successive difference, scaled to a standard
 * deviation (÷ (√2 · 0.6745)). Robust to the curve's trend and to a few spikes.
 */
function robustNoise(values: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < values.length; i++) d.push(Math.abs(values[i] - values[i - 1]));
  d.sort((a, b) => a - b);
  const mid = d.length / 2;
  const median = d.length % 2 ? d[Math.floor(mid)] : (d[mid - 1] + d[mid]) / 2;
  return median / (Math.SQRT2 * 0.6745);
}
