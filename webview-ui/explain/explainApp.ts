import type { MetricDirection } from '../../src/protocol/panelData';
import {
  isToExplainWebviewMessage, readExplainViewState,
  type ExplainItemData, type ExplainReportData, type ExplainReportMessage, type FromExplainWebviewMessage, type ToExplainWebviewMessage,
} from '../../src/protocol/explainMessages';
import { dropdown, h, icon, panelSection } from '../shared/dom';
import { formatBytes, formatParam, formatValue } from '../../src/protocol/format';
import { HostConnection } from '../shared/vscodeApi';

const KIND_ICON: Record<ExplainItemData['kind'], string> = {
  data: 'database', code: 'git-compare', param: 'settings', command: 'terminal', environment: 'server-environment',
};
const KIND_LABEL: Record<ExplainItemData['kind'], string> = {
  data: 'Input data', code: 'Code', param: 'Param', command: 'Command', environment: 'Environment',
};

/**
 * The Explain panel's page: a run against its baseline, what differs ranked with the most likely cause
 * first, each item with a link to its evidence, and where the curves part. Everything the runs
 * recorded reaches the page as text (dom.ts), never as markup.
 */
export class ExplainApp {
  private readonly host: HostConnection<FromExplainWebviewMessage, ToExplainWebviewMessage>;

  constructor(private readonly root: HTMLElement) {
    this.host = new HostConnection(isToExplainWebviewMessage, (m) => this.onMessage(m));
    const saved = readExplainViewState(this.host.state);
    root.classList.add('loading');
    root.replaceChildren(h('p', { className: 'muted', text: saved ? 'Comparing with the baseline…' : 'Loading…' }));
    this.host.post({ type: 'ready' });
  }

  private onMessage(m: ToExplainWebviewMessage): void {
    switch (m.type) {
      case 'computing':
        if (!this.root.querySelector('.explain-items')) {
          this.root.replaceChildren(h('p', { className: 'muted', text: `Comparing ${m.runName} with ${m.baselineName}…` }));
        }
        return;
      case 'error':
        this.root.classList.remove('loading');
        this.root.replaceChildren(h('p', { className: 'empty', text: m.message }));
        return;
      case 'report':
        this.host.saveState({ panel: 'explain', runId: m.report.run.id, baselineId: m.report.baseline.id });
        this.render(m);
        this.root.classList.remove('loading');
        document.body.dataset.explainItems = String(m.report.items.length);
        return;
    }
  }

  private render(m: ExplainReportMessage): void {
    const r = m.report;
    this.root.replaceChildren(
      this.header(r),
      panelSection('differences', 'What differs, most likely cause first', 'list-ordered', this.items(r)),
      panelSection('curves', 'Where the curves part', 'graph-line', this.curves(r, m)),
      h('p', { className: 'muted method', text: r.method }),
    );
  }

  private header(r: ExplainReportData): HTMLElement {
    const link = (name: string, id: string, label: string) => h('a', {
      className: 'run-link', text: name, title: `Open ${label} ${name}`, attrs: { href: '#', role: 'button' },
      on: { click: (e) => { e.preventDefault(); this.host.post({ type: 'openRun', runId: id }); } },
    });
    const compare = h('vscode-button', { attrs: { appearance: 'secondary' }, on: { click: () => this.host.post({ type: 'openCompare' }) } }, [icon('diff'), 'Compare']);
    const value = r.metric && r.metricValues.run !== null && r.metricValues.baseline !== null
      ? h('p', { className: 'metric-line' }, [
        h('strong', { text: r.metric }), ` ${formatValue(r.metricValues.run)} `,
        h('span', { className: 'muted', text: `(baseline ${formatValue(r.metricValues.baseline)}${r.metricDirection ? `, ${r.metricDirection} is better` : ''})` }),
      ])
      : null;
    return h('header', { className: 'page-header explain-header' }, [
      h('div', {}, [
        h('h1', {}, [icon('lightbulb'), h('span', {}, [link(r.run.name, r.run.id, 'run'), ' against baseline ', link(r.baseline.name, r.baseline.id, 'baseline')])]),
        h('p', { className: 'muted', text: `experiment ${r.run.experiment}` }),
        value,
        ...r.regressions.map((line) => h('p', { className: 'regression' }, [icon('warning'), h('span', { text: line })])),
        r.metric && !r.regressions.length ? h('p', { className: 'muted', text: 'Not worse than the baseline (within tolerance).' }) : null,
      ]),
      compare,
    ]);
  }

  private items(r: ExplainReportData): HTMLElement {
    if (!r.items.length) {
      return h('p', { className: 'empty', text: 'Nothing recorded differs: same params, code, input data, command and environment.' });
    }
    const list = h('ol', { className: 'explain-items' }, r.items.map((item, i) => h('li', { className: `explain-item kind-${item.kind}`, attrs: { 'data-kind': item.kind } }, [
      h('div', { className: 'item-head' }, [
        h('span', { className: 'rank', text: String(i + 1) }),
        icon(KIND_ICON[item.kind]),
        h('span', { className: 'kind', text: KIND_LABEL[item.kind] }),
        h('span', { className: 'item-title', text: item.title }),
      ]),
      h('div', { className: 'evidence muted' }, [h('span', { text: `Why here: ${item.evidence}` }), h('span', { className: 'score', text: ` · score ${item.score.toFixed(2)}` })]),
      this.itemBody(item),
    ])));
    return h('div', {}, [list, r.codeUnavailable ? h('p', { className: 'muted', text: `Code not compared: ${r.codeUnavailable}` }) : null]);
  }

