// The text of the CodeLens above a training script: "last: val_acc 0.912 (+0.8% vs baseline) · 12 runs".

import type { RunSummary } from '../model';
import { headlineMetric } from '../metrics/headlineMetric';
import { inferMetricDirection, relativeWorsening, type DirectionOverrides } from '../metrics/metricDirection';

/** What the lens says about a script's runs. */
export interface ScriptLensSummary {
  /** `last: val_acc 0.912 (+0.8% vs baseline) · 12 runs` */
  readonly title: string;
  /** One line per fact, for the lens's tooltip. */
  readonly tooltip: string;
  /** The newest run of the script: what Re-run repeats. */
  readonly last: RunSummary;
  /** Its experiment's baseline, when it has one other than the last run. */
  readonly baseline: RunSummary | undefined;
  /** The last run's headline metric key, when it has metrics. */
  readonly key: string | undefined;
  /** True when the last run is worse than the baseline by more than the tolerance. */
  readonly worse: boolean;
}

export interface ScriptLensOptions {
  /** Formats a metric value (the editor's `metricValue`). */
  readonly format: (v: number) => string;
  readonly directions?: DirectionOverrides;
  /** Relative tolerance of `key` (0.01 = 1%): a run within it of the baseline is not called worse. */
  readonly tolerance?: (key: string) => number;
}

/**
 * The lens for a script from its runs (newest first) and the baseline of the newest run's experiment.
 * The change against the baseline is the signed relative change of the value (`+0.8%`: higher), and
 * says `worse` when the metric's direction makes it worse by more than the tolerance.
 */
export function scriptLensSummary(runs: readonly RunSummary[], baseline: RunSummary | undefined, options: ScriptLensOptions): ScriptLensSummary | undefined {
  const last = runs[0];
  if (!last) return undefined;
  const count = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const lead = last.status === 'running' ? 'running' : last.status === 'finished' ? 'last' : `last (${last.status})`;
  const headline = headlineMetric(last.metrics);
  const base = baseline && baseline.id !== last.id ? baseline : undefined;
  const tooltip = [`Last run: ${last.name} (${last.status}), ${new Date(last.startedAt).toLocaleString()}`, `Experiment: ${last.experiment}`];
  if (!headline) {
    return { title: `${lead}: ${last.name}, no metrics · ${count}`, tooltip: tooltip.join('\n'), last, baseline: base, key: undefined, worse: false };
  }
  const [key, summary] = headline;
  let vs = '';
  let worse = false;
  const baseValue = base?.metrics[key]?.last;
  if (baseline && baseline.id === last.id) {
    vs = ' (baseline)';
  } else if (base && baseValue !== undefined && Number.isFinite(baseValue) && Number.isFinite(summary.last)) {
    const change = baseValue === 0 ? (summary.last === 0 ? 0 : undefined) : (summary.last - baseValue) / Math.abs(baseValue);
    const direction = inferMetricDirection(key, options.directions);
    const worsening = direction ? relativeWorsening(direction, summary.last, baseValue) : 0;
    worse = worsening > (options.tolerance?.(key) ?? 0);
    vs = change === undefined ? ` (baseline ${options.format(baseValue)})` : ` (${signedPercent(change)} vs baseline${worse ? ', worse' : ''})`;
    tooltip.push(`Baseline: ${base.name}, ${key} ${options.format(baseValue)}${direction ? ` (${direction} is better)` : ''}`);
  } else if (base) {
    tooltip.push(`Baseline: ${base.name} has no ${key}`);
  }
  const step = last.status === 'running' ? ` (step ${summary.lastStep})` : '';
  return { title: `${lead}: ${key} ${options.format(summary.last)}${step}${vs} · ${count}`, tooltip: tooltip.join('\n'), last, baseline: base, key, worse };
}

/** 0.0081 -> "+0.8%", -0.083 -> "-8.3%", tiny changes keep two significant digits. */
export function signedPercent(change: number): string {
  const pct = change * 100;
  const abs = Math.abs(pct);
  const text = abs === 0 ? '0' : abs >= 10 ? abs.toFixed(0) : abs >= 0.1 ? abs.toFixed(1) : abs.toPrecision(2);
  return `${pct > 0 ? '+' : pct < 0 ? '-' : '±'}${text}%`;
}

/**
 * The line the lens goes above: the script's `if __name__ == "__main__":`, else its `def main(`,
 * else the first line.
 */
export function entryPointLine(text: string): number {
  const lines = text.split(/\r?\n/);
  const guard = lines.findIndex((l) => /^if\s+__name__\s*==\s*['"]__main__['"]\s*:/.test(l) || /^if\s+['"]__main__['"]\s*==\s*__name__\s*:/.test(l));
  if (guard >= 0) return guard;
  const main = lines.findIndex((l) => /^(async\s+)?def\s+main\s*\(/.test(l));
  return main >= 0 ? main : 0;
}
