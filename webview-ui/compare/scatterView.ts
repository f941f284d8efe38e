import type { ParamValueData } from '../../src/protocol/panelData';
import { Chart } from '../shared/chartSetup';
import { h } from '../shared/dom';
import { formatParam, formatValue } from '../../src/protocol/format';
import type { ThemeColors } from '../shared/themeColors';
import type { ColoredRun } from './runHeader';

export type SummaryStat = 'last' | 'min' | 'max';

/** A positive numeric param whose values span this factor or more is drawn on a log axis (lr 1e-4..3e-3). */
const LOG_SPAN = 10;

export interface ParamAxis {
  position(v: ParamValueData | undefined): number;
  label(x: number): string;
  readonly categorical: boolean;
  /** Positive numbers spanning a decade or more: a log axis spreads them evenly. */
  readonly log: boolean;
}

/** Numeric params go on a linear (or, spanning decades, log) axis; anything else becomes evenly spaced categories. */
export function paramAxis(values: readonly (ParamValueData | undefined)[]): ParamAxis {
  const present = values.filter((v): v is ParamValueData => v !== undefined);
  if (present.length && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const log = min > 0 && Math.max(...nums) / min >= LOG_SPAN;
    return { position: (v) => (typeof v === 'number' ? v : NaN), label: (x) => formatValue(x), categorical: false, log };
  }
  const cats = [...new Set(present.map((v) => formatParam(v)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return {
    position: (v) => (v === undefined ? NaN : cats.indexOf(formatParam(v))),
    label: (x) => (Number.isInteger(x) ? cats[x] ?? '' : ''),
    categorical: true,
    log: false,
  };
}

/** Log-axis ticks at 1, 2 and 5 times a power of ten only: the others would crowd the axis. */
function logTick(v: number): string {
  const m = v / Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5].some((x) => Math.abs(m - x) < 1e-6) ? formatValue(v) : '';
}

/** "3 of 5 runs are not shown: 2 have no lr, 1 has no val_acc." — empty when every run is drawn. */
export function missingNote(total: number, noParam: number, noMetric: number, param: string | null, metric: string | null): string {
  const missing = noParam + noMetric;
  if (!missing || !param || !metric) return '';
  const has = (n: number) => (n === 1 ? 'has' : 'have');
  const parts = [noParam ? `${noParam} ${has(noParam)} no ${param}` : '', noMetric ? `${noMetric} ${has(noMetric)} no ${metric}` : ''].filter(Boolean);
  return `${missing} of ${total} run${total === 1 ? '' : 's'} ${missing === 1 ? 'is' : 'are'} not shown: ${parts.join(', ')}.`;
}

/** Scatter of one param against one metric summary, one point per run in the run's colour. */
export class ScatterView {
  readonly element: HTMLElement;
  private readonly chart: Chart<'scatter'>;
  private readonly note: HTMLElement;

  constructor() {
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'Param against metric scatter plot' } });
    this.note = h('p', { className: 'chart-note muted' });
    this.element = h('div', { className: 'scatter' }, [h('div', { className: 'chart-body scatter-body' }, [canvas]), this.note]);
    this.chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options: { animation: false, responsive: true, maintainAspectRatio: false } });
  }

  update(runs: readonly ColoredRun[], param: string | null, metric: string | null, stat: SummaryStat, theme: ThemeColors): void {
    const axis = paramAxis(runs.map((r) => (param ? r.run.params[param] : undefined)));
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    let noParam = 0;
    let noMetric = 0;
    this.chart.data.datasets = runs.map(({ run, color }) => {
      const y = metric ? run.metrics[metric]?.[stat] : undefined;
      const x = param ? axis.position(run.params[param]) : NaN;
      // A run missing both is counted once, under the param.
      if (!Number.isFinite(x)) noParam++;
      else if (y === undefined || !Number.isFinite(y)) noMetric++;
      return {
        label: run.name,
        data: Number.isFinite(x) && y !== undefined && Number.isFinite(y) ? [{ x, y }] : [],
        backgroundColor: color, borderColor: color, pointRadius: 5, pointHoverRadius: 7,
      };
    });
    const note = missingNote(runs.length, noParam, noMetric, param, metric);
    this.note.textContent = note;
    this.note.hidden = !note;
    const scaleBase = { grid: { color: theme.grid }, border: { color: theme.grid } };
    this.chart.options = {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          backgroundColor: theme.background, titleColor: theme.foreground, bodyColor: theme.foreground,
          borderColor: theme.hoverBorder, borderWidth: 1, titleFont: font, bodyFont: font,
          callbacks: {
            // Canvas text, never HTML: run names are drawn as given.
            label: (item) => `${item.dataset.label ?? ''}: ${axis.label(item.parsed.x ?? NaN) || formatValue(item.parsed.x ?? NaN)}, ${formatValue(item.parsed.y ?? NaN)}`,
          },
        },
      },
      scales: {
        x: axis.log ? {
          ...scaleBase, type: 'logarithmic',
          title: { display: !!param, text: `${param ?? ''} (log scale)`, color: theme.muted, font },
          ticks: { color: theme.muted, font, callback: (v) => logTick(Number(v)) },
        } : {
          ...scaleBase, type: 'linear', offset: axis.categorical,
          title: { display: !!param, text: param ?? '', color: theme.muted, font },
          ticks: { color: theme.muted, font, callback: (v) => axis.label(Number(v)), ...(axis.categorical ? { stepSize: 1 } : {}) },
        },
        y: {
          ...scaleBase, type: 'linear',
          title: { display: !!metric, text: metric ? `${metric} (${stat})` : '', color: theme.muted, font },
          ticks: { color: theme.muted, font, callback: (v) => formatValue(Number(v)) },
        },
      },
    };
    this.chart.update('none');
    this.element.dataset.xScale = axis.log ? 'log' : axis.categorical ? 'category' : 'linear';
    this.element.dataset.points = String(runs.length - noParam - noMetric);
  }
}
