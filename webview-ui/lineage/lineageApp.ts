import {
  isToLineageWebviewMessage, readLineageViewState, type FromLineageWebviewMessage, type LineageGraphMessage,
  type LineageNodeData, type LineageQueryData, type LineageTarget, type LineageViewState, type LineageViewport,
  type ToLineageWebviewMessage,
} from '../../src/protocol/lineageMessages';
import { dropdown, h, icon, iconButton } from '../shared/dom';
import { HostConnection } from '../shared/vscodeApi';
import { layoutGraph } from './graphLayout';
import { GraphView } from './graphView';

const hopChoices = [
  { value: 'all', label: 'All hops' }, { value: '1', label: '1 hop' }, { value: '2', label: '2 hops' },
  { value: '4', label: '4 hops' }, { value: '6', label: '6 hops' }, { value: '10', label: '10 hops' },
];
const directionChoices = [
  { value: 'both', label: 'Upstream and downstream' }, { value: 'up', label: 'Upstream (made from)' }, { value: 'down', label: 'Downstream (used by)' },
];

function sameTarget(a: LineageTarget | null, b: LineageTarget): boolean {
  if (!a || a.type !== b.type) return false;
  if (a.type === 'run') return a.runId === (b as { runId: string }).runId;
  if (a.type === 'path') return a.path === (b as { path: string }).path;
  return a.path === (b as { path: string }).path && a.sha256 === (b as { sha256: string }).sha256;
}

/**
 * The Lineage panel: toolbar (direction, hop limit, zoom), the graph, and a status line. It asks for
 * data with `ready`, draws each `graph` snapshot, and keeps target, query, viewport and selection
 * with setState so a reload puts the user back where they were.
 */
