import dagre from '@dagrejs/dagre';
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
const componentGap = 36;
/** From this many nodes on, the graph is simplified before dagre sees it (see {@link layoutGraph}). */
const bigGraph = 300;
/** In a big graph, a node with more edges than this is a hub whose edges skip the layout. */
const hubDegree = 32;
/** In a component this big, dagre's crossing reduction is traded for speed. */
const fastComponent = 700;

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
 * node and its members are set side by side in it. Each weakly connected component gets its own
 * dagre run and the components are stacked. Small graphs go to dagre as they are.
 */
export function layoutGraph(nodes: readonly LineageNodeData[], edges: readonly LineageEdgeData[]): GraphLayout {
  const t0 = performance.now();
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const big = nodes.length >= bigGraph;
  const valid = edges.filter((e) => index.has(e.from) && index.has(e.to) && e.from !== e.to);
  const degree = new Int32Array(nodes.length);
  for (const e of valid) { degree[index.get(e.from)!]++; degree[index.get(e.to)!]++; }
  const deferred: LineageEdgeData[] = [];
  const kept: LineageEdgeData[] = [];
  for (const e of valid) {
    if (big && (degree[index.get(e.from)!] > hubDegree || degree[index.get(e.to)!] > hubDegree)) deferred.push(e);
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

  const placed = new Array<PlacedNode>(nodes.length);
  const placedEdges: PlacedEdge[] = [];
  let top = 0;
  let width = 0;
  const links = chainEdges.map((e) => [chainOf[index.get(e.from)!], chainOf[index.get(e.to)!]] as const);
  for (const comp of components(chains.length, links)) {
    const fast = comp.reduce((s, c) => s + chains[c].length, 0) > fastComponent && comp.length > fastComponent / 4;
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: rankSep, edgesep: 8, marginx: 0, marginy: 0, ranker: fast ? 'longest-path' : comp.length > 150 ? 'tight-tree' : 'network-simplex' });
    g.setDefaultEdgeLabel(() => ({}));
    const inComp = new Set(comp);
    for (const c of comp) g.setNode(String(c), { width: chainWidth[c], height: nodeHeight });
    const compEdges: LineageEdgeData[] = [];
    chainEdges.forEach((e, i) => {
      if (!inComp.has(links[i][0])) return;
      compEdges.push(e);
      g.setEdge(String(links[i][0]), String(links[i][1]), {}, String(compEdges.length));
    });
    dagre.layout(g, fast ? { disableOptimalOrderHeuristic: true } : {});
    for (const c of comp) {
      const d = g.node(String(c));
      let x = d.x - chainWidth[c] / 2;
      for (const v of chains[c]) {
        const w = widthOf(v);
        placed[v] = { node: nodes[v], x: x + w / 2, y: d.y + top, width: w, height: nodeHeight };
        x += w + rankSep;
      }
    }
    compEdges.forEach((e, i) => {
      const d = g.edge(String(chainOf[index.get(e.from)!]), String(chainOf[index.get(e.to)!]), String(i + 1)) as { points?: { x: number; y: number }[] } | undefined;
      placedEdges.push({ edge: e, points: (d?.points ?? []).map((p) => ({ x: p.x, y: p.y + top })) });
    });
    width = Math.max(width, g.graph().width ?? 0);
    top += (g.graph().height ?? 0) + componentGap;
  }
  for (const e of [...internal, ...deferred]) {
    const a = placed[index.get(e.from)!];
    const b = placed[index.get(e.to)!];
    const x0 = a.x + a.width / 2;
    const x1 = b.x - b.width / 2;
    const bend = Math.max(24, Math.abs(x1 - x0) / 3);
    placedEdges.push({ edge: e, points: a.y === b.y ? [{ x: x0, y: a.y }, { x: x1, y: b.y }] : [{ x: x0, y: a.y }, { x: x0 + bend, y: a.y }, { x: x1 - bend, y: b.y }, { x: x1, y: b.y }] });
  }
  return { nodes: placed, edges: placedEdges, width, height: Math.max(0, top - componentGap), layoutMs: performance.now() - t0 };
}
