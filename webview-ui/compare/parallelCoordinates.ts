import { h } from '../shared/dom';
import { formatValue } from '../../src/protocol/format';
import type { ThemeColors } from '../shared/themeColors';
import type { ColoredRun } from './runHeader';
import { paramAxis } from './scatterView';

/**
 * Parallel coordinates over chosen params and one metric, on a canvas of our own (about a hundred
 * lines; no charting dependency does this without a plugin). Text is drawn with fillText, never HTML.
 */
export class ParallelCoordinates {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private last: { runs: readonly ColoredRun[]; params: readonly string[]; metric: string | null; theme: ThemeColors } | undefined;

  constructor() {
    this.canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'Parallel coordinates of params and a metric' } });
    this.body = h('div', { className: 'chart-body parallel-body' }, [this.canvas]);
    this.note = h('p', { className: 'chart-note muted' });
    this.element = h('div', { className: 'parallel' }, [this.body, this.note]);
    new ResizeObserver(() => this.draw()).observe(this.body);
  }

  update(runs: readonly ColoredRun[], params: readonly string[], metric: string | null, theme: ThemeColors): void {
    this.last = { runs, params, metric, theme };
    this.draw();
  }

  private draw(): void {
    const d = this.last;
    const width = this.body.clientWidth;
    const height = this.body.clientHeight;
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
      // Spanning decades (a learning rate): positions on a log scale, ticks in the param's own values.
      const pos = axis.log ? (r: ColoredRun) => Math.log10(axis.position(r.run.params[p])) : (r: ColoredRun) => axis.position(r.run.params[p]);
      const vals = d.runs.map(pos).filter(Number.isFinite);
      axes.push({
        label: axis.log ? `${p} (log)` : p, pos, tick: axis.log ? (x) => formatValue(Math.pow(10, x)) : axis.label,
        min: Math.min(...vals), max: Math.max(...vals),
      });
    }
    if (d.metric) {
      const m = d.metric;
      const vals = d.runs.map((r) => r.run.metrics[m]?.last ?? NaN).filter(Number.isFinite);
      axes.push({ label: m, pos: (r) => r.run.metrics[m]?.last ?? NaN, tick: formatValue, min: Math.min(...vals), max: Math.max(...vals) });
    }
    const broken = d.runs.filter((r) => axes.some((a) => !Number.isFinite(a.pos(r)))).length;
    this.note.textContent = axes.length >= 2 && broken
      ? `${broken} of ${d.runs.length} runs lack a value on some axis: their lines stop there.` : '';
    this.note.hidden = !this.note.textContent;
    this.element.dataset.axes = String(axes.length);
    if (axes.length < 2) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText('Choose at least one param and a metric.', width / 2, height / 2);
      return;
    }
    // Each label gets the room between its axis and the next; when that is narrow, labels alternate
    // between two rows (twice the room) and are cut with an ellipsis past it.
    const spacing = (width - 80) / (axes.length - 1);
    const labelWidths = axes.map((a) => ctx.measureText(a.label).width);
    const stagger = labelWidths.some((w) => w > spacing - 8);
    const room = stagger ? spacing * 2 - 12 : spacing - 8;
    const rows = stagger ? 2 : 1;
    const top = fontSize * (rows + 1) + 8 + (rows - 1) * 4;
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
    const drawnLabels: string[] = [];
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
      const row = stagger ? i % 2 : 0;
      const label = fitText(ctx, a.label, Math.max(room, 40));
      ctx.fillText(label, labelX, fontSize + 2 + row * (fontSize + 4));
      drawnLabels.push(label);
      ctx.fillStyle = t.muted;
      if (Number.isFinite(a.max)) ctx.fillText(fitText(ctx, a.tick(a.max), Math.max(spacing - 8, 40)), labelX, top - 4);
      if (Number.isFinite(a.min) && a.min !== a.max) ctx.fillText(fitText(ctx, a.tick(a.min), Math.max(spacing - 8, 40)), labelX, bottom + fontSize + 2);
    });
    // What was drawn, for the tests (a canvas keeps no text).
    this.element.dataset.labels = drawnLabels.join('|');
    this.element.dataset.staggered = String(stagger);
    this.element.dataset.lines = String(d.runs.length - broken);
  }
}

/** `text` cut with an ellipsis to fit `maxWidth` pixels in the context's font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
