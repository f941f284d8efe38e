import type { Plugin } from 'chart.js';
import type { SeriesData, StepRange } from '../../src/protocol/panelData';
import type { XAxisMode, ZoomWindow } from '../../src/protocol/viewState';
import { Chart } from './chartSetup';
import { h, icon, iconButton } from './dom';
import { ema } from './ema';
import { formatClock, formatElapsed, formatValue } from '../../src/protocol/format';
import { type ThemeColors, withAlpha } from './themeColors';

export interface ChartRun {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly startedAt: number;
}

export interface ChartView {
  readonly xAxis: XAxisMode;
  readonly smoothing: number;
  readonly logScale: boolean;
}

export interface MetricChartHost {
  /** The user zoomed or panned (undefined: back to the whole series); persist it. */
  onZoom(key: string, zoom: ZoomWindow | undefined): void;
  /** Ask the host for full-resolution points in these step ranges; answer with `setDetail`. */
  requestRange(key: string, ranges: StepRange[]): number;
}

interface Columns { xs: Float64Array; ys: Float64Array; steps: Float64Array }

/** One polyline: drawn by our own plugin straight from typed arrays (no per-point objects). */
interface Line { xs: Float64Array; ys: Float64Array; color: string; width: number }

/** The nearest 1, 2 or 5 x 10^k below (or above) a positive value. */
function niceLog(v: number, dir: 'down' | 'up'): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const steps = [1, 2, 5, 10].map((m) => m * p);
  return dir === 'down' ? [...steps].reverse().find((x) => x <= v) ?? p : steps.find((x) => x >= v) ?? 10 * p;
}

/** Index of the first element >= x in a sorted array. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One overlaid line chart for one metric key across runs. Zoom and pan are written on chart.js's own
 * scales (drag to zoom, shift+drag to pan, ctrl/alt+wheel to zoom, double-click to reset): about a
 * hundred lines, against a plugin plus hammer.js. After a zoom settles it asks the host for the visible
 * range at full resolution and splices that into the overview.
 */
