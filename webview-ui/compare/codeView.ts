import type { ChangedFile } from '../../src/protocol/compareMessages';
import { dropdown, h, icon, iconButton } from '../shared/dom';
import type { ColoredRun } from './runHeader';

export interface CodeViewActions {
  choose(runA: string, runB: string): void;
  openDiff(runA: string, runB: string, path: string): void;
}

export type ChangedFilesState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'done'; readonly files: readonly ChangedFile[]; readonly error: string | null };

const statusLabels: Record<string, string> = { A: 'added', M: 'modified', D: 'deleted', T: 'type changed' };

/** Commit and dirty state per run, then the files that differ between two chosen runs' snapshots. */
export function codeView(
  runs: readonly ColoredRun[], runA: string | null, runB: string | null, files: ChangedFilesState | undefined,
  actions: CodeViewActions,
): HTMLElement {
  const rows = runs.map(({ run, color }) => {
    const swatch = h('span', { className: 'swatch' });
    swatch.style.backgroundColor = color;
    const g = run.git;
    return h('tr', {}, [
      h('td', {}, [h('span', { className: 'run-cell' }, [swatch, h('span', { className: 'run-name', text: run.name })])]),
      h('td', { className: 'mono', text: g?.commit ? g.commit.slice(0, 10) : '—', title: g?.commit ?? 'no git commit recorded' }),
      h('td', { text: g?.branch ?? '—' }),
      h('td', {}, [g ? h('span', { className: g.dirty ? 'status status-dirty' : 'status status-clean', text: g.dirty ? 'dirty' : 'clean' }) : h('span', { className: 'muted', text: '—' })]),
      h('td', { className: 'mono', text: g?.snapshot ? g.snapshot.slice(0, 10) : '—', title: g?.snapshot ? `refs/exptrack/runs/${run.id}` : 'no snapshot' }),
    ]);
  });
  const options = runs.map((r) => ({ value: r.run.id, label: r.run.name }));
  const a = runA ?? '';
  const b = runB ?? '';
  let list: HTMLElement;
  if (!runA || !runB || runA === runB) {
    list = h('p', { className: 'empty', text: runs.length < 2 ? 'Compare two runs to see their code changes.' : 'Choose two different runs.' });
  } else if (!files || files.kind === 'loading') {
    list = h('p', { className: 'empty', text: 'Looking for changed files…' });
  } else if (files.error) {
    list = h('p', { className: 'empty' }, [icon('warning'), ` ${files.error}`]);
  } else if (!files.files.length) {
    list = h('p', { className: 'empty', text: 'The two snapshots have the same code.' });
  } else {
    list = h('ul', { className: 'file-list' }, files.files.map((f) => h('li', { attrs: { 'data-path': f.path } }, [
      h('span', { className: `file-status file-status-${f.status}`, text: f.status, title: statusLabels[f.status] ?? f.status }),
      h('span', { className: 'file-path', text: f.path, title: f.path }),
      iconButton('diff', `Open diff of ${f.path}`, () => actions.openDiff(runA, runB, f.path)),
    ])));
  }
  return h('div', { className: 'code-view' }, [
    h('div', { className: 'table-scroll' }, [h('table', { className: 'grid code-table' }, [
      h('thead', {}, [h('tr', {}, ['Run', 'Commit', 'Branch', 'Working tree', 'Snapshot'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
      h('tbody', {}, rows),
    ])]),
    h('div', { className: 'toolbar' }, [
      h('span', { className: 'toolbar-label', text: 'Changed files from' }),
      dropdown(options, a, 'Run A', (v) => actions.choose(v, b)),
      h('span', { className: 'toolbar-label', text: 'to' }),
      dropdown(options, b, 'Run B', (v) => actions.choose(a, v)),
    ]),
    list,
  ]);
}
