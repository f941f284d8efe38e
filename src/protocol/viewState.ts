// What a panel keeps through a reload (webview setState) and what the host's serializer reads back.

export type XAxisMode = 'step' | 'relative' | 'wall';

/** A zoomed x window, in the units of the x axis mode it was made in. */
export interface ZoomWindow {
  readonly axis: XAxisMode;
  readonly min: number;
  readonly max: number;
}

export interface ChartViewState {
  readonly xAxis: XAxisMode;
  /** EMA weight in [0, 0.99]; 0 shows raw values. */
  readonly smoothing: number;
  readonly logScale: boolean;
  /** Text in the metric search box; charts are shown for keys that match it. */
  readonly keyFilter: string;
  readonly zoom: Readonly<Record<string, ZoomWindow>>;
}

export interface CompareViewState extends ChartViewState {
  readonly panel: 'compare';
  readonly runIds: readonly string[];
  readonly baselineId: string | null;
  readonly onlyChanged: boolean;
  readonly scatterParam: string | null;
  readonly scatterMetric: string | null;
  readonly parallelParams: readonly string[];
  readonly parallelMetric: string | null;
  readonly diffRunA: string | null;
  readonly diffRunB: string | null;
}

export interface RunViewState extends ChartViewState {
  readonly panel: 'run';
  readonly runId: string;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

const xAxisModes: readonly XAxisMode[] = ['step', 'relative', 'wall'];
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Reads persisted chart state defensively: state from an older version must never break a panel. */
export function readChartViewState(raw: unknown): ChartViewState {
  const r = asRecord(raw);
  const zoom: Record<string, ZoomWindow> = {};
  for (const [key, w] of Object.entries(asRecord(r.zoom))) {
    const z = asRecord(w);
    if (xAxisModes.includes(z.axis as XAxisMode) && typeof z.min === 'number' && typeof z.max === 'number' && z.min < z.max) {
      zoom[key] = { axis: z.axis as XAxisMode, min: z.min, max: z.max };
    }
  }
  const smoothing = typeof r.smoothing === 'number' && r.smoothing >= 0 && r.smoothing <= 0.99 ? r.smoothing : 0;
  return {
    xAxis: xAxisModes.includes(r.xAxis as XAxisMode) ? r.xAxis as XAxisMode : 'step',
    smoothing,
    logScale: r.logScale === true,
    keyFilter: str(r.keyFilter) ?? '',
    zoom,
  };
}

export function readCompareViewState(raw: unknown): CompareViewState {
  const r = asRecord(raw);
  return {
    ...readChartViewState(r),
    panel: 'compare',
    runIds: strs(r.runIds),
    baselineId: str(r.baselineId),
    onlyChanged: r.onlyChanged !== false,
    scatterParam: str(r.scatterParam),
    scatterMetric: str(r.scatterMetric),
    parallelParams: strs(r.parallelParams),
    parallelMetric: str(r.parallelMetric),
    diffRunA: str(r.diffRunA),
    diffRunB: str(r.diffRunB),
  };
}

export function readRunViewState(raw: unknown): RunViewState {
  const r = asRecord(raw);
  return { ...readChartViewState(r), panel: 'run', runId: str(r.runId) ?? '' };
}
