import { h, iconButton } from '../shared/dom';
import { formatDateTime, formatDuration } from '../../src/protocol/format';
import type { ColoredRun } from './runHeader';

export interface RunsTableActions {
  setBaseline(runId: string): void;
  openRun(runId: string): void;
}

/** The compared runs with their colours, status and the per-run actions. */
export function runsTable(runs: readonly ColoredRun[], baselineId: string | null, actions: RunsTableActions): HTMLElement {
  const rows = runs.map(({ run, color }) => {
    const swatch = h('span', { className: 'swatch' });
    swatch.style.backgroundColor = color;
    const isBaseline = run.id === baselineId;
    const tags = Object.entries(run.tags).map(([k, v]) => h('span', { className: 'tag', text: v ? `${k}: ${v}` : k }));
    return h('tr', { className: isBaseline ? 'baseline' : '', attrs: { 'data-run': run.id } }, [
      h('td', {}, [h('span', { className: 'run-cell' }, [
        swatch,
        h('span', { className: 'run-name', text: run.name, title: run.id }),
        isBaseline ? h('span', { className: 'badge', text: 'baseline' }) : null,
      ])]),
      h('td', { className: 'muted', text: run.experiment }),
      h('td', {}, [h('span', { className: `status status-${run.status}`, text: run.status })]),
      h('td', { className: 'muted', text: formatDateTime(run.startedAt) }),
      h('td', { className: 'num', text: formatDuration(run.durationMs ?? (run.status === 'running' ? Date.now() - run.startedAt : null)) }),
      h('td', { className: 'tags' }, tags),
      h('td', { className: 'actions' }, [
        isBaseline ? null : iconButton('pin', `Set ${run.name} as baseline`, () => actions.setBaseline(run.id)),
        iconButton('go-to-file', `Open run ${run.name}`, () => actions.openRun(run.id)),
      ]),
    ]);
  });
  return h('div', { className: 'table-scroll' }, [h('table', { className: 'grid runs-table' }, [
    h('thead', {}, [h('tr', {}, ['Run', 'Experiment', 'Status', 'Started', 'Duration', 'Tags', ''].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
    h('tbody', {}, rows),
  ])]);
}
