import {
  isToCompareWebviewMessage, type ChangedFilesMessage, type FromCompareWebviewMessage, type ToCompareWebviewMessage,
} from '../../src/protocol/compareMessages';
import type { MetricDirection, RunData } from '../../src/protocol/panelData';
import { type CompareViewState, readCompareViewState } from '../../src/protocol/viewState';
import { EXPERIMENT_BASELINE_TAG } from '../../src/protocol/explainMessages';
import { ChartPanel, chartPanelHost } from '../shared/chartPanel';
import { checkbox, dropdown, h, icon, panelSection, slot } from '../shared/dom';
import type { ChartRun } from '../shared/metricChart';
import { onThemeChange, readThemeColors, runColor, type ThemeColors } from '../shared/themeColors';
import { HostConnection } from '../shared/vscodeApi';
import { chartPointBudget } from '../shared/pointBudget';
import { type ChangedFilesState, codeView } from './codeView';
import { metricsTable } from './metricsTable';
import { paramsTable } from './paramsTable';
import { ParallelCoordinates } from './parallelCoordinates';
import type { ColoredRun } from './runHeader';
import { allMetricKeys, allParamKeys, changedParamKeys, defaultParallelParams, informativeParams } from './runOrder';
import { runsTable } from './runsTable';
import { ScatterView, type SummaryStat } from './scatterView';
import { compareCsv, compareMarkdown } from './tableExport';

/** The Compare panel's page: runs, params and metrics diffs, charts, scatter, parallel coordinates, code. */
export class CompareApp {
  private readonly host: HostConnection<FromCompareWebviewMessage, ToCompareWebviewMessage>;
  private state: CompareViewState;
  private theme: ThemeColors;
  private runs: readonly RunData[] = [];
  private directions: Readonly<Record<string, MetricDirection>> = {};
  private headlineMetric: string | null = null;
  private readonly charts: ChartPanel;
  private readonly scatter = new ScatterView();
  private readonly parallel = new ParallelCoordinates();
  private scatterStat: SummaryStat = 'last';
  private nextRequest = 1;
  private changedFiles: ChangedFilesState | undefined;
  private changedFilesRequest = 0;
  private secondaryTimer: number | undefined;
  private readonly sections: Record<'toolbar' | 'runs' | 'metrics' | 'params' | 'scatterControls' | 'parallelControls' | 'code', HTMLElement>;

  constructor(private readonly root: HTMLElement) {
    this.host = new HostConnection(isToCompareWebviewMessage, (m) => this.onMessage(m));
    this.state = readCompareViewState(this.host.state);
    this.theme = readThemeColors();
    this.charts = new ChartPanel(this.state, this.theme, chartPanelHost((view) => this.setState(view), (m) => this.host.post(m)));
    this.sections = {
      toolbar: slot('toolbar'), runs: slot('runs'), metrics: slot('metrics'), params: slot('params'),
      scatterControls: slot('scatter-controls'), parallelControls: slot('parallel-controls'), code: slot('code'),
    };
    root.replaceChildren(
      h('header', { className: 'page-header' }, [
        h('h1', {}, [icon('git-compare'), h('span', { className: 'page-title', text: 'Compare runs' })]),
        this.sections.toolbar,
      ]),
      panelSection('runs', 'Runs', 'list-unordered', this.sections.runs),
      panelSection('metrics', 'Metrics', 'graph', this.sections.metrics),
      panelSection('params', 'Params', 'settings', this.sections.params),
      panelSection('charts', 'Charts', 'graph-line', this.charts.element),
      h('div', { className: 'two-col' }, [
        panelSection('scatter', 'Param vs metric', 'graph-scatter', this.sections.scatterControls, this.scatter.element),
        panelSection('parallel', 'Parallel coordinates', 'type-hierarchy-sub', this.sections.parallelControls, this.parallel.element),
      ]),
      panelSection('code', 'Code', 'source-control', this.sections.code),
    );
    this.root.classList.add('loading');
    onThemeChange(() => this.onThemeChange());
    this.host.post({ type: 'ready', pointBudget: chartPointBudget() });
  }

  private coloredRuns(): ColoredRun[] {
    return this.runs.map((run, i) => ({ run, color: runColor(this.theme, i) }));
  }

