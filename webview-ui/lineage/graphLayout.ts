import dagre, { type LayoutOptions } from '@dagrejs/dagre';
import type { LineageEdgeData, LineageNodeData } from '../../src/protocol/lineageMessages';

/** A node placed by the layout: centre (x, y) and size, in graph units. */
export interface PlacedNode {
  readonly node: LineageNodeData;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedEdge {
  readonly edge: LineageEdgeData;
  readonly points: readonly { x: number; y: number }[];
}

export interface GraphLayout {
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
  /** ms spent laying out, for the benchmark and the log. */
  readonly layoutMs: number;
}

export const nodeWidth = { run: 190, artifact: 210 } as const;
export const nodeHeight = 46;

const rankSep = 64;
const nodeSep = 14;
/** Chains with the same neighbours are stacked into one dagre node from this many on. */
const stackAtLeast = 3;
const componentGap = 36;
/** From this many nodes on, the graph is simplified before dagre sees it (see {@link layoutGraph}). */
const bigGraph = 300;
/** In a big graph, a node with more edges than this is a hub whose edges skip the layout. */
const hubDegree = 32;
/** In a component this big, dagre's crossing reduction is traded for speed. */
const fastComponent = 700;

type LayoutGraph = Parameters<NonNullable<LayoutOptions['customOrder']>>[0];

/**
 * dagre's ordering step for very big components, through its `customOrder` hook: the depth-first
 * initial order dagre itself starts from, then one barycentre sweep down the ranks. dagre's own step
 * builds a graph per rank twice and sweeps until four rounds bring nothing, which was most of a
 * 2,000-node layout; lineage graphs are close to trees, where one sweep leaves few crossings.
 */
function quickOrder(graph: LayoutGraph): void {
  const rankOf = (v: string) => (graph.node(v) as { rank?: number }).rank ?? 0;
  const layers: string[][] = [];
  const seen = new Set<string>();
  const starts = graph.nodes().filter((v) => !graph.children(v)?.length).sort((a, b) => rankOf(a) - rankOf(b));
  for (const start of starts) {
    const stack = [start];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const r = rankOf(v);
      (layers[r] ??= []).push(v);
      const next = graph.successors(v) ?? [];
      for (let i = next.length - 1; i >= 0; i--) if (!seen.has(next[i])) stack.push(next[i]);
    }
  }
  const order = new Map<string, number>();
  layers.forEach((layer, r) => {
    if (r > 0 && layer.length > 1) {
      const bary = new Map<string, number>();
      for (const v of layer) {
        const preds = graph.predecessors(v) ?? [];
        let sum = 0;
        let n = 0;
        for (const u of preds) { const o = order.get(u); if (o !== undefined) { sum += o; n++; } }
        bary.set(v, n ? sum / n : Infinity);
      }
      const index = new Map(layer.map((v, i) => [v, i]));
      layer.sort((a, b) => (bary.get(a)! - bary.get(b)!) || index.get(a)! - index.get(b)!);
    }
    layer.forEach((v, i) => { order.set(v, i); (graph.node(v) as { order?: number }).order = i; });
  });
}

