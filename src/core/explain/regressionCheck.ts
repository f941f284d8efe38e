// The check at the end of a run: is it worse than its experiment's baseline? Pure; the CLI and the
// editor call it with the two runs' summaries and the workspace's metrics config.

import type { MetricSummary, RunSummary } from '../model';
import { inferMetricDirection, relativeWorsening, type DirectionOverrides, type MetricDirection } from '../metrics/metricDirection';
import { toleranceFor, type MetricsConfig } from '../metrics/metricsConfig';

/** One headline number of the run that is worse than the baseline's by more than the tolerance. */
export interface MetricRegression {
  readonly key: string;
  /** `final`: the last value; `best`: the best value over the run by the metric's direction. */
  readonly which: 'final' | 'best';
  readonly direction: MetricDirection;
  readonly value: number;
  readonly baselineValue: number;
  /** Relative: 0.083 = 8.3% worse (Infinity when the baseline's value is 0). */
  readonly worseBy: number;
  readonly tolerance: number;
}

export interface RegressionReport {
  readonly runId: string;
  readonly baselineId: string;
  readonly baselineName: string;
  /** Metric keys compared: both runs have them and their direction is known. */
  readonly compared: readonly string[];
  /** Worst first. */
  readonly regressions: readonly MetricRegression[];
}

/** The best value of a metric over a run by its direction. */
export function bestValue(m: MetricSummary, direction: MetricDirection): number {
  return direction === 'lower' ? m.min : m.max;
}

/**
 * Compares a run's metrics with its baseline's: for every metric both have whose direction is known
 * (from the name or an override), the final and the best values. A value worse by more than the
 * key's relative tolerance is a regression. Metrics without a known direction are not judged.
 */
export function checkRegression(
  run: RunSummary, baseline: RunSummary, config: MetricsConfig, overrides: DirectionOverrides = {},
): RegressionReport {
  const directions = { ...config.directions, ...overrides };
  const compared: string[] = [];
  const regressions: MetricRegression[] = [];
  for (const key of Object.keys(run.metrics).sort()) {
    const mine = run.metrics[key];
    const theirs = baseline.metrics[key];
    const direction = inferMetricDirection(key, directions);
    if (!theirs || !direction || !mine.count || !theirs.count) continue;
    compared.push(key);
    const tolerance = toleranceFor(config, key);
    const pairs: [MetricRegression['which'], number, number][] = [
      ['final', mine.last, theirs.last],
      ['best', bestValue(mine, direction), bestValue(theirs, direction)],
    ];
    for (const [which, value, baselineValue] of pairs) {
      const worseBy = relativeWorsening(direction, value, baselineValue);
      if (worseBy > tolerance) regressions.push({ key, which, direction, value, baselineValue, worseBy, tolerance });
    }
  }
  regressions.sort((a, b) => b.worseBy - a.worseBy || a.key.localeCompare(b.key) || (a.which === 'final' ? -1 : 1));
  return { runId: run.id, baselineId: baseline.id, baselineName: baseline.name, compared, regressions };
}

/**
 * The sentence for one regression: `val_loss 0.412 is 8.3% worse than baseline calm-heron-12 (0.380)`;
 * the best value says so (`best val_acc 0.801 …`).
 */
export function regressionSentence(r: MetricRegression, baselineName: string): string {
  const [v, b] = distinctPair(r.value, r.baselineValue);
  const how = Number.isFinite(r.worseBy) ? `${percent(r.worseBy)} worse` : 'worse';
  return `${r.which === 'best' ? 'best ' : ''}${r.key} ${v} is ${how} than baseline ${baselineName} (${b})`;
}

/** The report in one line per regression, worst first; empty when the run is not worse. */
export function regressionLines(report: RegressionReport): string[] {
  return report.regressions.map((r) => regressionSentence(r, report.baselineName));
}

/** 0.0834 -> "8.3%", 0.00012 -> "0.012%", 3.5 -> "350%". */
export function percent(fraction: number): string {
  const p = fraction * 100;
  if (Math.abs(p) >= 10) return `${Math.round(p)}%`;
  if (Math.abs(p) >= 0.1) return `${p.toFixed(1)}%`;
  return `${Number(p.toPrecision(2))}%`;
}

/**
 * Two numbers written with as few significant digits as tell them apart (at least 3, at most 10):
 * 0.412 and 0.38 give "0.412" and "0.380", 0.38012 and 0.38049 give "0.3801" and "0.3805".
 */
export function distinctPair(a: number, b: number): [string, string] {
  for (let digits = 3; digits <= 10; digits++) {
    const x = formatDigits(a, digits);
    const y = formatDigits(b, digits);
    if (x !== y || a === b || digits === 10) return [x, y];
  }
  return [String(a), String(b)];
}

function formatDigits(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(digits - 1);
  // toPrecision keeps the trailing zeros that show the precision (0.380).
  return v.toPrecision(Math.max(digits, Math.floor(Math.log10(a || 1)) + 1));
}