  private chartRuns(): ChartRun[] {
    return this.coloredRuns().map(({ run, color }) => ({ id: run.id, name: run.name, color, startedAt: run.startedAt }));
  }

  private onMessage(m: ToCompareWebviewMessage): void {
    switch (m.type) {
      case 'init': {
        // Measures show in the webview's devtools performance panel and in the benchmark.
        const t0 = performance.now();
        this.runs = m.runs;
        this.directions = m.directions;
        this.headlineMetric = m.headlineMetric;
        this.adoptRuns();
        // Tables first: the page's final width (scrollbar) is known before chart.js sizes its canvases,
        // so no chart is drawn twice.
        this.render();
        const t1 = performance.now();
        this.charts.setData(this.chartRuns(), allMetricKeys(this.runs), m.series, true);
        performance.measure('exptrack:tables', { start: t0, end: t1 });
        performance.measure('exptrack:charts', { start: t1, end: performance.now() });
        this.root.classList.remove('loading');
        document.body.dataset.chartsDrawn = String(this.charts.chartCount);
        return;
      }
      case 'runsUpdated': {
        const sameRuns = m.runs.length === this.runs.length && m.runs.every((r, i) => r.id === this.runs[i].id);
        this.runs = m.runs;
        this.directions = m.directions;
        this.headlineMetric = m.headlineMetric;
        this.adoptRuns(!sameRuns);
        this.charts.setData(this.chartRuns(), allMetricKeys(this.runs), m.series, false);
        // Up to 4 times a second while a run records: redraw data, never the controls (an open
        // dropdown would close under the user's pointer).
        if (sameRuns) this.renderLive();
        else this.render();
        return;
      }
      case 'seriesRange':
        this.charts.setDetail(m.requestId, m.key, m.series);
        return;
      case 'changedFiles':
        this.onChangedFiles(m);
        return;
    }
  }

  /** Keeps the saved baseline and choices when they still name compared runs; else sensible defaults. */
  private adoptRuns(refreshFiles = true): void {
    const ids = this.runs.map((r) => r.id);
    const has = (id: string | null) => id !== null && ids.includes(id);
    // Unless the user chose one here, deltas are against the experiment's baseline when it is compared.
    const experimentBaseline = this.runs.find((r) => r.tags[EXPERIMENT_BASELINE_TAG] === '1')?.id ?? null;
    const baselineId = has(this.state.baselineId) ? this.state.baselineId : (experimentBaseline ?? ids[0] ?? null);
    const params = allParamKeys(this.runs);
    const metrics = allMetricKeys(this.runs);
    const informative = informativeParams(this.runs);
    const metric = this.headlineMetric && metrics.includes(this.headlineMetric) ? this.headlineMetric : (metrics[0] ?? null);
    const diffRunA = has(this.state.diffRunA) ? this.state.diffRunA : baselineId;
    const diffRunB = has(this.state.diffRunB) && this.state.diffRunB !== diffRunA ? this.state.diffRunB : (ids.find((id) => id !== diffRunA) ?? null);
    const keptParallel = this.state.parallelParams.filter((p) => params.includes(p));
    this.setState({
      runIds: ids,
      baselineId,
      scatterParam: this.state.scatterParam && params.includes(this.state.scatterParam) ? this.state.scatterParam : (informative[0] ?? params[0] ?? null),
      scatterMetric: this.state.scatterMetric && metrics.includes(this.state.scatterMetric) ? this.state.scatterMetric : metric,
      parallelParams: keptParallel.length ? keptParallel : defaultParallelParams(this.runs),
      parallelMetric: this.state.parallelMetric && metrics.includes(this.state.parallelMetric) ? this.state.parallelMetric : metric,
      diffRunA, diffRunB,
    });
    if (refreshFiles) this.requestChangedFiles();
  }

  private setState(change: Partial<CompareViewState>): void {
    this.state = { ...this.state, ...change };
    this.host.saveState(this.state);
  }

