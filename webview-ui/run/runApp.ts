import type { MetricDirection, RunDetailData } from '../../src/protocol/panelData';
import {
  isToRunWebviewMessage, type FromRunWebviewMessage, type ToRunWebviewMessage,
} from '../../src/protocol/runMessages';
import { type RunViewState, readRunViewState } from '../../src/protocol/viewState';
import { ChartPanel, chartPanelHost } from '../shared/chartPanel';
import { h, icon, iconButton, panelSection, slot } from '../shared/dom';
import { formatBytes, formatDateTime, formatDuration, formatParam, formatValue } from '../../src/protocol/format';
import type { ChartRun } from '../shared/metricChart';
import { onThemeChange, readThemeColors, runColor, type ThemeColors } from '../shared/themeColors';
import { HostConnection } from '../shared/vscodeApi';
import { chartPointBudget } from '../shared/pointBudget';
import { TrendView } from './trendView';
import type { TrendData } from '../../src/protocol/panelData';

/** The Run panel's page: one run, redrawn as the host streams updates while it records. */
export class RunApp {
  private readonly host: HostConnection<FromRunWebviewMessage, ToRunWebviewMessage>;
  private state: RunViewState;
  private theme: ThemeColors;
  private run: RunDetailData | undefined;
  private directions: Readonly<Record<string, MetricDirection>> = {};
  private readonly charts: ChartPanel;
  private readonly slots: Record<'header' | 'summary' | 'params' | 'artifacts' | 'environment' | 'output', HTMLElement>;
  private tick: ReturnType<typeof setInterval> | undefined;
  private readonly trendView = new TrendView();
  private readonly trendSection: HTMLElement;
  private trend: TrendData | null = null;

  constructor(private readonly root: HTMLElement) {
    this.host = new HostConnection(isToRunWebviewMessage, (m) => this.onMessage(m));
    this.state = readRunViewState(this.host.state);
    this.theme = readThemeColors();
    this.charts = new ChartPanel(this.state, this.theme, chartPanelHost((view) => this.setState(view), (m) => this.host.post(m)));
    this.slots = { header: slot('header'), summary: slot('summary'), params: slot('params'), artifacts: slot('artifacts'), environment: slot('environment'), output: slot('output') };
    this.trendSection = panelSection('trend', 'Trend', 'pulse', this.trendView.element);
    this.trendSection.hidden = true;
    root.replaceChildren(
      this.slots.header,
      panelSection('summary', 'Metrics', 'graph', this.slots.summary),
      this.trendSection,
      panelSection('charts', 'Charts', 'graph-line', this.charts.element),
      h('div', { className: 'two-col' }, [
        panelSection('params', 'Params', 'settings', this.slots.params),
        panelSection('artifacts', 'Artifacts', 'package', this.slots.artifacts),
      ]),
      panelSection('output', 'Output', 'terminal', this.slots.output),
      panelSection('environment', 'Environment', 'server-environment', this.slots.environment),
    );
    root.classList.add('loading');
    onThemeChange(() => {
      this.theme = readThemeColors();
      this.charts.setTheme(this.theme, this.chartRuns());
      this.drawTrend();
      document.body.dataset.themeGeneration = String(Number(document.body.dataset.themeGeneration ?? 0) + 1);
    });
    this.host.post({ type: 'ready', pointBudget: chartPointBudget() });
  }

  private setState(change: Partial<RunViewState>): void {
    this.state = { ...this.state, ...change };
    this.host.saveState(this.state);
  }

  private chartRuns(): ChartRun[] {
    return this.run ? [{ id: this.run.id, name: this.run.name, color: runColor(this.theme, 0), startedAt: this.run.startedAt }] : [];
  }

  private onMessage(m: ToRunWebviewMessage): void {
    switch (m.type) {
      case 'init':
      case 'runUpdated': {
        const first = m.type === 'init';
        this.directions = m.directions;
        this.run = m.run;
        this.setState({ runId: m.run.id });
        this.charts.setData(this.chartRuns(), Object.keys(m.run.metrics), m.series, first);
        this.trend = m.trend;
        this.render();
        this.drawTrend();
        this.root.classList.remove('loading');
        document.body.dataset.chartsDrawn = String(this.charts.chartCount);
        return;
      }
      case 'seriesRange':
        this.charts.setDetail(m.requestId, m.key, m.series);
        return;
      case 'runGone':
        this.run = undefined;
        this.slots.header.replaceChildren(h('p', { className: 'empty', text: 'This run no longer exists in the database.' }));
        return;
    }
  }

  /** The experiment's headline metric across its runs; hidden with fewer than two. */
  private drawTrend(): void {
    this.trendSection.hidden = !this.trend || !this.run;
    if (this.trend && this.run) this.trendView.update(this.trend, this.run.id, this.theme);
  }

