import { experimentTrend } from '../../core/editor/experimentTrend';
import { headlineMetric } from '../../core/metrics/headlineMetric';
import type { DirectionOverrides } from '../../core/metrics/metricDirection';
import type { RunSummary } from '../../core/model';
import type { TrendData } from '../../protocol/panelData';

/** Runs drawn on a trend at most: the newest ones (a chart of 10,000 points says no more). */
const MAX_POINTS = 500;

/**
 * `run`'s headline metric across the runs of its experiment, oldest first, for the Run panel's trend;
 * null when fewer than two runs have it. Non-finite values are left out (they do not plot).
 */
export function trendData(run: RunSummary, experimentRuns: readonly RunSummary[], baselineRunId: string | undefined,
  directions: DirectionOverrides): TrendData | null {
  const key = headlineMetric(run.metrics)?.[0];
  if (!key) return null;
  const finite = experimentRuns.filter((r) => Number.isFinite(r.metrics[key]?.last));
  const trend = experimentTrend(finite, key, directions);
  if (trend.points.length < 2) return null;
  return {
    experiment: run.experiment, key, direction: trend.direction ?? null, baselineRunId: baselineRunId ?? null,
    points: trend.points.slice(-MAX_POINTS).map((p) => ({ runId: p.runId, name: p.name, startedAt: p.startedAt, value: p.value, bestSoFar: p.bestSoFar })),
  };
}
