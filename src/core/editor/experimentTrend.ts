// Is this experiment getting better? Its runs in start order with one metric's value each, and the
// best so far; and the runs ordered by a metric for the Runs view's sort.

import type { RunSummary } from '../model';
import { inferMetricDirection, isBetter, type DirectionOverrides, type MetricDirection } from '../metrics/metricDirection';

export interface TrendPoint {
  readonly runId: string;
  readonly name: string;
  readonly startedAt: number;
  /** The run's last value of the metric. */
  readonly value: number;
  /** The best value of the runs up to this one (by the direction), or the value without a direction. */
  readonly bestSoFar: number;
}

export interface ExperimentTrend {
  readonly key: string;
  readonly direction: MetricDirection | undefined;
  /** Oldest first; runs without the metric (or with NaN) are left out. */
  readonly points: readonly TrendPoint[];
}

/** `key`'s last value across `runs`, oldest first, with the best so far. */
export function experimentTrend(runs: readonly RunSummary[], key: string, directions: DirectionOverrides = {}): ExperimentTrend {
  const direction = inferMetricDirection(key, directions);
  const ordered = runs.filter((r) => r.metrics[key] && !Number.isNaN(r.metrics[key].last))
    .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
  let best: number | undefined;
  const points = ordered.map((r) => {
    const value = r.metrics[key].last;
    if (best === undefined || (direction && isBetter(direction, value, best))) best = value;
    return { runId: r.id, name: r.name, startedAt: r.startedAt, value, bestSoFar: direction ? best : value };
  });
  return { key, direction, points };
}

/** How the Runs view orders the runs of a group. */
export type RunOrder = { readonly by: 'newest' } | { readonly by: 'metric'; readonly key: string };

/**
 * Runs by a metric's last value, best first by its direction (highest first when the name says
 * nothing); runs without it (or NaN) after, newest first among themselves.
 */
export function sortRunsByMetric<T extends RunSummary>(runs: readonly T[], key: string, directions: DirectionOverrides = {}): T[] {
  const direction = inferMetricDirection(key, directions) ?? 'higher';
  const value = (r: T): number | undefined => {
    const v = r.metrics[key]?.last;
    return v === undefined || Number.isNaN(v) ? undefined : v;
  };
  return [...runs].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === undefined || vb === undefined) return va !== undefined ? -1 : vb !== undefined ? 1 : b.startedAt - a.startedAt;
    if (va === vb) return b.startedAt - a.startedAt;
    return direction === 'lower' ? va - vb : vb - va;
  });
}

/** The metric keys of `runs`, most common first: what the sort offers. */
export function metricKeysOf(runs: readonly RunSummary[]): string[] {
  const count = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) count.set(k, (count.get(k) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}
