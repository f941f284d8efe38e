import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import type { ThemeColors } from '../shared/themeColors';
import type { ColoredRun } from './runHeader';
import { paramAxis } from './scatterView';

/**
 * Parallel coordinates over chosen params and one metric, on a canvas of our own (about a hundred
 * lines; no charting dependency does this without a plugin). Text is drawn with fillText, never HTML.
 */
export class ParallelCoordinates {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private last: { runs: readonly ColoredRun[]; params: readonly string[]; metric: string | null; theme: ThemeColors } | undefined;

  constructor() {
    this.canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'Parallel coordinates of params and a metric' } });
    this.element = h('div', { className: 'chart-body parallel-body' }, [this.canvas]);
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  update(runs: readonly ColoredRun[], params: readonly string[], metric: string | null, theme: ThemeColors): void {
    this.last = { runs, params, metric, theme };
    this.draw();
  }

  private draw(): void {
    const d = this.last;
    const width = this.element.clientWidth;
    const height = this.element.clientHeight;
    if (!d || !width || !height) return;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const t = d.theme;
    const fontSize = Math.max(10, t.fontSize - 2);
    ctx.font = `${fontSize}px ${t.fontFamily}`;
    const axes: { label: string; pos: (r: ColoredRun) => number; tick: (x: number) => string; min: number; max: number }[] = [];
    for (const p of d.params) {
      const axis = paramAxis(d.runs.map((r) => r.run.params[p]));
      const vals = d.runs.map((r) => axis.position(r.run.params[p])).filter(Number.isFinite);
      axes.push({ label: p, pos: (r) => axis.position(r.run.params[p]), tick: axis.label, min: Math.min(...vals), max: Math.max(...vals) });
    }
    if (d.metric) {
      const m = d.metric;
      const vals = d.runs.map((r) => r.run.metrics[m]?.last ?? NaN).filter(Number.isFinite);
      axes.push({ label: m, pos: (r) => r.run.metrics[m]?.last ?? NaN, tick: formatValue, min: Math.min(...vals), max: Math.max(...vals) });
    }
    if (axes.length < 2) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText('Choose at least one param and a metric.', width / 2, height / 2);
      return;
    }
    const top = fontSize * 2 + 8;
    const bottom = height - fontSize - 10;
    const left = 40;
    const right = width - 40;
    const xAt = (i: number) => left + ((right - left) * i) / (axes.length - 1);
    const yAt = (a: (typeof axes)[number], v: number) => {
      if (!Number.isFinite(a.min) || a.max === a.min) return (top + bottom) / 2;
      return bottom - ((v - a.min) / (a.max - a.min)) * (bottom - top);
    };
    ctx.lineWidth = 1.75;
    for (const r of d.runs) {
      ctx.strokeStyle = r.color;
      ctx.beginPath();
      let drawing = false;
      axes.forEach((a, i) => {
        const v = a.pos(r);
        if (!Number.isFinite(v)) {
          drawing = false;
          return;
        }
        if (drawing) ctx.lineTo(xAt(i), yAt(a, v));
        else ctx.moveTo(xAt(i), yAt(a, v));
        drawing = true;
      });
      ctx.stroke();
    }
    axes.forEach((a, i) => {
      const x = xAt(i);
      ctx.strokeStyle = t.muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.textAlign = i === 0 ? 'left' : i === axes.length - 1 ? 'right' : 'center';
      const labelX = i === 0 ? x - 8 : i === axes.length - 1 ? x + 8 : x;
      ctx.fillStyle = t.foreground;
      ctx.fillText(a.label.length > 24 ? `${a.label.slice(0, 23)}…` : a.label, labelX, fontSize + 2);
      ctx.fillStyle = t.muted;
      if (Number.isFinite(a.max)) ctx.fillText(a.tick(a.max), labelX, top - 4);
      if (Number.isFinite(a.min) && a.min !== a.max) ctx.fillText(a.tick(a.min), labelX, bottom + fontSize + 2);
    });
  }
}
