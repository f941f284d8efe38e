import type { TrendData } from '../../src/protocol/panelData';
import { Chart } from '../shared/chartSetup';
import { h } from '../shared/dom';
import { formatValue } from '../../src/protocol/format';
import { withAlpha, type ThemeColors } from '../shared/themeColors';

/**
 * The experiment's headline metric across its runs, oldest first: each run's last value, the best so
 * far as a step line, this run and the baseline marked. Is this experiment getting better?
 */
export class TrendView {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line'>;
  private readonly caption: HTMLElement;

  constructor() {
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'Headline metric across the experiment\'s runs' } });
    this.caption = h('p', { className: 'trend-caption muted' });
    this.element = h('div', { className: 'trend' }, [this.caption, h('div', { className: 'chart-body trend-body' }, [canvas])]);
    this.chart = new Chart(canvas, { type: 'line', data: { datasets: [] }, options: { animation: false, responsive: true, maintainAspectRatio: false } });
  }

  update(trend: TrendData, currentRunId: string, theme: ThemeColors): void {
    const { points } = trend;
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    const current = points.findIndex((p) => p.runId === currentRunId);
    const baseline = points.findIndex((p) => p.runId === trend.baselineRunId);
    const first = points[0];
    const last = points[points.length - 1];
    const better = trend.direction && last.bestSoFar !== first.value
      ? `best ${formatValue(last.bestSoFar)} (first run ${formatValue(first.value)})` : `latest ${formatValue(last.value)}`;
    this.caption.textContent = `${trend.key} over ${points.length} runs of ${trend.experiment}${trend.direction ? ` (${trend.direction} is better)` : ''}: ${better}.`;
    const color = theme.palette[0];
    const radius = points.map((_, i) => (i === current ? 6 : i === baseline ? 5 : 3));
    this.chart.data = {
      datasets: [
        {
          label: trend.key, data: points.map((p, i) => ({ x: i + 1, y: p.value })), borderColor: withAlpha(color, 0.6), borderWidth: 1.5,
          pointRadius: radius, pointHoverRadius: radius.map((r) => r + 2),
          pointBackgroundColor: points.map((_, i) => (i === current ? theme.foreground : i === baseline ? theme.better : color)),
          pointBorderColor: points.map((_, i) => (i === current ? theme.foreground : i === baseline ? theme.better : color)),
        },
        ...(trend.direction ? [{
          label: 'best so far', data: points.map((p, i) => ({ x: i + 1, y: p.bestSoFar })), borderColor: theme.better, borderWidth: 1,
          borderDash: [4, 3], pointRadius: 0, pointHoverRadius: 0, stepped: 'before' as const,
        }] : []),
      ],
    };
    const scaleBase = { grid: { color: theme.grid }, border: { color: theme.grid } };
    this.chart.options = {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: {
          backgroundColor: theme.background, titleColor: theme.foreground, bodyColor: theme.foreground,
          borderColor: theme.hoverBorder, borderWidth: 1, titleFont: font, bodyFont: font,
          callbacks: {
            // Canvas text, never HTML: run names are drawn as given.
            title: (items) => {
              const p = points[items[0]?.dataIndex ?? -1];
              if (!p) return '';
              const mark = p.runId === currentRunId ? ' (this run)' : p.runId === trend.baselineRunId ? ' (baseline)' : '';
              return `${p.name}${mark} · ${new Date(p.startedAt).toLocaleString()}`;
            },
            label: (item) => `${item.dataset.label ?? ''}: ${formatValue(item.parsed.y ?? NaN)}`,
          },
        },
      },
      scales: {
        x: { ...scaleBase, type: 'linear', title: { display: true, text: 'run (oldest first)', color: theme.muted, font },
          ticks: { color: theme.muted, font, precision: 0 } },
        y: { ...scaleBase, type: 'linear', title: { display: true, text: trend.key, color: theme.muted, font },
          ticks: { color: theme.muted, font, callback: (v) => formatValue(Number(v)) } },
      },
    };
    this.chart.update('none');
    this.element.dataset.points = String(points.length);
  }
}