  private render(): void {
    const runs = this.coloredRuns();
    const s = this.state;
    const baseline = this.runs.find((r) => r.id === s.baselineId);
    this.sections.toolbar.replaceChildren(h('div', { className: 'toolbar' }, [
      h('span', { className: 'toolbar-label', text: 'Baseline' }),
      dropdown(this.runs.map((r) => ({ value: r.id, label: r.name })), s.baselineId ?? '', 'Baseline run', (v) => this.setBaseline(v)),
      baseline && baseline.tags[EXPERIMENT_BASELINE_TAG] === '1'
        ? experimentBaselineLabel(baseline.experiment)
        : h('vscode-button', {
          attrs: { appearance: 'secondary' }, title: 'Make this run its experiment\'s baseline: runs that end are checked against it',
          on: {
            click: (e) => {
              if (!baseline) return;
              this.host.post({ type: 'setExperimentBaseline', runId: baseline.id });
              // Live updates leave the toolbar alone (an open dropdown would close): say it here.
              (e.currentTarget as HTMLElement).replaceWith(experimentBaselineLabel(baseline.experiment));
            },
          },
        }, [icon('star-empty'), ' Set as Experiment Baseline']),
      h('vscode-button', { attrs: { appearance: 'secondary' }, title: 'Export params and metrics as CSV', on: { click: () => this.exportCsv() } }, [icon('export'), ' Export CSV']),
      h('vscode-button', { attrs: { appearance: 'secondary' }, title: 'Copy params and metrics as Markdown tables', on: { click: () => this.copyMarkdown() } }, [icon('markdown'), ' Copy as Markdown']),
    ]));
    this.sections.runs.replaceChildren(this.runs.length ? runsTable(runs, s.baselineId, {
      setBaseline: (id) => this.setBaseline(id),
      openRun: (id) => this.host.post({ type: 'openRun', runId: id }),
    }) : h('p', { className: 'empty', text: 'No runs to compare. Select runs in the Experiments view and choose Compare Runs.' }));
    this.sections.metrics.replaceChildren(metricsTable(runs, s.baselineId, this.directions));
    this.sections.params.replaceChildren(
      h('div', { className: 'toolbar' }, [checkbox('Only changed', s.onlyChanged, (checked) => {
        this.setState({ onlyChanged: checked });
        this.renderParams();
      })]),
      h('div', { className: 'params-slot' }),
    );
    this.renderParams();
    // Below the charts: rendered after the first frame so the charts are on screen sooner.
    if (this.secondaryTimer === undefined) {
      this.secondaryTimer = requestAnimationFrame(() => setTimeout(() => {
        this.secondaryTimer = undefined;
        this.renderScatter();
        this.renderParallel();
        this.renderCode();
      }, 0));
    }
    document.title = `Compare ${this.runs.length} runs${baseline ? ` against ${baseline.name}` : ''}`;
  }

  private renderLive(): void {
    const runs = this.coloredRuns();
    const s = this.state;
    this.sections.runs.replaceChildren(runsTable(runs, s.baselineId, {
      setBaseline: (id) => this.setBaseline(id),
      openRun: (id) => this.host.post({ type: 'openRun', runId: id }),
    }));
    this.sections.metrics.replaceChildren(metricsTable(runs, s.baselineId, this.directions));
    this.renderParams();
    this.scatter.update(runs, s.scatterParam, s.scatterMetric, this.scatterStat, this.theme);
    this.parallel.update(runs, s.parallelParams, s.parallelMetric, this.theme);
  }

  private renderParams(): void {
    this.sections.params.querySelector('.params-slot')?.replaceChildren(paramsTable(this.coloredRuns(), this.state.baselineId, this.state.onlyChanged));
  }

  private renderScatter(): void {
    const s = this.state;
    const params = allParamKeys(this.runs).map((p) => ({ value: p, label: p }));
    const metrics = allMetricKeys(this.runs).map((m) => ({ value: m, label: m }));
    this.sections.scatterControls.replaceChildren(h('div', { className: 'toolbar' }, [
      dropdown(params, s.scatterParam ?? '', 'Param', (v) => { this.setState({ scatterParam: v }); this.renderScatter(); }),
      h('span', { className: 'toolbar-label', text: 'against' }),
      dropdown(metrics, s.scatterMetric ?? '', 'Metric', (v) => { this.setState({ scatterMetric: v }); this.renderScatter(); }),
      dropdown([{ value: 'last', label: 'last' }, { value: 'min', label: 'min' }, { value: 'max', label: 'max' }], this.scatterStat, 'Statistic', (v) => {
        this.scatterStat = v as SummaryStat;
        this.renderScatter();
      }),
    ]));
    this.scatter.update(this.coloredRuns(), s.scatterParam, s.scatterMetric, this.scatterStat, this.theme);
  }