export class LineageApp {
  private readonly connection: HostConnection<FromLineageWebviewMessage, ToLineageWebviewMessage>;
  private readonly view: GraphView;
  private state: LineageViewState;
  private readonly titleEl = h('span', { className: 'lineage-title' });
  private readonly statusEl = h('div', { className: 'lineage-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly emptyEl = h('div', { className: 'lineage-empty empty' });
  private readonly toolbarSlot = h('div', { className: 'toolbar-field' });
  private readonly canvas = h('div', { className: 'lineage-canvas' });
  private readonly compareButton = iconButton('diff-multiple', 'Compare the runs in this graph', () => this.compareRuns());
  private graph: LineageGraphMessage | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(root: HTMLElement) {
    this.state = readLineageViewState(undefined);
    this.connection = new HostConnection(isToLineageWebviewMessage, (m) => this.onMessage(m));
    this.state = readLineageViewState(this.connection.state);
    this.view = new GraphView({
      onActivate: (node, part) => this.activate(node, part),
      onRetarget: (node) => this.retarget(node),
      onSelect: (id) => { this.state = { ...this.state, selected: id }; this.save(); this.describeSelection(); },
      onViewport: (v) => { this.state = { ...this.state, viewport: v }; this.save(); },
    });
    this.canvas.append(this.view.element, this.emptyEl);
    this.emptyEl.hidden = true;
    root.replaceChildren(
      h('header', { className: 'lineage-header' }, [
        h('h1', {}, [icon('type-hierarchy-sub'), this.titleEl]),
        h('div', { className: 'toolbar' }, [
          this.toolbarSlot,
          this.compareButton,
          iconButton('zoom-in', 'Zoom in (+)', () => this.view.zoomBy(1.25)),
          iconButton('zoom-out', 'Zoom out (-)', () => this.view.zoomBy(0.8)),
          iconButton('screen-full', 'Fit to view (0, or double-click the background)', () => this.view.fit()),
        ]),
      ]),
      this.canvas,
      h('footer', { className: 'lineage-footer' }, [
        this.statusEl,
        h('div', { className: 'legend', attrs: { 'aria-label': 'Legend' } }, [
          h('span', { className: 'legend-item legend-run', text: 'run' }),
          h('span', { className: 'legend-item legend-dataset', text: '▤ dataset' }),
          h('span', { className: 'legend-item legend-model', text: '◆ model' }),
          h('span', { className: 'legend-item legend-file', text: '▢ file' }),
          h('span', { className: 'legend-item legend-older', text: 'older version' }),
          h('span', { className: 'legend-hint', text: 'Click: open · double-click: re-centre · drag: pan · wheel: zoom' }),
        ]),
      ]),
    );
    this.renderToolbar();
    new ResizeObserver((entries) => {
      const r = entries[entries.length - 1].contentRect;
      this.view.setSize(r.width, r.height);
    }).observe(this.canvas);
    this.connection.post({ type: 'ready' });
  }

  private renderToolbar(): void {
    const q = this.state.query;
    this.toolbarSlot.replaceChildren(
      dropdown(directionChoices, q.direction, 'Direction', (v) => this.setQuery({ ...this.state.query, direction: v as LineageQueryData['direction'] })),
      dropdown(hopChoices, q.hops === null ? 'all' : String(q.hops), 'Hop limit', (v) => this.setQuery({ ...this.state.query, hops: v === 'all' ? null : Number(v) })),
    );
  }

  private setQuery(query: LineageQueryData): void {
    if (query.direction === this.state.query.direction && query.hops === this.state.query.hops) return;
    this.state = { ...this.state, query };
    this.save();
    this.connection.post({ type: 'setQuery', query });
  }

  private onMessage(m: ToLineageWebviewMessage): void {
    switch (m.type) {
      case 'graph': return this.showGraph(m);
      case 'empty':
        this.graph = undefined;
        this.state = { ...this.state, target: m.target };
        this.save();
        this.view.render({ nodes: [], edges: [], width: 0, height: 0, layoutMs: 0 }, []);
        this.emptyEl.textContent = m.message;
        this.emptyEl.hidden = false;
        this.titleEl.textContent = 'Lineage';
        this.statusEl.textContent = '';
        return;
    }
  }

  private showGraph(m: LineageGraphMessage): void {
    const t0 = performance.now();
    const keepView = sameTarget(this.state.target, m.target) && this.state.viewport !== null;
    this.graph = m;
    this.emptyEl.hidden = m.nodes.length > 0;
    this.emptyEl.textContent = m.nodes.length ? '' : 'Nothing recorded around this yet.';
    this.titleEl.textContent = m.title;
    const queryChanged = m.query.direction !== this.state.query.direction || m.query.hops !== this.state.query.hops;
    this.state = { ...this.state, target: m.target, query: m.query, selected: keepView ? this.state.selected : null };
    if (queryChanged) this.renderToolbar();
    const layout = layoutGraph(m.nodes, m.edges);
    // Measured once here (before the graph is in the page, so cheap); the ResizeObserver keeps it after.
    const box = this.canvas.getBoundingClientRect();
    this.view.setSize(box.width, box.height);
    let drawMs = this.view.render(layout, m.roots);
    if (keepView) this.view.setViewport(this.state.viewport!, false);
    else if (m.nodes.length > 150 && m.roots.length) this.view.centreOn(m.roots[0], false);
    else this.view.fit(false);
    this.state = { ...this.state, viewport: this.view.currentViewport };
    if (this.state.selected) this.view.select(this.state.selected, false);
    drawMs += this.view.draw();
    this.save();
    const runs = m.nodes.filter((n) => n.type === 'run').length;
    const target = m.target.type === 'run' ? m.nodes.find((n) => n.id === (m.target as { runId: string }).runId) : undefined;
    const repeat = target?.type === 'run' && target.duplicateOf ? ` · repeats run ${target.duplicateOf.name} (same command, code, params and inputs)` : '';
    this.statusEl.textContent = `${runs} run${runs === 1 ? '' : 's'}, ${m.nodes.length - runs} artifact version${m.nodes.length - runs === 1 ? '' : 's'}`
      + (m.truncated ? ` · more beyond ${m.query.hops} hop${m.query.hops === 1 ? '' : 's'}` : '') + repeat;
    this.compareButton.toggleAttribute('disabled', runs < 2);
    document.body.dataset.layoutMs = layout.layoutMs.toFixed(1);
    document.body.dataset.drawMs = drawMs.toFixed(1);
    document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
    document.body.dataset.graphNodes = String(m.nodes.length);
    this.describeSelection();
  }

  private describeSelection(): void {
    const id = this.state.selected;
    const n = id ? this.graph?.nodes.find((x) => x.id === id) : undefined;
    this.canvas.setAttribute('aria-description', n ? (n.type === 'run' ? `Selected run ${n.name}` : `Selected ${n.path} version ${n.version}`) : '');
  }

  private activate(node: LineageNodeData, part: 'node' | 'script'): void {
    if (node.type === 'run') {
      if (part === 'script' && node.script) this.connection.post({ type: 'openScript', runId: node.id });
      else this.connection.post({ type: 'openRun', runId: node.id });
    } else {
      this.connection.post({ type: 'openArtifact', path: node.path, sha256: node.sha256 });
    }
  }

  /** The Compare panel on the graph's runs (the newest 50: the comparison is about what is on screen). */
  private compareRuns(): void {
    const runs = (this.graph?.nodes ?? []).filter((n) => n.type === 'run').sort((a, b) => (a as { startedAt: number }).startedAt - (b as { startedAt: number }).startedAt);
    if (runs.length < 2) return;
    this.connection.post({ type: 'compareRuns', runIds: runs.slice(-50).map((r) => r.id) });
  }

  private retarget(node: LineageNodeData): void {
    const target: LineageTarget = node.type === 'run' ? { type: 'run', runId: node.id } : { type: 'version', path: node.path, sha256: node.sha256 };
    this.state = { ...this.state, target, viewport: null, selected: node.id };
    this.save();
    this.connection.post({ type: 'retarget', target });
  }

  private save(): void {
    // Panning fires often; setState serialises the whole state, so coalesce.
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.connection.saveState(this.state);
    }, 100);
  }

  /** Exposed for tests and the benchmark: the current persisted state. */
  get viewState(): LineageViewState {
    return this.state;
  }

  get currentViewport(): LineageViewport {
    return this.view.currentViewport;
  }
}