  private itemBody(item: ExplainItemData): HTMLElement | null {
    const action = (label: string, codicon: string, onClick: () => void) =>
      h('vscode-button', { attrs: { appearance: 'secondary' }, className: 'evidence-action', on: { click: onClick } }, [icon(codicon), label]);
    switch (item.kind) {
      case 'data': {
        const v = (x: { sha256: string | null; size: number | null } | null) => (x ? `${x.sha256 ? x.sha256.slice(0, 16) : 'no hash'} · ${formatBytes(x.size)}` : 'not read');
        return h('div', { className: 'item-body' }, [
          h('table', { className: 'versions' }, [
            h('tr', {}, [h('th', { text: 'path' }), h('td', { className: 'mono', text: item.input.path })]),
            h('tr', {}, [h('th', { text: 'baseline' }), h('td', { className: 'mono', text: v(item.input.baseline) })]),
            h('tr', {}, [h('th', { text: 'this run' }), h('td', { className: 'mono', text: v(item.input.run) })]),
          ]),
          h('div', { className: 'actions' }, [
            action('Open File', 'go-to-file', () => this.host.post({ type: 'openInput', path: item.input.path, lineage: false })),
            action('Versions (Lineage)', 'type-hierarchy', () => this.host.post({ type: 'openInput', path: item.input.path, lineage: true })),
          ]),
        ]);
      }
      case 'param':
        return h('div', { className: 'item-body' }, [
          h('p', { className: 'mono', text: `${item.param.key}: ${formatParam(item.param.baseline)} → ${formatParam(item.param.run)}` }),
          item.sweep ? h('p', { className: 'muted', text: `${item.sweep.method}: ρ = ${item.sweep.rho.toFixed(2)} over ${item.sweep.runs} runs` }) : null,
        ]);
      case 'code':
        return h('div', { className: 'item-body' }, item.code.files.map((f) => h('details', { className: 'code-file' }, [
          h('summary', {}, [
            h('span', { className: 'mono', text: `${f.status} ${f.path}` }),
            h('span', { className: 'muted', text: ` +${f.added} −${f.removed}` }),
            h('button', {
              className: 'link-button', text: 'Open Diff', attrs: { type: 'button' },
              on: { click: (e) => { e.preventDefault(); this.host.post({ type: 'openCodeDiff', path: f.path }); } },
            }),
          ]),
          h('pre', { className: 'hunks' }, f.hunks.flatMap((hunk) => hunk.split('\n').map((line) =>
            h('span', { className: line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '', text: `${line}\n` })))),
          f.truncated ? h('p', { className: 'muted', text: 'Cut here: open the diff for the rest.' }) : null,
        ])));
      case 'environment': {
        const e = item.environment;
        const rows: [string, string][] = [];
        if (e.python) rows.push(['python', `${e.python.baseline} → ${e.python.run}`]);
        for (const p of e.packages) rows.push([p.name, `${p.change}: ${p.baseline ?? '—'} → ${p.run ?? '—'}`]);
        if (e.gpus) rows.push(['GPU', `${e.gpus.baseline ?? 'none'} → ${e.gpus.run ?? 'none'}`]);
        for (const x of [...e.variables, ...e.machine]) rows.push([x.key, `${x.baseline ?? '(unset)'} → ${x.run ?? '(unset)'}`]);
        return h('div', { className: 'item-body' }, [h('table', { className: 'versions' }, rows.map(([k, v]) => h('tr', {}, [h('th', { text: k }), h('td', { className: 'mono', text: v })])))]);
      }
      case 'command':
        return h('div', { className: 'item-body' }, [
          h('table', { className: 'versions' }, [
            h('tr', {}, [h('th', { text: 'baseline' }), h('td', { className: 'mono', text: item.command.baseline })]),
            h('tr', {}, [h('th', { text: 'this run' }), h('td', { className: 'mono', text: item.command.run })]),
            item.command.launcher ? h('tr', {}, [h('th', { text: 'launched by' }), h('td', { text: `${item.command.launcher.baseline} → ${item.command.launcher.run}` })]) : null,
          ]),
        ]);
    }
  }

  private curves(r: ExplainReportData, m: ExplainReportMessage): HTMLElement {
    if (!r.curves.length) return h('p', { className: 'empty', text: 'The two runs share no metric.' });
    const directions = new Map(m.directions.map((d) => [d.key, d]));
    const rows = r.curves.map((c) => {
      const d = c.divergence;
      const where = d
        ? `leaves the baseline's band at step ${d.step}: ${formatValue(d.value)} vs ${formatValue(d.baselineValue)} ± ${formatValue(d.band)} (${d.side})`
        : 'stays within the baseline\'s band';
      const dir = directions.get(c.key);
      const choose = dropdown([
        { value: 'auto', label: dir?.source === 'override' ? 'from the name' : `${dir?.direction ?? 'unknown'} (from the name)` },
        { value: 'lower', label: 'lower is better' },
        { value: 'higher', label: 'higher is better' },
      ], dir?.source === 'override' && dir.direction ? dir.direction : 'auto', `Which way ${c.key} improves`, (value) => {
        this.host.post({ type: 'setDirection', key: c.key, direction: value === 'auto' ? null : value as MetricDirection });
      });
      return h('tr', { className: d ? 'parted' : '' }, [
        h('td', { className: 'mono', text: c.key }),
        h('td', {}, [d ? icon(d.side === 'worse' ? 'arrow-down' : 'arrow-both') : icon('check'), h('span', { text: ` ${where}` })]),
        h('td', {}, [choose]),
      ]);
    });
    return h('div', {}, [
      h('table', { className: 'curves' }, [h('tr', {}, [h('th', { text: 'metric' }), h('th', { text: 'curve' }), h('th', { text: 'direction' })]), ...rows]),
      h('p', { className: 'muted', text: 'The direction is saved in .exptrack/config.json (metrics.directions), for the CLI too.' }),
    ]);
  }
}