  private renderParallel(): void {
    const s = this.state;
    const metrics = allMetricKeys(this.runs).map((m) => ({ value: m, label: m }));
    const toggles = allParamKeys(this.runs).map((p) => checkbox(p, s.parallelParams.includes(p), (checked) => {
      const next = checked ? [...this.state.parallelParams, p] : this.state.parallelParams.filter((x) => x !== p);
      this.setState({ parallelParams: next });
      this.parallel.update(this.coloredRuns(), next, this.state.parallelMetric, this.theme);
    }));
    this.sections.parallelControls.replaceChildren(h('div', { className: 'toolbar' }, [
      h('span', { className: 'toolbar-label', text: 'Metric' }),
      dropdown(metrics, s.parallelMetric ?? '', 'Metric', (v) => {
        this.setState({ parallelMetric: v });
        this.parallel.update(this.coloredRuns(), this.state.parallelParams, v, this.theme);
      }),
    ]), h('div', { className: 'toggle-list', attrs: { role: 'group', 'aria-label': 'Params shown as axes' } }, toggles));
    this.parallel.update(this.coloredRuns(), s.parallelParams, s.parallelMetric, this.theme);
  }

  private renderCode(): void {
    this.sections.code.replaceChildren(codeView(this.coloredRuns(), this.state.diffRunA, this.state.diffRunB, this.changedFiles, {
      choose: (a, b) => {
        this.setState({ diffRunA: a, diffRunB: b });
        this.requestChangedFiles();
        this.renderCode();
      },
      openDiff: (a, b, path) => this.host.post({ type: 'openDiff', runA: a, runB: b, path }),
    }));
  }

  private requestChangedFiles(): void {
    const { diffRunA: a, diffRunB: b } = this.state;
    if (!a || !b || a === b) {
      this.changedFiles = undefined;
      return;
    }
    this.changedFilesRequest = this.nextRequest++;
    this.changedFiles = { kind: 'loading' };
    this.host.post({ type: 'requestChangedFiles', requestId: this.changedFilesRequest, runA: a, runB: b });
  }

  private onChangedFiles(m: ChangedFilesMessage): void {
    if (m.requestId !== this.changedFilesRequest) return;
    this.changedFiles = { kind: 'done', files: m.files, error: m.error };
    this.renderCode();
  }

  private setBaseline(runId: string): void {
    if (!this.runs.some((r) => r.id === runId) || runId === this.state.baselineId) return;
    this.setState({ baselineId: runId });
    this.render();
  }

  private exportCsv(): void {
    const params = this.state.onlyChanged ? [...changedParamKeys(this.runs)].sort() : allParamKeys(this.runs);
    // Dated and counted, so a second export does not offer to overwrite the first.
    const day = new Date().toISOString().slice(0, 10);
    const fileName = `compare-${this.runs.length}-runs-${day}.csv`;
    this.host.post({ type: 'exportCsv', fileName, csv: compareCsv(this.runs, params, allMetricKeys(this.runs)) });
  }

  private copyMarkdown(): void {
    const params = this.state.onlyChanged ? [...changedParamKeys(this.runs)].sort() : allParamKeys(this.runs);
    const baseline = this.runs.find((r) => r.id === this.state.baselineId);
    this.host.post({ type: 'copyText', what: 'comparison as Markdown', text: compareMarkdown(this.runs, baseline, params, allMetricKeys(this.runs), this.directions) });
  }

  private onThemeChange(): void {
    this.theme = readThemeColors();
    this.charts.setTheme(this.theme, this.chartRuns());
    if (this.runs.length) this.render();
    document.body.dataset.themeGeneration = String(Number(document.body.dataset.themeGeneration ?? 0) + 1);
  }
}

/** Says that the compared baseline is also its experiment's baseline. */
function experimentBaselineLabel(experiment: string): HTMLElement {
  return h('span', { className: 'toolbar-label experiment-baseline' }, [icon('star-full'), h('span', { text: ` the baseline of ${experiment}` })]);
}
