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
  /** ms spent in dagre, for the benchmark and the log. */
  readonly layoutMs: number;
}

export const nodeWidth = { run: 190, artifact: 210 } as const;
export const nodeHeight = 46;

/** Above this many nodes in one component, dagre's crossing reduction is traded for speed. */
const fastLayoutAbove = 700;
const componentGap = 36;

/** Weakly connected components, each in input order, the biggest first. */
function components(nodes: readonly LineageNodeData[], edges: readonly LineageEdgeData[]): LineageNodeData[][] {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
    return i;
  };
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a !== undefined && b !== undefined) parent[find(a)] = find(b);
  }
  const groups = new Map<number, LineageNodeData[]>();
  nodes.forEach((n, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(n); else groups.set(r, [n]);
  });
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/**
 * Lays the lineage out left to right (data flows rightwards) with dagre. Each weakly connected
 * component gets its own dagre run and the components are stacked: dagre's cost grows faster than
 * linearly with graph size, and unrelated pipelines should not interleave anyway.
 */
export function layoutGraph(nodes: readonly LineageNodeData[], edges: readonly LineageEdgeData[]): GraphLayout {
  const t0 = performance.now();
  const placed: PlacedNode[] = [];
  const placedEdges: PlacedEdge[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edgesFrom = new Map<string, LineageEdgeData[]>();
  for (const e of edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    const list = edgesFrom.get(e.from);
    if (list) list.push(e); else edgesFrom.set(e.from, [e]);
  }
  let top = 0;
  let width = 0;
  for (const comp of components(nodes, edges)) {
    const big = comp.length > fastLayoutAbove;
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 64, edgesep: 8, marginx: 0, marginy: 0, ranker: big ? 'longest-path' : comp.length > 150 ? 'tight-tree' : 'network-simplex' });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of comp) g.setNode(n.id, { width: nodeWidth[n.type], height: nodeHeight });
    const compEdges: LineageEdgeData[] = [];
    for (const n of comp) {
      for (const e of edgesFrom.get(n.id) ?? []) {
        compEdges.push(e);
        g.setEdge(e.from, e.to, {}, `${e.type}:${compEdges.length}`);
      }
    }
    dagre.layout(g, big ? { disableOptimalOrderHeuristic: true } : {});
    const gw = g.graph().width ?? 0;
    const gh = g.graph().height ?? 0;
    for (const n of comp) {
      const d = g.node(n.id);
      placed.push({ node: n, x: d.x, y: d.y + top, width: d.width, height: d.height });
    }
    compEdges.forEach((e, i) => {
      const d = g.edge(e.from, e.to, `${e.type}:${i + 1}`) as { points?: { x: number; y: number }[] } | undefined;
      placedEdges.push({ edge: e, points: (d?.points ?? []).map((p) => ({ x: p.x, y: p.y + top })) });
    });
    width = Math.max(width, gw);
    top += gh + componentGap;
  }
  return { nodes: placed, edges: placedEdges, width, height: Math.max(0, top - componentGap), layoutMs: performance.now() - t0 };
}
