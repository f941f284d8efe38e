import type { ParamValueData } from '../../src/protocol/panelData';
import { Chart } from '../shared/chartSetup';
import { h } from '../shared/dom';
import { formatParam, formatValue } from '../shared/format';
import type { ThemeColors } from '../shared/themeColors';
import type { ColoredRun } from './runHeader';

export type SummaryStat = 'last' | 'min' | 'max';

/** Numeric params go on a linear axis; anything else becomes evenly spaced categories. */
export function paramAxis(values: readonly (ParamValueData | undefined)[]): { position(v: ParamValueData | undefined): number; label(x: number): string; categorical: boolean } {
  const present = values.filter((v): v is ParamValueData => v !== undefined);
  if (present.length && present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return { position: (v) => (typeof v === 'number' ? v : NaN), label: (x) => formatValue(x), categorical: false };
  }
  const cats = [...new Set(present.map((v) => formatParam(v)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return {
    position: (v) => (v === undefined ? NaN : cats.indexOf(formatParam(v))),
    label: (x) => (Number.isInteger(x) ? cats[x] ?? '' : ''),
    categorical: true,
  };
}

/** Scatter of one param against one metric summary, one point per run in the run's colour. */
export class ScatterView {
  readonly element: HTMLElement;
  private readonly chart: Chart<'scatter'>;

  constructor() {
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'Param against metric scatter plot' } });
    this.element = h('div', { className: 'chart-body scatter-body' }, [canvas]);
    this.chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options: { animation: false, responsive: true, maintainAspectRatio: false } });
  }

  update(runs: readonly ColoredRun[], param: string | null, metric: string | null, stat: SummaryStat, theme: ThemeColors): void {
    const axis = paramAxis(runs.map((r) => (param ? r.run.params[param] : undefined)));
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    this.chart.data.datasets = runs.map(({ run, color }) => {
      const y = metric ? run.metrics[metric]?.[stat] : undefined;
      const x = param ? axis.position(run.params[param]) : NaN;
      return {
        label: run.name,
        data: Number.isFinite(x) && y !== undefined && Number.isFinite(y) ? [{ x, y }] : [],
        backgroundColor: color, borderColor: color, pointRadius: 5, pointHoverRadius: 7,
      };
    });
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
        x: {
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
  }
}
