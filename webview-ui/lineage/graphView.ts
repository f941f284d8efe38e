import { formatBytes } from '../../src/protocol/format';
import type { LineageNodeData, LineageViewport } from '../../src/protocol/lineageMessages';
import type { GraphLayout, PlacedNode } from './graphLayout';

const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | number>> = {}, cls?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (cls) el.setAttribute('class', cls);
  return el;
}

/** Text that fits `max` characters, with an ellipsis; the full text goes to the tooltip. */
function fit(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * Fits a path by dropping leading folders (`…/ckpt/model.pt`, then `…/model.pt`): the file name says
 * most, the nearest folder next.
 */
export function fitPath(p: string, max: number): string {
  if (p.length <= max) return p;
  const parts = p.split('/');
  for (let keep = parts.length - 1; keep >= 1; keep--) {
    const tail = `…/${parts.slice(parts.length - keep).join('/')}`;
    if (tail.length <= max) return tail;
  }
  return fit(parts[parts.length - 1], max);
}

/** Below this zoom a big graph is drawn as an overview of plain shapes. */
const overviewZoom = 0.3;
const overviewAbove = 150;

const statusGlyph: Record<string, string> = { running: '●', finished: '✓', failed: '✗', killed: '■', interrupted: '!' };
const kindGlyph: Record<string, string> = { dataset: '▤', model: '◆', file: '▢' };

export interface GraphViewHost {
  /** A node was activated (click, Enter). `part` is 'script' when the run's script line was clicked. */
  onActivate(node: LineageNodeData, part: 'node' | 'script'): void;
  /** Double-click: show lineage around this node instead. */
  onRetarget(node: LineageNodeData): void;
  onSelect(nodeId: string | null): void;
  onViewport(v: LineageViewport): void;
}

/**
 * The lineage graph drawn as SVG (text stays text, hit-testing and focus come free, and colours are
 * CSS classes on --vscode-* variables so a theme change needs no redraw). Pan by dragging the
 * background, zoom with the wheel or the toolbar; the viewport is reported for setState.
 */
export class GraphView {
  readonly element: SVGSVGElement;
  private readonly scene: SVGGElement;
  private layout: GraphLayout | undefined;
  private viewport: LineageViewport = { x: 0, y: 0, k: 1 };
  /** Elements of the nodes and edges drawn now (near the viewport), by node id / edge index. */
  private readonly nodeEls = new Map<string, SVGGElement>();
  private readonly edgeEls = new Map<number, SVGPathElement>();
  private readonly edgesLayer = svg('g', {}, 'edges');
  private readonly nodesLayer = svg('g', {}, 'nodes');
  private readonly overviewLayer = svg('g', {}, 'overview');
  private overviewBuilt = false;
  /** Nodes sorted by top edge, for finding the visible ones by binary search. */
  private byTop: PlacedNode[] = [];
  private placedById = new Map<string, PlacedNode>();
  private edgeBoxes: { minX: number; minY: number; maxX: number; maxY: number }[] = [];
  private roots = new Set<string>();
  private hotNodes = new Set<string>();
  private hotEdges = new Set<number>();
  private updateScheduled = false;
  private selected: string | null = null;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | undefined;

  constructor(private readonly host: GraphViewHost) {
    this.element = svg('svg', { role: 'application', 'aria-label': 'Lineage graph', tabindex: '-1' }, 'lineage-svg');
    const defs = svg('defs');
    for (const [id, cls] of [['arrow', 'edge-arrow'], ['arrow-hot', 'edge-arrow hot']] as const) {
      const marker = svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
      marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z' }, cls));
      defs.append(marker);
    }
    this.scene = svg('g', {}, 'scene');
    this.scene.append(this.overviewLayer, this.edgesLayer, this.nodesLayer);
    this.element.append(defs, this.scene);
    this.bind();
  }

  /**
   * Takes a laid-out graph; `roots` get the root outline. Only what is near the viewport is built as
   * elements (a 2,000-node history is ~15,000 SVG elements, most of them off screen); far out, an
   * overview of plain shapes replaces the detail. Call {@link setViewport} or {@link fit} next; they
   * draw. Returns ms spent.
   */
  render(layout: GraphLayout, roots: readonly string[]): number {
    const t0 = performance.now();
    this.layout = layout;
    this.roots = new Set(roots);
    this.nodeEls.clear();
    this.edgeEls.clear();
    this.edgesLayer.replaceChildren();
    this.nodesLayer.replaceChildren();
    this.overviewLayer.replaceChildren();
    this.overviewBuilt = false;
    this.byTop = [...layout.nodes].sort((a, b) => a.y - b.y);
    this.placedById = new Map(layout.nodes.map((p) => [p.node.id, p]));
    this.edgeBoxes = layout.edges.map((e) => {
      let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
      for (const p of e.points) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
      return { minX, minY, maxX, maxY };
    });
    if (!this.selected || !this.placedById.has(this.selected)) this.selected = null;
    this.computeHot();
    return performance.now() - t0;
  }

  /** Builds what the current viewport shows; returns ms spent. */
  draw(): number {
    const t0 = performance.now();
    const l = this.layout;
    if (!l) return 0;
    const overview = this.viewport.k < overviewZoom && l.nodes.length > overviewAbove;
    this.element.classList.toggle('overview-mode', overview);
    if (overview) {
      if (!this.overviewBuilt) this.buildOverview();
      this.edgesLayer.replaceChildren();
      this.nodesLayer.replaceChildren();
      this.nodeEls.clear();
      this.edgeEls.clear();
      return performance.now() - t0;
    }
    const { x, y, k } = this.viewport;
    const w = this.width || 800;
    const h = this.height || 600;
    const margin = 150 / k;
    const view = { minX: -x / k - margin, minY: -y / k - margin, maxX: (w - x) / k + margin, maxY: (h - y) / k + margin };
    const wantNodes = new Set<string>();
    const tallest = 60;
    let lo = 0;
    let hi = this.byTop.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.byTop[mid].y < view.minY - tallest) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < this.byTop.length && this.byTop[i].y <= view.maxY + tallest; i++) {
      const p = this.byTop[i];
      if (p.x + p.width / 2 >= view.minX && p.x - p.width / 2 <= view.maxX) wantNodes.add(p.node.id);
    }
    for (const [id, el] of this.nodeEls) if (!wantNodes.has(id)) { el.remove(); this.nodeEls.delete(id); }
    for (const id of wantNodes) {
      if (this.nodeEls.has(id)) continue;
      const el = this.nodeElement(this.placedById.get(id)!, this.roots.has(id));
      this.nodesLayer.append(el);
    }
    const edges = l.edges;
    for (let i = 0; i < edges.length; i++) {
      const b = this.edgeBoxes[i];
      const visible = edges[i].points.length >= 2 && b.maxX >= view.minX && b.minX <= view.maxX && b.maxY >= view.minY && b.minY <= view.maxY;
      const el = this.edgeEls.get(i);
      if (visible && !el) {
        const hot = this.hotEdges.has(i);
        const path = svg('path', { d: edgePath(edges[i].points), 'marker-end': hot ? 'url(#arrow-hot)' : 'url(#arrow)' }, `edge edge-${edges[i].edge.type}${hot ? ' hot' : ''}`);
        if (hot) this.edgesLayer.append(path); else this.edgesLayer.prepend(path);
        this.edgeEls.set(i, path);
      } else if (!visible && el) {
        el.remove();
        this.edgeEls.delete(i);
      }
    }
    this.element.dataset.drawnNodes = String(this.nodeEls.size);
    return performance.now() - t0;
  }

  /** Every node as a plain box and every edge as a line, in one path per style: cheap at any size. */
  private buildOverview(): void {
    const l = this.layout!;
    const boxes = new Map<string, string[]>();
    for (const p of l.nodes) {
      const cls = p.node.type === 'run' ? `run status-${p.node.status}` : `artifact kind-${p.node.kind}`;
      const list = boxes.get(cls) ?? [];
      list.push(`M${(p.x - p.width / 2).toFixed(0)},${(p.y - p.height / 2).toFixed(0)}h${p.width}v${p.height}h${-p.width}z`);
      boxes.set(cls, list);
    }
    const lines = l.edges.filter((e) => e.points.length >= 2).map((e) => {
      const a = e.points[0];
      const b = e.points[e.points.length - 1];
      return `M${a.x.toFixed(0)},${a.y.toFixed(0)}L${b.x.toFixed(0)},${b.y.toFixed(0)}`;
    });
    this.overviewLayer.append(svg('path', { d: lines.join('') }, 'overview-edges'));
    for (const [cls, d] of boxes) this.overviewLayer.append(svg('path', { d: d.join('') }, `overview-nodes ${cls}`));
    this.overviewBuilt = true;
  }

  private scheduleDraw(): void {
    if (this.updateScheduled) return;
    this.updateScheduled = true;
    requestAnimationFrame(() => {
      this.updateScheduled = false;
      this.draw();
    });
  }

  /** The drawing area's size, kept by a ResizeObserver so drawing never forces a layout. */
  private width = 0;
  private height = 0;

  /** Whether the viewport is the one fit() chose (no pan or zoom since). */
  private fitted = false;

  /**
   * Tells the view its size (from the app's ResizeObserver). Until the user pans or zooms, a fitted
   * graph is fitted again: a webview opened beside an editor is often laid out (or the editor group
   * resized) after the first graph arrived, which left it small in a corner of an empty area.
   */
  setSize(width: number, height: number): void {
    const changed = width !== this.width || height !== this.height;
    this.width = width;
    this.height = height;
    if (changed && this.fitted && width > 0 && height > 0) this.fit();
    else this.scheduleDraw();
  }

  private nodeElement(p: PlacedNode, isRoot: boolean): SVGGElement {
    const n = p.node;
    const x = p.x - p.width / 2;
    const y = p.y - p.height / 2;
    const g = svg('g', { transform: `translate(${x},${y})`, tabindex: '0', role: 'button', 'data-id': n.id },
      `node node-${n.type} ${n.type === 'run' ? `status-${n.status}` : `kind-${n.kind}`}${isRoot ? ' root' : ''}`);
    g.append(svg('rect', { width: p.width, height: p.height, rx: n.type === 'run' ? 6 : 2 }, 'node-box'));
    const title = svg('title');
    const chars = Math.floor((p.width - 30) / 7);
    if (n.type === 'run') {
      title.textContent = `Run ${n.name}\n${n.experiment} · ${n.status}\n${new Date(n.startedAt).toLocaleString()}\n${n.id}`
        + (n.duplicateOf ? `\nSame command, code, params and inputs as run ${n.duplicateOf.name}` : '');
      g.setAttribute('aria-label', `Run ${n.name}, ${n.status}`);
      g.append(svg('rect', { width: 4, height: p.height, rx: 2 }, 'status-bar'));
      const head = svg('text', { x: 12, y: 18 }, 'node-title');
      head.textContent = `${statusGlyph[n.status] ?? ''} ${fit(n.name, chars - 2)}`;
      g.append(head);
      const sub = svg('text', { x: 12, y: 35 }, 'node-sub');
      if (n.script) {
        const script = svg('tspan', {}, 'script-link');
        script.textContent = fit(n.script.slice(n.script.lastIndexOf('/') + 1), Math.max(6, chars - n.experiment.length - 3));
        script.setAttribute('data-part', 'script');
        const exp = svg('tspan');
        exp.textContent = ` · ${fit(n.experiment, 16)}`;
        sub.append(script, exp);
      } else {
        sub.textContent = fit(n.experiment, chars);
      }
      g.append(sub);
      if (n.duplicateOf) {
        const dup = svg('text', { x: p.width - 8, y: 18, 'text-anchor': 'end' }, 'dup-mark');
        dup.textContent = '=';
        g.append(dup);
      }
    } else {
      const latest = n.version === n.versions;
      title.textContent = `${n.kind} ${n.path}\nversion ${n.version} of ${n.versions}${latest ? ' (latest)' : ''}\nsha256 ${n.sha256 || 'not hashed'}`
        + `${n.size !== null ? `\n${formatBytes(n.size)}` : ''}\nrecorded ${new Date(n.createdAt).toLocaleString()}`;
      g.setAttribute('aria-label', `${n.kind} ${n.path}, version ${n.version} of ${n.versions}`);
      if (!latest) g.classList.add('older');
      const head = svg('text', { x: 10, y: 18 }, 'node-title');
      head.textContent = `${kindGlyph[n.kind] ?? ''} ${fitPath(n.path, chars - 1)}`;
      g.append(head);
      const sub = svg('text', { x: 10, y: 35 }, 'node-sub');
      const ver = svg('tspan', {}, latest ? 'version latest' : 'version');
      ver.textContent = `v${n.version}/${n.versions}`;
      const rest = svg('tspan', {}, 'mono');
      rest.textContent = ` ${n.sha256 ? n.sha256.slice(0, 8) : 'unhashed'}${n.size !== null ? ` · ${formatBytes(n.size)}` : ''}`;
      sub.append(ver, rest);
      g.append(sub);
    }
    g.prepend(title);
    if (n.id === this.selected) g.classList.add('selected');
    if (this.hotNodes.has(n.id)) g.classList.add('hot');
    this.nodeEls.set(n.id, g);
    return g;
  }

  get currentViewport(): LineageViewport {
    return this.viewport;
  }

  setViewport(v: LineageViewport, notify = true): void {
    const k = Math.min(4, Math.max(0.02, v.k));
    this.viewport = { x: v.x, y: v.y, k };
    this.fitted = false;
    this.scene.setAttribute('transform', `translate(${this.viewport.x.toFixed(2)},${this.viewport.y.toFixed(2)}) scale(${k.toFixed(4)})`);
    this.element.classList.toggle('zoomed-out', k < 0.45);
    this.scheduleDraw();
    if (notify) this.host.onViewport(this.viewport);
  }

  /** Fits the whole graph (or, for a big one, the roots' neighbourhood at a readable zoom). */
  fit(notify = true): void {
    const l = this.layout;
    const w = this.width || 800;
    const h = this.height || 600;
    if (!l || !l.nodes.length) return this.setViewport({ x: 0, y: 0, k: 1 }, notify);
    const pad = 24;
    const k = Math.min(1.25, (w - 2 * pad) / Math.max(1, l.width), (h - 2 * pad) / Math.max(1, l.height));
    this.setViewport({ x: (w - l.width * k) / 2, y: Math.max(pad, (h - l.height * k) / 2), k }, notify);
    this.fitted = true;
  }

  /** Centres on a node at a readable zoom. */
  centreOn(id: string, notify = true): void {
    const p = this.placedById.get(id);
    if (!p) return;
    const k = Math.max(this.viewport.k, 0.8);
    this.setViewport({ x: (this.width || 800) / 2 - p.x * k, y: (this.height || 600) / 2 - p.y * k, k }, notify);
  }

  zoomBy(f: number, cx?: number, cy?: number): void {
    const v = this.viewport;
    const x = cx ?? (this.width || 800) / 2;
    const y = cy ?? (this.height || 600) / 2;
    const k = Math.min(4, Math.max(0.02, v.k * f));
    this.setViewport({ x: x - (x - v.x) * (k / v.k), y: y - (y - v.y) * (k / v.k), k });
  }

  select(id: string | null, notify = true): void {
    this.selected = id && this.placedById.has(id) ? id : null;
    this.computeHot();
    for (const [nid, el] of this.nodeEls) {
      el.classList.toggle('selected', nid === this.selected);
      el.classList.toggle('hot', this.hotNodes.has(nid));
    }
    for (const [i, el] of this.edgeEls) {
      const hot = this.hotEdges.has(i);
      el.classList.toggle('hot', hot);
      el.setAttribute('marker-end', hot ? 'url(#arrow-hot)' : 'url(#arrow)');
      // Highlighted edges draw over the others.
      if (hot) this.edgesLayer.append(el);
    }
    if (notify) this.host.onSelect(this.selected);
  }

  /** The selected node's edges and neighbours stand out, so its inputs and outputs read in a dense graph. */
  private computeHot(): void {
    this.hotNodes = new Set();
    this.hotEdges = new Set();
    const id = this.selected;
    if (!id || !this.layout) return;
    this.layout.edges.forEach((e, i) => {
      if (e.edge.from !== id && e.edge.to !== id) return;
      this.hotEdges.add(i);
      this.hotNodes.add(e.edge.from === id ? e.edge.to : e.edge.from);
    });
  }

  /**
   * Keyboard walk: Right/Left go to the nearest downstream/upstream neighbour, Up/Down to the nearest
   * node above/below in the same column. Off-screen nodes have no element, so this works on the layout.
   */
  private neighbour(id: string, key: string): string | undefined {
    const l = this.layout;
    const from = this.placedById.get(id);
    if (!l || !from) return undefined;
    let candidates: PlacedNode[];
    if (key === 'ArrowRight' || key === 'ArrowLeft') {
      const ids = l.edges.filter((e) => (key === 'ArrowRight' ? e.edge.from === id : e.edge.to === id)).map((e) => (key === 'ArrowRight' ? e.edge.to : e.edge.from));
      candidates = ids.map((n) => this.placedById.get(n)!).filter(Boolean);
    } else {
      const down = key === 'ArrowDown';
      candidates = l.nodes.filter((p) => Math.abs(p.x - from.x) < from.width / 2 && (down ? p.y > from.y : p.y < from.y));
    }
    candidates.sort((a, b) => Math.hypot(a.x - from.x, a.y - from.y) - Math.hypot(b.x - from.x, b.y - from.y));
    return candidates[0]?.node.id;
  }

  /** Brings a node into view (building its element if needed) and focuses it. */
  focusNode(id: string): void {
    const p = this.placedById.get(id);
    if (!p) return;
    const { x, y, k } = this.viewport;
    const sx = p.x * k + x;
    const sy = p.y * k + y;
    const w = this.width || 800;
    const h = this.height || 600;
    if (k < overviewZoom || sx < 40 || sx > w - 40 || sy < 30 || sy > h - 30) this.centreOn(id);
    this.draw();
    this.select(id);
    (this.nodeEls.get(id) as (SVGGElement & { focus(o?: FocusOptions): void }) | undefined)?.focus({ preventScroll: true });
  }

  private nodeOf(target: EventTarget | null): { node: LineageNodeData; part: 'node' | 'script' } | undefined {
    const el = target instanceof Element ? target : null;
    const g = el?.closest('g.node');
    const id = g?.getAttribute('data-id');
    const p = id ? this.placedById.get(id) : undefined;
    return p && { node: p.node, part: el?.closest('[data-part="script"]') ? 'script' : 'node' };
  }

  private bind(): void {
    const el = this.element;
    el.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || this.nodeOf(e.target)) return;
      this.drag = { x: e.clientX, y: e.clientY, vx: this.viewport.x, vy: this.viewport.y, moved: false };
      el.setPointerCapture(e.pointerId);
      el.classList.add('panning');
    });
    el.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (!d) return;
      if (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 3) d.moved = true;
      this.setViewport({ x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y, k: this.viewport.k }, false);
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      if (!d) return;
      this.drag = undefined;
      el.classList.remove('panning');
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
      if (d.moved) this.host.onViewport(this.viewport);
      else this.select(null);
    };
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
    el.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      // Pinch gestures arrive as ctrl+wheel with small deltas; mouse wheels as larger steps.
      const f = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
      this.zoomBy(f, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    el.addEventListener('click', (e) => {
      const hit = this.nodeOf(e.target);
      if (!hit) return;
      this.select(hit.node.id);
      this.host.onActivate(hit.node, hit.part);
    });
    el.addEventListener('dblclick', (e) => {
      const hit = this.nodeOf(e.target);
      if (hit) this.host.onRetarget(hit.node);
      else this.fit();
    });
    el.addEventListener('keydown', (e) => {
      const hit = this.nodeOf(e.target);
      if (hit && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.select(hit.node.id);
        this.host.onActivate(hit.node, e.shiftKey && hit.node.type === 'run' ? 'script' : 'node');
      } else if (hit && e.key.startsWith('Arrow')) {
        e.preventDefault();
        const next = this.neighbour(hit.node.id, e.key);
        if (next) this.focusNode(next);
      } else if (e.key === '+' || e.key === '=') this.zoomBy(1.25);
      else if (e.key === '-') this.zoomBy(0.8);
      else if (e.key === '0') this.fit();
    });
    el.addEventListener('focusin', (e) => {
      const hit = this.nodeOf(e.target);
      if (hit && hit.node.id !== this.selected) this.select(hit.node.id);
    });
  }
}

/** A smooth path through dagre's edge points (a Catmull-Rom spline as cubic Béziers). */
export function edgePath(points: readonly { x: number; y: number }[]): string {
  const p = points;
  let d = `M${p[0].x.toFixed(1)},${p[0].y.toFixed(1)}`;
  if (p.length === 2) return `${d}L${p[1].x.toFixed(1)},${p[1].y.toFixed(1)}`;
  for (let i = 0; i < p.length - 1; i++) {
    const p0 = p[Math.max(0, i - 1)];
    const p1 = p[i];
    const p2 = p[i + 1];
    const p3 = p[Math.min(p.length - 1, i + 2)];
    const c1x = p1.x + (p2.x - p0.x) / 6;
    const c1y = p1.y + (p2.y - p0.y) / 6;
    const c2x = p2.x - (p3.x - p1.x) / 6;
    const c2y = p2.y - (p3.y - p1.y) / 6;
    d += `C${c1x.toFixed(1)},${c1y.toFixed(1)} ${c2x.toFixed(1)},${c2y.toFixed(1)} ${p2.x.toFixed(1)},${p2.y.toFixed(1)}`;
  }
  return d;
}