export class MetricChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly body: HTMLElement;
  /** Shown instead of the chart while every run has at most one point (a final test score). */
  private readonly singleValues: HTMLElement;
  private instance: Chart<'line'> | undefined;
  private lines: Line[] = [];
  /** Our options object (chart.js keeps it as config.options); scale bounds are written here, not into chart.options, which is a resolved snapshot. */
  private opts: Chart<'line'>['options'];
  private overview = new Map<string, SeriesData>();
  private detail = new Map<string, SeriesData>();
  private columns = new Map<string, Columns>();
  private zoom: ZoomWindow | undefined;
  private pendingRequest = 0;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private hoverX: number | undefined;
  private drag: { startPx: number; currentPx: number; pan: boolean; startMin: number; startMax: number } | undefined;

  constructor(
    readonly key: string,
    private runs: readonly ChartRun[],
    private view: ChartView,
    private theme: ThemeColors,
    zoom: ZoomWindow | undefined,
    private readonly host: MetricChartHost,
    parent: HTMLElement,
  ) {
    this.zoom = zoom?.axis === view.xAxis ? zoom : undefined;
    this.canvas = h('canvas', {
      attrs: { role: 'img', tabindex: '0', 'aria-label': `Chart of ${key}. Plus and minus zoom, arrow keys pan, Escape resets.` },
    });
    this.tooltip = h('div', { className: 'chart-tooltip', attrs: { role: 'tooltip' } });
    this.tooltip.hidden = true;
    const resetButton = iconButton('zoom-out', 'Reset zoom', () => this.setZoom(undefined));
    this.body = h('div', { className: 'chart-body' }, [this.canvas, this.tooltip]);
    this.singleValues = h('div', { className: 'single-values' });
    this.singleValues.hidden = true;
    this.element = h('section', { className: 'chart-card', attrs: { 'data-key': key } }, [
      h('header', { className: 'chart-card-header' }, [
        h('span', { className: 'chart-title', text: key, title: key }),
        h('span', { className: 'chart-zoom-hint', text: '' }),
        resetButton,
      ]),
      this.body,
      this.singleValues,
    ]);
    // Attached before chart.js measures it: a detached canvas is drawn at a default size and then
    // resized and drawn again.
    parent.append(this.element);
    this.opts = this.options();
    this.bindInteractions();
  }

  /** Created with the first data, so chart.js lays out and draws once instead of empty and then full. */
  private get chart(): Chart<'line'> {
    this.instance ??= new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: this.opts,
      plugins: [this.linesPlugin(), this.overlayPlugin()],
    });
    return this.instance;
  }

  /** Runs and their overview series in one redraw. `replaceAll` drops runs not given (a new init). */
  setData(runs: readonly ChartRun[], series: readonly SeriesData[], replaceAll: boolean): void {
    this.runs = runs;
    if (replaceAll) this.overview.clear();
    for (const s of series) this.overview.set(s.runId, s);
    this.rebuild();
    // A live run grows under a zoomed chart: refresh the detail so the tail is not left coarse.
    if (this.zoom && !replaceAll) this.scheduleFetch();
  }

  /** Full-resolution points for the zoom window; stale answers (an older request) are ignored. */
  setDetail(requestId: number, series: readonly SeriesData[]): void {
    if (requestId !== this.pendingRequest || !this.zoom) return;
    for (const s of series) this.detail.set(s.runId, s);
    this.rebuild();
    this.element.dataset.detail = String(requestId);
  }

  setView(view: ChartView, zoom: ZoomWindow | undefined): void {
    const axisChanged = view.xAxis !== this.view.xAxis;
    this.view = view;
    if (axisChanged) {
      this.zoom = zoom?.axis === view.xAxis ? zoom : undefined;
      this.detail.clear();
    }
    this.opts = this.options();
    if (this.instance) this.instance.options = this.opts;
    this.rebuild();
  }

  setTheme(theme: ThemeColors, runs: readonly ChartRun[]): void {
    this.theme = theme;
    this.runs = runs;
    this.opts = this.options();
    if (this.instance) this.instance.options = this.opts;
    this.rebuild();
  }

  get zoomWindow(): ZoomWindow | undefined {
    return this.zoom;
  }

  setZoom(zoom: ZoomWindow | undefined, notify = true): void {
    this.zoom = zoom;
    this.detail.clear();
    this.pendingRequest = 0;
    if (this.isSingle) return; // no chart to zoom (a restored zoom applies once the series grows)
    this.applyZoomToScale();
    this.chart.update('none');
    this.element.classList.toggle('zoomed', !!zoom);
    if (notify) this.host.onZoom(this.key, zoom);
    if (zoom) this.scheduleFetch();
    else this.rebuild();
  }

  destroy(): void {
    if (this.fetchTimer) clearTimeout(this.fetchTimer);
    this.instance?.destroy();
    this.element.remove();
  }

  private xOf(s: SeriesData, run: ChartRun): Float64Array {
    if (this.view.xAxis === 'step') return s.steps;
    const out = new Float64Array(s.times.length);
    const origin = this.view.xAxis === 'relative' ? run.startedAt : 0;
    const scale = this.view.xAxis === 'relative' ? 1000 : 1;
    for (let i = 0; i < out.length; i++) out[i] = (s.times[i] - origin) / scale;
    return out;
  }

  /** Overview outside the detail window, detail inside: panning never shows an empty chart. */
  private columnsFor(run: ChartRun): Columns | undefined {
    const o = this.overview.get(run.id);
    if (!o) return undefined;
    const ox = this.xOf(o, run);
    const d = this.detail.get(run.id);
    if (!d || d.steps.length === 0) return { xs: ox, ys: o.values, steps: o.steps };
    const dx = this.xOf(d, run);
    const before = lowerBound(o.steps, d.steps[0]);
    let after = lowerBound(o.steps, d.steps[d.steps.length - 1]);
    if (after < o.steps.length && o.steps[after] === d.steps[d.steps.length - 1]) after++;
    const n = before + dx.length + (o.steps.length - after);
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    const steps = new Float64Array(n);
    xs.set(ox.subarray(0, before)); ys.set(o.values.subarray(0, before)); steps.set(o.steps.subarray(0, before));
    xs.set(dx, before); ys.set(d.values, before); steps.set(d.steps, before);
    xs.set(ox.subarray(after), before + dx.length); ys.set(o.values.subarray(after), before + dx.length);
    steps.set(o.steps.subarray(after), before + dx.length);
    return { xs, ys, steps };
  }

  private rebuild(): void {
    const raw: Line[] = [];
    const smoothed: Line[] = [];
    this.columns.clear();
    const smooth = this.view.smoothing > 0;
    for (const run of this.runs) {
      const c = this.columnsFor(run);
      if (!c) continue;
      this.columns.set(run.id, c);
      // Many runs: 1 px, a hairline for the rasterizer. Wider strokes are outlined point by point, which
      // made the first frame of a 10-chart, 20-run Compare panel take seconds without a GPU.
      raw.push({ xs: c.xs, ys: c.ys, color: smooth ? withAlpha(run.color, 0.25) : run.color, width: smooth || this.runs.length > 4 ? 1 : 1.5 });
      if (smooth) smoothed.push({ xs: c.xs, ys: ema(c.ys, this.view.smoothing), color: run.color, width: 1.5 });
    }
    this.lines = [...raw, ...smoothed];
    this.element.dataset.datasets = String(this.lines.length);
    this.element.dataset.points = String(raw.reduce((n, l) => n + l.xs.length, 0));
    this.element.dataset.drawn = String(Number(this.element.dataset.drawn ?? 0) + 1);
    const single = raw.length > 0 && raw.every((l) => l.xs.length <= 1);
    this.showSingleValues(single);
    if (single) return;
    this.applyZoomToScale();
    if (this.instance) this.instance.update('none');
    else void this.chart;
  }

  private get isSingle(): boolean {
    return !this.singleValues.hidden;
  }

  /**
   * A metric logged once per run (a final test accuracy) has no line to draw: its values are shown as
   * numbers, one row per run, until a run logs a second point.
   */
  private showSingleValues(single: boolean): void {
    this.body.hidden = single;
    this.singleValues.hidden = !single;
    this.element.classList.toggle('single', single);
    if (!single) return;
    const rows: HTMLElement[] = [];
    for (const run of this.runs) {
      const c = this.columns.get(run.id);
      if (!c || !c.xs.length) continue;
      const swatch = h('span', { className: 'swatch' });
      swatch.style.backgroundColor = run.color;
      rows.push(h('div', { className: 'single-value', attrs: { 'data-run': run.id } }, [
        swatch,
        this.runs.length > 1 ? h('span', { className: 'single-value-run', text: run.name, title: run.name }) : null,
        h('span', { className: 'single-value-number num', text: formatValue(c.ys[0]) }),
        h('span', { className: 'single-value-step muted', text: `step ${formatValue(c.steps[0])}` }),
      ]));
    }
    this.singleValues.replaceChildren(...rows);
  }

  /** Exact data bounds on x (or the zoom window), padded bounds of what is visible on y. */
  private applyRanges(xMin?: number, xMax?: number): void {
    const scales = this.opts.scales!;
    const x = scales.x!;
    const y = scales.y!;
    const full = this.dataExtent();
    const lo = xMin ?? full?.min;
    const hi = xMax ?? full?.max;
    x.min = lo;
    x.max = hi !== undefined && lo !== undefined && hi <= lo ? lo + 1 : hi;
    const log = this.view.logScale;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const l of this.lines) {
      const i0 = lo === undefined ? 0 : Math.max(0, lowerBound(l.xs, lo) - 1);
      const i1 = hi === undefined ? l.xs.length : Math.min(l.xs.length, lowerBound(l.xs, hi) + 1);
      for (let i = i0; i < i1; i++) {
        const v = l.ys[i];
        if (!Number.isFinite(v) || (log && v <= 0)) continue;
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
    }
    if (yMin > yMax) {
      y.min = undefined;
      y.max = undefined;
    } else if (log) {
      // chart.js labels a log axis's bounds, so they must be round: 1, 2 or 5 times a power of ten.
      y.min = niceLog(yMin / 1.05, 'down');
      y.max = niceLog(yMax * 1.05, 'up');
    } else {
      const pad = (yMax - yMin) * 0.05 || Math.abs(yMax) * 0.05 || 1;
      y.min = yMin - pad;
      y.max = yMax + pad;
    }
  }

  private applyZoomToScale(): void {
    this.applyRanges(this.zoom?.min, this.zoom?.max);
    const hint = this.element.querySelector('.chart-zoom-hint');
    if (hint) hint.textContent = this.zoom ? `${this.formatX(this.zoom.min)} – ${this.formatX(this.zoom.max)}` : '';
  }

  private formatX(v: number): string {
    if (this.view.xAxis === 'relative') return formatElapsed(v);
    if (this.view.xAxis === 'wall') return formatClock(v);
    return formatValue(Math.round(v));
  }

  private options(): Chart<'line'>['options'] {
    const t = this.theme;
    const font = { family: t.fontFamily, size: Math.max(10, t.fontSize - 2) };
    return {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      events: [],
      layout: { padding: { top: 4, right: 8 } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: {
          type: 'linear',
          min: this.zoom?.min,
          max: this.zoom?.max,
          grid: { color: t.grid, tickColor: t.grid },
          border: { color: t.grid },
          // Steps are whole numbers: ticks between them would all round to the same label.
          ticks: {
            color: t.muted, font, maxRotation: 0, autoSkipPadding: 16, includeBounds: false, callback: (v) => this.formatX(Number(v)),
            ...(this.view.xAxis === 'step' ? { precision: 0 } : {}),
          },
          title: { display: false },
        },
        y: {
          type: this.view.logScale ? 'logarithmic' : 'linear',
          grid: { color: t.grid, tickColor: t.grid },
          border: { color: t.grid },
          ticks: { color: t.muted, font, callback: (v) => formatValue(Number(v)), maxTicksLimit: 7, includeBounds: false },
        },
      },
    };
  }

  /**
   * The metric lines, drawn from the typed columns on chart.js's scales. chart.js's own line datasets
   * build an element object per point: 20 runs x 2,000 points per chart made drawing the Compare
   * panel's charts several times slower than this loop.
   */
  private linesPlugin(): Plugin<'line'> {
    return {
      id: 'exptrackLines',
      beforeDatasetsDraw: (chart) => {
        const { ctx, chartArea: a, scales } = chart;
        const xs = scales.x;
        const ys = scales.y;
        const log = this.view.logScale;
        ctx.save();
        ctx.beginPath();
        ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
        ctx.clip();
        ctx.lineJoin = 'round';
        for (const l of this.lines) {
          const i0 = Math.max(0, lowerBound(l.xs, xs.min) - 1);
          const i1 = Math.min(l.xs.length, lowerBound(l.xs, xs.max) + 1);
          ctx.strokeStyle = l.color;
          ctx.lineWidth = l.width;
          ctx.beginPath();
          let pen = false;
          let lonePx = NaN;
          let lonePy = NaN;
          for (let i = i0; i < i1; i++) {
            const v = l.ys[i];
            // NaN and (on a log axis) non-positive values break the line: the gap is the information.
            if (!Number.isFinite(v) || (log && v <= 0)) {
              pen = false;
              continue;
            }
            const px = xs.getPixelForValue(l.xs[i]);
            const py = ys.getPixelForValue(v);
            if (pen) {
              ctx.lineTo(px, py);
              lonePx = NaN;
            } else {
              ctx.moveTo(px, py);
              lonePx = px;
              lonePy = py;
            }
            pen = true;
          }
          ctx.stroke();
          // A single point between gaps would be invisible as a path; mark it.
          if (!Number.isNaN(lonePx)) {
            ctx.fillStyle = l.color;
            ctx.beginPath();
            ctx.arc(lonePx, lonePy, 3, 0, 2 * Math.PI);
            ctx.fill();
          }
        }
        ctx.restore();
      },
    };
  }

  /** Crosshair at the hovered x and the drag-selection band, drawn on the chart's canvas. */
  private overlayPlugin(): Plugin<'line'> {
    return {
      id: 'exptrackOverlay',
      // The x tick labels as drawn, for the tests (a canvas keeps no text).
      afterUpdate: (chart) => { this.element.dataset.xTicks = chart.scales.x.ticks.map((t) => t.label).join(' '); },
      afterDatasetsDraw: (chart) => {
        const { ctx, chartArea: a, scales } = chart;
        ctx.save();
        if (this.drag && !this.drag.pan) {
          const x0 = Math.max(a.left, Math.min(this.drag.startPx, this.drag.currentPx));
          const x1 = Math.min(a.right, Math.max(this.drag.startPx, this.drag.currentPx));
          ctx.fillStyle = this.theme.selection;
          ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top);
        }
        if (this.hoverX !== undefined && !this.drag) {
          const px = scales.x.getPixelForValue(this.hoverX);
          if (px >= a.left && px <= a.right) {
            ctx.strokeStyle = this.theme.muted;
            ctx.setLineDash([3, 3]);
            ctx.beginPath();
            ctx.moveTo(px, a.top);
            ctx.lineTo(px, a.bottom);
            ctx.stroke();
          }
        }
        ctx.restore();
      },
    };
  }

  private bindInteractions(): void {
    const c = this.canvas;
    const area = () => this.chart.chartArea;
    const xScale = () => this.chart.scales.x;
    c.addEventListener('mousemove', (e) => {
      if (this.drag) {
        this.drag.currentPx = e.offsetX;
        if (this.drag.pan) this.panTo(e.offsetX);
        this.chart.draw();
        return;
      }
      const a = area();
      if (e.offsetX < a.left || e.offsetX > a.right) return this.hideTooltip();
      this.hoverX = xScale().getValueForPixel(e.offsetX);
      this.showTooltip(e.offsetX, e.offsetY);
      this.chart.draw();
    });
    c.addEventListener('mouseleave', () => {
      this.hideTooltip();
      this.chart.draw();
    });
    c.addEventListener('mousedown', (e) => {
      if (e.button !== 0 && e.button !== 1) return;
      e.preventDefault();
      const s = xScale();
      this.hideTooltip();
      this.drag = { startPx: e.offsetX, currentPx: e.offsetX, pan: e.shiftKey || e.button === 1, startMin: s.min, startMax: s.max };
      const up = (ev: MouseEvent) => {
        window.removeEventListener('mouseup', up);
        const d = this.drag;
        this.drag = undefined;
        if (!d) return;
        const rect = c.getBoundingClientRect();
        const endPx = ev.clientX - rect.left;
        if (d.pan) {
          if (Math.abs(endPx - d.startPx) > 2) this.setZoom(this.zoomAt(this.chart.scales.x.min, this.chart.scales.x.max));
        } else if (Math.abs(endPx - d.startPx) > 6) {
          const a = xScale().getValueForPixel(d.startPx) ?? 0;
          const b = xScale().getValueForPixel(endPx) ?? 0;
          this.setZoom(this.zoomAt(Math.min(a, b), Math.max(a, b)));
        } else {
          this.chart.draw();
        }
      };
      window.addEventListener('mouseup', up);
    });
    c.addEventListener('dblclick', () => this.setZoom(undefined));
    c.addEventListener('wheel', (e) => {
      // Plain wheel scrolls the panel; a modifier turns it into zoom around the pointer.
      if (!e.ctrlKey && !e.altKey && !e.metaKey) return;
      e.preventDefault();
      const s = xScale();
      const at = s.getValueForPixel(e.offsetX) ?? (s.min + s.max) / 2;
      const f = Math.exp(Math.sign(e.deltaY) * 0.2);
      this.setZoom(this.zoomAt(at - (at - s.min) * f, at + (s.max - at) * f));
    }, { passive: false });
    // The same zoom and pan from the keyboard.
    c.addEventListener('keydown', (e) => {
      const s = xScale();
      const span = s.max - s.min;
      const mid = (s.min + s.max) / 2;
      let next: [number, number] | undefined;
      if (e.key === '+' || e.key === '=') next = [mid - span / 4, mid + span / 4];
      else if (e.key === '-') next = [mid - span, mid + span];
      else if (e.key === 'ArrowLeft') next = [s.min - span / 10, s.max - span / 10];
      else if (e.key === 'ArrowRight') next = [s.min + span / 10, s.max + span / 10];
      else if (e.key === 'Escape') this.setZoom(undefined);
      if (!next) return;
      e.preventDefault();
      this.setZoom(this.zoomAt(next[0], next[1]));
    });
  }

  private zoomAt(min: number, max: number): ZoomWindow | undefined {
    const full = this.dataExtent();
    if (!full || max - min <= 0) return undefined;
    const lo = Math.max(min, full.min);
    const hi = Math.min(max, full.max);
    if (hi - lo <= 0 || (lo <= full.min && hi >= full.max)) return undefined;
    return { axis: this.view.xAxis, min: lo, max: hi };
  }

  private dataExtent(): { min: number; max: number } | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (const c of this.columns.values()) {
      if (!c.xs.length) continue;
      min = Math.min(min, c.xs[0]);
      max = Math.max(max, c.xs[c.xs.length - 1]);
    }
    return min < max ? { min, max } : undefined;
  }

  private panTo(px: number): void {
    const d = this.drag;
    if (!d) return;
    const s = this.chart.scales.x;
    const perPx = (d.startMax - d.startMin) / Math.max(1, s.right - s.left);
    const shift = (d.startPx - px) * perPx;
    this.applyRanges(d.startMin + shift, d.startMax + shift);
    this.chart.update('none');
  }

  private scheduleFetch(): void {
    if (this.fetchTimer) clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = undefined;
      const z = this.zoom;
      if (!z) return;
      const ranges: StepRange[] = [];
      for (const run of this.runs) {
        const o = this.overview.get(run.id);
        if (!o || !o.steps.length) continue;
        const xs = this.xOf(o, run);
        // Widen by one overview point each side so the line reaches the chart's edges.
        const i0 = Math.max(0, lowerBound(xs, z.min) - 1);
        const i1 = Math.min(xs.length - 1, lowerBound(xs, z.max));
        if (i0 > i1) continue;
        ranges.push({ runId: run.id, fromStep: o.steps[i0], toStep: o.steps[i1] });
      }
      if (ranges.length) this.pendingRequest = this.host.requestRange(this.key, ranges);
    }, 150);
  }

  private showTooltip(px: number, py: number): void {
    const x = this.hoverX;
    if (x === undefined) return;
    const rows: HTMLElement[] = [];
    const smooth = this.view.smoothing > 0;
    let stepShown: number | undefined;
    for (const run of this.runs) {
      const c = this.columns.get(run.id);
      if (!c || !c.xs.length) continue;
      let i = lowerBound(c.xs, x);
      if (i >= c.xs.length || (i > 0 && Math.abs(c.xs[i - 1] - x) <= Math.abs(c.xs[i] - x))) i--;
      const raw = c.ys[i];
      const shown = smooth ? ema(c.ys.subarray(0, i + 1), this.view.smoothing)[i] : raw;
      stepShown ??= c.steps[i];
      const swatch = h('span', { className: 'swatch' });
      swatch.style.backgroundColor = run.color;
      rows.push(h('div', { className: 'tooltip-row' }, [
        swatch,
        h('span', { className: 'tooltip-name', text: run.name }),
        h('span', { className: 'tooltip-value', text: formatValue(shown) + (smooth ? ` (${formatValue(raw)})` : '') }),
        h('span', { className: 'tooltip-step', text: `@${formatValue(c.steps[i])}` }),
      ]));
    }
    if (!rows.length) return this.hideTooltip();
    this.tooltip.replaceChildren(
      h('div', { className: 'tooltip-title' }, [icon('graph-line'), ` ${this.key} · ${this.view.xAxis === 'step' ? 'step' : 'at'} ${this.formatX(x)}`]),
      ...rows,
    );
    void stepShown;
    this.tooltip.hidden = false;
    const body = this.tooltip.parentElement!;
    const left = px + 16 + this.tooltip.offsetWidth > body.clientWidth ? px - 16 - this.tooltip.offsetWidth : px + 16;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${Math.max(0, Math.min(py - 10, body.clientHeight - this.tooltip.offsetHeight))}px`;
  }

  private hideTooltip(): void {
    this.hoverX = undefined;
    this.tooltip.hidden = true;
  }
}
