import type { SeriesData, StepRange } from '../../src/protocol/panelData';
import type { ChartViewState, XAxisMode, ZoomWindow } from '../../src/protocol/viewState';
import { checkbox, dropdown, h, icon } from './dom';
import { type ChartRun, MetricChart } from './metricChart';
import type { ThemeColors } from './themeColors';

export interface ChartPanelHost {
  onStateChange(state: ChartViewState): void;
  /** Posts a fetchRange message and returns its request id. */
  requestRange(key: string, ranges: StepRange[]): number;
}

/** A ChartPanelHost that numbers its range requests and posts each as a `fetchRange` message. */
export function chartPanelHost(
  onStateChange: (state: ChartViewState) => void,
  post: (m: { type: 'fetchRange'; requestId: number; key: string; ranges: StepRange[] }) => void,
): ChartPanelHost {
  let next = 1;
  return {
    onStateChange,
    requestRange: (key, ranges) => {
      const requestId = next++;
      post({ type: 'fetchRange', requestId, key, ranges });
      return requestId;
    },
  };
}

/** Case-insensitive: a key is shown when it contains any comma- or space-separated term. */
export function matchesFilter(key: string, filter: string): boolean {
  const terms = filter.toLowerCase().split(/[\s,]+/).filter(Boolean);
  return !terms.length || terms.some((t) => key.toLowerCase().includes(t));
}

/**
 * The chart toolbar (metric search, x axis, smoothing, log scale) over a grid with one MetricChart per
 * metric key. Shared by the Compare and Run panels.
 */
export class ChartPanel {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly smoothingValue: HTMLElement;
  private readonly charts = new Map<string, MetricChart>();
  private runs: readonly ChartRun[] = [];
  private keys: readonly string[] = [];
  private readonly series = new Map<string, SeriesData[]>();

  constructor(private state: ChartViewState, private theme: ThemeColors, private readonly host: ChartPanelHost) {
    const filter = h('vscode-text-field', {
      attrs: { placeholder: 'Filter metrics (e.g. loss, val/)', 'aria-label': 'Filter metrics', value: state.keyFilter },
      on: { input: (e) => this.update({ keyFilter: (e.target as HTMLElement & { value: string }).value }) },
    }, [h('span', { attrs: { slot: 'start' } }, [icon('search')])]);
    filter.className = 'chart-filter';
    const axis = dropdown([
      { value: 'step', label: 'Step' }, { value: 'relative', label: 'Relative time' }, { value: 'wall', label: 'Wall time' },
    ], state.xAxis, 'X axis', (v) => this.update({ xAxis: v as XAxisMode }));
    const slider = h('input', {
      className: 'smoothing-slider',
      attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(state.smoothing), 'aria-label': 'Smoothing' },
      on: { input: (e) => this.update({ smoothing: Number((e.target as HTMLInputElement).value) }) },
    });
    this.smoothingValue = h('span', { className: 'smoothing-value', text: state.smoothing.toFixed(2) });
    const log = checkbox('Log scale', state.logScale, (checked) => this.update({ logScale: checked }));
    this.grid = h('div', { className: 'chart-grid' });
    this.empty = h('p', { className: 'empty', text: 'No metrics recorded.' });
    this.element = h('div', { className: 'chart-panel' }, [
      h('div', { className: 'toolbar chart-toolbar' }, [
        filter,
        h('label', { className: 'toolbar-field' }, [h('span', { className: 'toolbar-label', text: 'X axis' }), axis]),
        h('label', { className: 'toolbar-field' }, [h('span', { className: 'toolbar-label', text: 'Smoothing' }), slider, this.smoothingValue]),
        log,
        h('span', { className: 'toolbar-hint', text: 'Drag to zoom · Shift+drag to pan · double-click to reset' }),
      ]),
      this.empty,
      this.grid,
    ]);
  }

  get view(): ChartViewState {
    return this.state;
  }

  /** New runs or series. `replaceAll` drops series not given (a new init); otherwise merges (live). */
  setData(runs: readonly ChartRun[], keys: readonly string[], series: readonly SeriesData[], replaceAll: boolean): void {
    this.runs = runs;
    this.keys = [...keys].sort((a, b) => a.localeCompare(b));
    if (replaceAll) this.series.clear();
    const byKey = new Map<string, SeriesData[]>();
    for (const s of series) {
      const list = byKey.get(s.key) ?? [];
      list.push(s);
      byKey.set(s.key, list);
    }
    for (const [key, list] of byKey) {
      const existing = replaceAll ? [] : (this.series.get(key) ?? []).filter((s) => !list.some((n) => n.runId === s.runId));
      this.series.set(key, [...existing, ...list]);
    }
    const created = this.layout();
    for (const [key, chart] of this.charts) {
      if (created.has(key)) continue;
      const list = byKey.get(key);
      if (replaceAll) chart.setData(runs, this.series.get(key) ?? [], true);
      else chart.setData(runs, list ?? [], false);
    }
  }

  setDetail(requestId: number, key: string, series: readonly SeriesData[]): void {
    this.charts.get(key)?.setDetail(requestId, series);
  }

  setTheme(theme: ThemeColors, runs: readonly ChartRun[]): void {
    this.theme = theme;
    this.runs = runs;
    for (const c of this.charts.values()) c.setTheme(theme, runs);
  }

  private update(change: Partial<ChartViewState>): void {
    const prev = this.state;
    this.state = { ...prev, ...change };
    if (change.smoothing !== undefined) this.smoothingValue.textContent = change.smoothing.toFixed(2);
    if (change.keyFilter !== undefined) this.layout();
    if (change.xAxis !== undefined || change.smoothing !== undefined || change.logScale !== undefined) {
      for (const c of this.charts.values()) c.setView(this.state, this.state.zoom[c.key]);
    }
    this.host.onStateChange(this.state);
  }

  /** Creates charts (with their data) for keys that match the filter, removes the others; returns the new keys. */
  private layout(): Set<string> {
    const created = new Set<string>();
    const visible = this.keys.filter((k) => matchesFilter(k, this.state.keyFilter));
    for (const [key, chart] of this.charts) {
      if (!visible.includes(key)) {
        chart.destroy();
        this.charts.delete(key);
      }
    }
    for (const key of visible) {
      let chart = this.charts.get(key);
      if (!chart) {
        chart = new MetricChart(key, this.runs, this.state, this.theme, this.state.zoom[key], {
          onZoom: (k, zoom) => this.onZoom(k, zoom),
          requestRange: (k, ranges) => this.host.requestRange(k, ranges),
        }, this.grid);
        this.charts.set(key, chart);
        created.add(key);
        chart.setData(this.runs, this.series.get(key) ?? [], true);
        if (chart.zoomWindow) chart.setZoom(chart.zoomWindow, false);
      }
    }
    // Keep the DOM in key order after additions.
    for (const key of visible) this.grid.append(this.charts.get(key)!.element);
    this.empty.hidden = visible.length > 0;
    this.empty.textContent = this.keys.length ? 'No metric matches the filter.' : 'No metrics recorded.';
    return created;
  }

  private onZoom(key: string, zoom: ZoomWindow | undefined): void {
    const next = { ...this.state.zoom };
    if (zoom) next[key] = zoom;
    else delete next[key];
    this.update({ zoom: next });
  }

  /** Number of charts currently on screen (for the tests and the benchmark). */
  get chartCount(): number {
    return this.charts.size;
  }
}