/** Weakly connected components (node indices), the biggest first. */
function components(count: number, links: readonly (readonly [number, number])[]): number[][] {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
    return i;
  };
  for (const [a, b] of links) parent[find(a)] = find(b);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(i); else groups.set(r, [i]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/**
 * Lays the lineage out left to right (data flows rightwards) with dagre.
 *
 * dagre's cost grows much faster than the graph (a 2,000-node project history took 1-2 s), so a big
 * graph is simplified first, the way layered-drawing tools do: (1) edges of hubs (a test split read by
 * every evaluation) skip the layout and are drawn as plain curves afterwards; (2) each maximal chain
 * of single-input, single-output steps (train -> model -> evaluate -> report) becomes one wide dagre
 * node and its members are set side by side in it; (3) chains with the same neighbours (a sweep of
 * training runs off one dataset version) become one dagre node holding them one under another. Each
 * weakly connected component gets its own dagre run and the components are stacked. Graphs under 300
 * nodes go to dagre as they are.
 */
export function layoutGraph(nodes: readonly LineageNodeData[], edges: readonly LineageEdgeData[]): GraphLayout {
  const t0 = performance.now();
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const big = nodes.length >= bigGraph;
  const valid = edges.filter((e) => index.has(e.from) && index.has(e.to) && e.from !== e.to);
  const outDegree = new Int32Array(nodes.length);
  const inDegree = new Int32Array(nodes.length);
  for (const e of valid) { outDegree[index.get(e.from)!]++; inDegree[index.get(e.to)!]++; }
  const deferred: LineageEdgeData[] = [];
  const kept: LineageEdgeData[] = [];
  // Only the fan side of a hub is deferred: the hub keeps the edge that ranks it (its producer).
  for (const e of valid) {
    if (big && (outDegree[index.get(e.from)!] > hubDegree || inDegree[index.get(e.to)!] > hubDegree)) deferred.push(e);
    else kept.push(e);
  }

  // Chains over the kept edges: v continues u's chain when u's only kept output is v and v's only
  // kept input is u.
  const outs: LineageEdgeData[][] = nodes.map(() => []);
  const ins: LineageEdgeData[][] = nodes.map(() => []);
  for (const e of kept) { outs[index.get(e.from)!].push(e); ins[index.get(e.to)!].push(e); }
  const chainOf = new Int32Array(nodes.length).fill(-1);
  const chains: number[][] = [];
  const continues = (v: number): boolean => big && ins[v].length === 1 && outs[index.get(ins[v][0].from)!].length === 1;
  const startChain = (head: number): void => {
    const chain = [head];
    chainOf[head] = chains.length;
    let cur = head;
    while (outs[cur].length === 1) {
      const next = index.get(outs[cur][0].to)!;
      if (chainOf[next] !== -1 || !continues(next)) break;
      chainOf[next] = chains.length;
      chain.push(next);
      cur = next;
    }
    chains.push(chain);
  };
  for (let v = 0; v < nodes.length; v++) if (chainOf[v] === -1 && !continues(v)) startChain(v);
  // Whatever is left sits on a cycle of continuations; start anywhere on it.
  for (let v = 0; v < nodes.length; v++) if (chainOf[v] === -1) startChain(v);

  const widthOf = (v: number) => nodeWidth[nodes[v].type];
  const chainWidth = chains.map((c) => c.reduce((s, v) => s + widthOf(v), 0) + (c.length - 1) * rankSep);
  const chainEdges: LineageEdgeData[] = [];
  const internal: LineageEdgeData[] = [];
  for (const e of kept) (chainOf[index.get(e.from)!] === chainOf[index.get(e.to)!] ? internal : chainEdges).push(e);

  // Stacks: in a big graph, chains with the same neighbours (two dozen training runs off one dataset
  // version, each with its model and evaluation) become one dagre node holding them one under another,
  // as dagre would have placed them, for a fraction of the work.
  const chainIn = chains.map(() => new Set<number>());
  const chainOut = chains.map(() => new Set<number>());
  for (const e of chainEdges) {
    const a = chainOf[index.get(e.from)!];
    const b = chainOf[index.get(e.to)!];
    chainOut[a].add(b);
    chainIn[b].add(a);
  }
  const unitOf = new Int32Array(chains.length).fill(-1);
  const units: number[][] = [];
  if (big) {
    const byKey = new Map<string, number[]>();
    chains.forEach((_, c) => {
      if (!chainIn[c].size) return;
      const key = `${[...chainIn[c]].sort((a, b) => a - b).join(',')}|${[...chainOut[c]].sort((a, b) => a - b).join(',')}`;
      const list = byKey.get(key);
      if (list) list.push(c); else byKey.set(key, [c]);
    });
    for (const list of byKey.values()) {
      if (list.length < stackAtLeast) continue;
      for (const c of list) unitOf[c] = units.length;
      units.push(list);
    }
  }
  chains.forEach((_, c) => { if (unitOf[c] === -1) { unitOf[c] = units.length; units.push([c]); } });
  const unitWidth = units.map((u) => Math.max(...u.map((c) => chainWidth[c])));
  const unitHeight = units.map((u) => u.length * nodeHeight + (u.length - 1) * nodeSep);

  const placed = new Array<PlacedNode>(nodes.length);
  const placedEdges: PlacedEdge[] = [];
  const drawnLater: LineageEdgeData[] = [...internal, ...deferred];
  let top = 0;
  let width = 0;
  const unitLinks = new Map<string, readonly [number, number]>();
  for (const e of chainEdges) {
    const a = unitOf[chainOf[index.get(e.from)!]];
    const b = unitOf[chainOf[index.get(e.to)!]];
    if (a !== b) unitLinks.set(`${a},${b}`, [a, b]);
  }
  const links = [...unitLinks.values()];
  for (const comp of components(units.length, links)) {
    const size = comp.reduce((s, u) => s + units[u].reduce((t, c) => t + chains[c].length, 0), 0);
    const fast = size > fastComponent && comp.length > fastComponent / 8;
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: nodeSep, ranksep: rankSep, edgesep: 8, marginx: 0, marginy: 0, ranker: fast ? 'longest-path' : comp.length > 150 ? 'tight-tree' : 'network-simplex' });
    g.setDefaultEdgeLabel(() => ({}));
    const inComp = new Set(comp);
    for (const u of comp) g.setNode(String(u), { width: unitWidth[u], height: unitHeight[u] });
    for (const [a, b] of links) if (inComp.has(a)) g.setEdge(String(a), String(b));
    dagre.layout(g, fast ? { customOrder: quickOrder } : {});
    for (const u of comp) {
      const d = g.node(String(u));
      let y = d.y + top - unitHeight[u] / 2 + nodeHeight / 2;
      for (const c of units[u]) {
        let x = d.x - unitWidth[u] / 2;
        for (const v of chains[c]) {
          const w = widthOf(v);
          placed[v] = { node: nodes[v], x: x + w / 2, y, width: w, height: nodeHeight };
          x += w + rankSep;
        }
        y += nodeHeight + nodeSep;
      }
    }
    for (const e of chainEdges) {
      const a = unitOf[chainOf[index.get(e.from)!]];
      const b = unitOf[chainOf[index.get(e.to)!]];
      if (!inComp.has(a)) continue;
      // dagre routed single chains; an edge into or out of a stack ends at one member, so it is drawn.
      if (units[a].length > 1 || units[b].length > 1 || a === b) { drawnLater.push(e); continue; }
      const d = g.edge(String(a), String(b)) as { points?: { x: number; y: number }[] } | undefined;
      const points = (d?.points ?? []).map((p) => ({ x: p.x, y: p.y + top }));
      // dagre ends an edge where it crosses the box towards the next bend (the top of a box for a far
      // target); data flows left to right, so leave from the right side and arrive on the left.
      const from = placed[index.get(e.from)!];
      const to = placed[index.get(e.to)!];
      if (points.length >= 2) {
        points[0] = { x: from.x + from.width / 2, y: from.y };
        points[points.length - 1] = { x: to.x - to.width / 2, y: to.y };
      }
      placedEdges.push({ edge: e, points });
    }
    width = Math.max(width, g.graph().width ?? 0);
    top += (g.graph().height ?? 0) + componentGap;
  }
  for (const e of drawnLater) {
    const a = placed[index.get(e.from)!];
    const b = placed[index.get(e.to)!];
    const x0 = a.x + a.width / 2;
    const x1 = b.x - b.width / 2;
    const bend = Math.max(24, Math.abs(x1 - x0) / 3);
    placedEdges.push({ edge: e, points: a.y === b.y ? [{ x: x0, y: a.y }, { x: x1, y: b.y }] : [{ x: x0, y: a.y }, { x: x0 + bend, y: a.y }, { x: x1 - bend, y: b.y }, { x: x1, y: b.y }] });
  }
  return { nodes: placed, edges: placedEdges, width, height: Math.max(0, top - componentGap), layoutMs: performance.now() - t0 };
}
