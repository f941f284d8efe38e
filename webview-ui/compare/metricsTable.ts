import type { MetricDirection } from '../../src/protocol/panelData';
import { h } from '../shared/dom';
import { formatDelta, formatValue } from '../../src/protocol/format';
import { type ColoredRun, runHeaderCell } from './runHeader';
import { allMetricKeys } from './runOrder';

/** Last, min, max and best step per metric per run, with the last value's delta to the baseline. */
export function metricsTable(
  runs: readonly ColoredRun[], baselineId: string | null, directions: Readonly<Record<string, MetricDirection>>,
): HTMLElement {
  const data = runs.map((r) => r.run);
  const keys = allMetricKeys(data);
  const baseline = data.find((r) => r.id === baselineId);
  if (!keys.length) return h('p', { className: 'empty', text: 'No metrics recorded.' });
  const body = keys.map((k) => {
    const dir = directions[k];
    const b = baseline?.metrics[k];
    return h('tr', { attrs: { 'data-metric': k } }, [
      h('th', { className: 'key', attrs: { scope: 'row' }, title: dir ? `${k} (${dir} is better)` : k }, [
        h('span', { text: k }),
        dir ? h('span', { className: 'direction', text: dir === 'lower' ? ' ↓' : ' ↑', attrs: { 'aria-label': `${dir} is better` } }) : null,
      ]),
      ...runs.map(({ run }) => {
        const m = run.metrics[k];
        if (!m) return h('td', { className: 'value missing', text: '—', title: 'not recorded in this run' });
        let delta: HTMLElement | null = null;
        if (b && run !== baseline) {
          const d = m.last - b.last;
          const rel = b.last !== 0 && Number.isFinite(d) ? ` ${d / Math.abs(b.last) >= 0 ? '+' : '−'}${Math.abs((d / b.last) * 100).toFixed(1)}%` : '';
          const verdict = !dir || !Number.isFinite(d) || d === 0 ? 'same' : (d < 0) === (dir === 'lower') ? 'better' : 'worse';
          delta = h('span', { className: `delta ${verdict}`, text: `${formatDelta(d)}${rel}`, title: verdict === 'same' ? 'delta to baseline' : `${verdict} than the baseline` });
        }
        return h('td', { className: 'value num' }, [
          h('div', { className: 'metric-last' }, [h('span', { text: formatValue(m.last), title: `last at step ${m.lastStep}` }), delta]),
          h('div', { className: 'metric-stats', text: `min ${formatValue(m.min)} · max ${formatValue(m.max)}${m.bestStep !== null ? ` · best @${formatValue(m.bestStep)}` : ''}` }),
        ]);
      }),
    ]);
  });
  return h('div', { className: 'table-scroll' }, [h('table', { className: 'grid metrics-table' }, [
    h('thead', {}, [h('tr', {}, [h('th', { className: 'key', text: 'Metric', attrs: { scope: 'col' } }), ...runs.map((r) => runHeaderCell(r, r.run.id === baselineId))])]),
    h('tbody', {}, body),
  ])]);
}