  private render(): void {
    const r = this.run;
    if (!r) return;
    document.title = `Run ${r.name}`;
    const live = r.status === 'running';
    const duration = h('span', { className: 'num', text: formatDuration(r.durationMs ?? (live ? Date.now() - r.startedAt : null)) });
    if (this.tick) clearInterval(this.tick);
    this.tick = live ? setInterval(() => { duration.textContent = formatDuration(Date.now() - r.startedAt); }, 1000) : undefined;
    const swatch = h('span', { className: 'swatch' });
    swatch.style.backgroundColor = runColor(this.theme, 0);
    this.slots.header.replaceChildren(h('header', { className: 'page-header run-header' }, [
      h('div', { className: 'run-title' }, [
        h('h1', {}, [swatch, h('span', { className: 'page-title', text: r.name })]),
        h('span', { className: `status status-${r.status}` }, [live ? icon('loading codicon-modifier-spin') : null, live ? ' ' : null, r.status]),
        ...Object.entries(r.tags).map(([k, v]) => h('span', { className: 'tag', text: v ? `${k}: ${v}` : k })),
      ]),
      h('dl', { className: 'facts' }, [
        h('dt', { text: 'Experiment' }), h('dd', { text: r.experiment }),
        h('dt', { text: 'Started' }), h('dd', { text: formatDateTime(r.startedAt) }),
        h('dt', { text: 'Duration' }), h('dd', {}, [duration]),
        h('dt', { text: 'Run id' }), h('dd', { className: 'mono', text: r.id }),
        r.git ? h('dt', { text: 'Code' }) : null,
        r.git ? h('dd', { className: 'mono', text: `${r.git.commit?.slice(0, 10) ?? '—'}${r.git.branch ? ` (${r.git.branch})` : ''}${r.git.dirty ? ' · dirty' : ''}` }) : null,
      ]),
      h('div', { className: 'command' }, [
        h('code', { className: 'mono', text: r.command }),
        iconButton('copy', 'Copy command', () => this.host.post({ type: 'copyText', text: r.command, what: 'command' })),
      ]),
      r.note ? h('p', { className: 'note', text: r.note }) : null,
    ]));
    this.slots.summary.replaceChildren(this.summary(r));
    this.slots.params.replaceChildren(this.keyValueTable('Param', Object.entries(r.params).map(([k, v]) => [k, formatParam(v)]), 'No params recorded.'));
    this.slots.artifacts.replaceChildren(this.artifacts(r));
    this.slots.environment.replaceChildren(this.keyValueTable('Name', Object.entries(r.environment), 'No environment recorded.'));
    this.renderOutput(r);
  }

  private summary(r: RunDetailData): HTMLElement {
    const keys = Object.keys(r.metrics).sort((a, b) => a.localeCompare(b));
    if (!keys.length) return h('p', { className: 'empty', text: 'No metrics yet.' });
    return h('div', { className: 'metric-cards' }, keys.map((k) => {
      const m = r.metrics[k];
      const dir = this.directions[k];
      return h('div', { className: 'metric-card', attrs: { 'data-metric': k } }, [
        h('div', { className: 'metric-card-key', text: k + (dir ? (dir === 'lower' ? ' ↓' : ' ↑') : ''), title: k }),
        h('div', { className: 'metric-card-value num', text: formatValue(m.last), title: `last, at step ${m.lastStep}` }),
        h('div', { className: 'metric-stats', text: `min ${formatValue(m.min)} · max ${formatValue(m.max)}${m.bestStep !== null ? ` · best @${formatValue(m.bestStep)}` : ''} · ${m.count} pts` }),
      ]);
    }));
  }

  private keyValueTable(head: string, rows: readonly (readonly [string, string])[], empty: string): HTMLElement {
    if (!rows.length) return h('p', { className: 'empty', text: empty });
    const sorted = [...rows].sort((a, b) => a[0].localeCompare(b[0]));
    return h('div', { className: 'table-scroll' }, [h('table', { className: 'grid kv-table' }, [
      h('thead', {}, [h('tr', {}, [h('th', { text: head, attrs: { scope: 'col' } }), h('th', { text: 'Value', attrs: { scope: 'col' } })])]),
      h('tbody', {}, sorted.map(([k, v]) => h('tr', {}, [h('th', { className: 'key', text: k, title: k, attrs: { scope: 'row' } }), h('td', { className: 'value', text: v, title: v })]))),
    ])]);
  }

  private artifacts(r: RunDetailData): HTMLElement {
    if (!r.artifacts.length) return h('p', { className: 'empty', text: 'No artifacts recorded.' });
    const kindIcon: Record<string, string> = { dataset: 'database', model: 'circuit-board', file: 'file' };
    return h('div', { className: 'table-scroll' }, [h('table', { className: 'grid artifacts-table' }, [
      h('thead', {}, [h('tr', {}, ['', 'Path', 'Size', 'Hash'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
      h('tbody', {}, r.artifacts.map((a) => h('tr', {}, [
        h('td', { title: `${a.role} ${a.kind}` }, [icon(a.role === 'input' ? 'arrow-right' : 'arrow-left'), ' ', icon(kindIcon[a.kind] ?? 'file')]),
        h('td', { className: 'value' }, [h('a', {
          className: 'artifact-link', text: a.path, title: `Open ${a.path}`, attrs: { href: '#', role: 'button' },
          on: { click: (e) => { e.preventDefault(); this.host.post({ type: 'revealArtifact', path: a.path }); } },
        })]),
        h('td', { className: 'num', text: formatBytes(a.size) }),
        h('td', { className: 'mono muted', text: a.sha256 ? a.sha256.slice(0, 12) : '—', title: a.sha256 ?? '' }),
      ]))),
    ])]);
  }

  private renderOutput(r: RunDetailData): void {
    if (r.outputTail === null) {
      this.slots.output.replaceChildren(h('p', { className: 'empty', text: 'No console output kept for this run.' }));
      return;
    }
    let pre = this.slots.output.querySelector('pre');
    const atBottom = !pre || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    if (!pre) {
      pre = h('pre', { className: 'output mono', attrs: { tabindex: '0', 'aria-label': 'Last lines of console output' } });
      this.slots.output.replaceChildren(pre);
    }
    pre.textContent = r.outputTail;
    // Follow the tail like a terminal, unless the user scrolled up to read.
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }
}
