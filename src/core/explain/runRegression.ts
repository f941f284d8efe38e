// The end-of-run check as the CLI and the editor run it: find the run's experiment baseline and compare.

import type { DirectionOverrides } from '../metrics/metricDirection';
import type { MetricsConfig } from '../metrics/metricsConfig';
import { baselineOf, type BaselineStore } from './baseline';
import { checkRegression, type RegressionReport } from './regressionCheck';

/**
 * The regression report of a finished run against its experiment's baseline; null when there is
 * nothing to compare (no baseline, the run is the baseline, the run did not finish: a failed or killed
 * run is already known to be worse).
 */
export function regressionOfRun(store: BaselineStore, runId: string, config: MetricsConfig, overrides: DirectionOverrides = {}): RegressionReport | null {
  const run = store.getRun(runId);
  if (!run || run.status !== 'finished') return null;
  const baselineId = baselineOf(store, run.experiment);
  if (!baselineId || baselineId === runId) return null;
  const baseline = store.getRun(baselineId);
  if (!baseline) return null;
  return checkRegression(run, baseline, config, overrides);
}
