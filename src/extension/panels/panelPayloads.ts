import type { RunDetail } from '../../core/model';
import type {
  GitData, MetricDirection, MetricSummaryData, RunData, RunDetailData, SeriesData, StepRange,
} from '../../protocol/panelData';
import type { PanelDataSource } from './panelContext';
import { inferMetricDirection } from '../../core/metrics/metricDirection';
import { downsampleMinMax } from '../../core/store/downsample';
import { terminalScreen } from '../../core/metrics/terminalScreen';
import { environmentRows } from '../../core/display/environmentRows';

/** Most points per series ever sent to a chart (the cap). */
export const maxChartPoints = 2000;

/** The webview's own estimate (two per device pixel of a chart), kept within [200, 2000]. */
export function pointBudget(requested: number | undefined): number {
  return requested === undefined || !Number.isFinite(requested) ? maxChartPoints : Math.round(Math.min(maxChartPoints, Math.max(200, requested)));
}

/** Thins already downsampled series to a smaller budget; min/max of min/max keeps the extremes. */
export function fitSeries(series: readonly SeriesData[], budget: number): SeriesData[] {
  return series.map((s) => (s.steps.length <= budget ? s : { runId: s.runId, key: s.key, ...downsampleMinMax(s, budget) }));
}

/** Step of the best finite value; exact because min/max downsampling keeps every bucket's extremes. */
function bestStep(series: SeriesData | undefined, direction: MetricDirection | undefined): number | null {
  if (!series) return null;
  const { steps, values } = series;
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (best < 0 || (direction === 'lower' ? v < values[best] : v > values[best])) best = i;
  }
  // Without a known direction "best" means nothing; the table shows the step of the last value instead.
  return best < 0 || !direction ? null : steps[best];
}

/** Changes whenever a run's series or status could have changed; skips resending unchanged series. */
export function runSignature(run: RunDetail): string {
  let sig = `${run.status}|${run.endedAt ?? ''}|${run.name}|${JSON.stringify(run.tags)}|${run.note ?? ''}`;
  for (const [k, m] of Object.entries(run.metrics)) sig += `|${k}:${m.count}:${m.lastStep}:${m.last}`;
  return sig;
}

export class PanelPayloads {
  constructor(
    private readonly data: PanelDataSource,
    private readonly overrides: () => Readonly<Record<string, MetricDirection>> = () => ({}),
  ) {}

  directionsFor(runs: readonly RunDetail[]): Record<string, MetricDirection> {
    const overrides = this.overrides();
    const out: Record<string, MetricDirection> = {};
    for (const run of runs) {
      for (const key of Object.keys(run.metrics)) {
        const d = inferMetricDirection(key, overrides);
        if (d) out[key] = d;
      }
    }
    return out;
  }

  overviewSeries(run: RunDetail, budget = maxChartPoints): SeriesData[] {
    return Object.keys(run.metrics).map((key) => {
      const c = this.data.series(run.id, key, { maxPoints: budget });
      return { runId: run.id, key, steps: c.steps, values: c.values, times: c.times };
    });
  }

  /**
   * The overview series of several runs, yielding to the event loop every ~16 ms: a large comparison
   * reads hundreds of series from the store, and the extension host must stay responsive meanwhile.
   */
  async overviewSeriesOf(runs: readonly RunDetail[], budget = maxChartPoints): Promise<SeriesData[]> {
    const out: SeriesData[] = [];
    let slice = performance.now();
    for (const run of runs) {
      for (const key of Object.keys(run.metrics)) {
        const c = this.data.series(run.id, key, { maxPoints: budget });
        out.push({ runId: run.id, key, steps: c.steps, values: c.values, times: c.times });
        if (performance.now() - slice > 16) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
      }
    }
    return out;
  }

  rangeSeries(key: string, ranges: readonly StepRange[], budget = maxChartPoints): SeriesData[] {
    return ranges.map((r) => {
      const c = this.data.series(r.runId, key, { maxPoints: budget, fromStep: r.fromStep, toStep: r.toStep });
      return { runId: r.runId, key, steps: c.steps, values: c.values, times: c.times };
    });
  }

  runData(run: RunDetail, series: readonly SeriesData[], directions: Readonly<Record<string, MetricDirection>>): RunData {
    const metrics: Record<string, MetricSummaryData> = {};
    for (const [key, m] of Object.entries(run.metrics)) {
      const s = series.find((x) => x.runId === run.id && x.key === key);
      metrics[key] = { last: m.last, min: m.min, max: m.max, count: m.count, lastStep: m.lastStep, bestStep: bestStep(s, directions[key]) };
    }
    const git: GitData | null = run.git
      ? { commit: run.git.commit, branch: run.git.branch, dirty: run.git.dirty, snapshot: run.git.snapshot }
      : null;
    return {
      id: run.id, name: run.name, experiment: run.experiment, status: run.status, command: run.command,
      startedAt: run.startedAt, endedAt: run.endedAt, durationMs: run.durationMs,
      params: { ...run.params }, tags: { ...run.tags }, metrics, git,
    };
  }

  runDetailData(
    run: RunDetail, series: readonly SeriesData[], directions: Readonly<Record<string, MetricDirection>>,
  ): RunDetailData {
    // The same rows as the Runs view's Environment (sizes in GiB, empty values left out); a folded
    // list (pip freeze) is one cell here, its items in the cell's tooltip.
    const environment: Record<string, string> = {};
    for (const row of environmentRows(run.environment)) {
      if ('value' in row) environment[row.key] = row.value;
      else environment[`${row.key} (${row.items.length})`] = row.items.join(', ');
    }
    return {
      ...this.runData(run, series, directions),
      note: run.note,
      environment,
      artifacts: run.artifacts.map((a) => ({ path: a.path, role: a.role, kind: a.kind, sha256: a.sha256, size: a.size })),
      outputTail: outputScreen(this.data.outputTail?.(run.id, 200)),
    };
  }
}

/** The tail of output.log as a terminal would show it (redraws applied, escapes dropped). */
function outputScreen(tail: string | undefined): string | null {
  return tail === undefined ? null : terminalScreen(tail);
}
