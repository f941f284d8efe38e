import assert from 'node:assert/strict';
import type { LineageEdgeData, LineageNodeData } from '../../src/protocol/lineageMessages';
import { layoutGraph, type GraphLayout } from '../../webview-ui/lineage/graphLayout';

const run = (id: string): LineageNodeData => ({ type: 'run', id, name: id, experiment: 'e', status: 'finished', startedAt: 0, script: null, duplicateOf: null });
const art = (id: string): LineageNodeData => ({ type: 'artifact', id, path: id, sha256: id, kind: 'dataset', size: null, createdAt: 0, version: 1, versions: 1 });

/** A project history: a raw dataset, regenerated splits, a sweep of training runs per split, each evaluated. */
function project(targetNodes: number): { nodes: LineageNodeData[]; edges: LineageEdgeData[] } {
  const nodes: LineageNodeData[] = [art('raw'), art('test')];
  const edges: LineageEdgeData[] = [];
  for (let s = 0; nodes.length < targetNodes; s++) {
    nodes.push(run(`prep${s}`), art(`data${s}`));
    edges.push({ from: 'raw', to: `prep${s}`, type: 'input' }, { from: `prep${s}`, to: `data${s}`, type: 'output' });
    if (s === 0) edges.push({ from: 'prep0', to: 'test', type: 'output' });
    for (let k = 0; k < 24 && nodes.length < targetNodes - 3; k++) {
      const t = `train${s}_${k}`; const m = `model${s}_${k}`; const e = `eval${s}_${k}`; const r = `report${s}_${k}`;
      nodes.push(run(t), art(m), run(e), art(r));
      edges.push({ from: `data${s}`, to: t, type: 'input' }, { from: t, to: m, type: 'output' }, { from: m, to: e, type: 'input' },
        { from: 'test', to: e, type: 'input' }, { from: e, to: r, type: 'output' });
    }
  }
  return { nodes, edges };
}

function assertSound(l: GraphLayout, nodes: readonly LineageNodeData[], edges: readonly LineageEdgeData[]): void {
  assert.equal(l.nodes.length, nodes.length, 'every node placed');
  assert.ok(l.nodes.every((p) => p && Number.isFinite(p.x) && Number.isFinite(p.y)));
  const at = new Map(l.nodes.map((p) => [p.node.id, p]));
  // Data flows left to right.
  for (const e of edges) assert.ok(at.get(e.from)!.x < at.get(e.to)!.x, `${e.from} left of ${e.to}`);
  // No two boxes overlap (sweep over x-sorted boxes).
  const boxes = [...l.nodes].sort((a, b) => (a.x - a.width / 2) - (b.x - b.width / 2));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].x - boxes[j].width / 2 < boxes[i].x + boxes[i].width / 2; j++) {
      assert.ok(Math.abs(boxes[i].y - boxes[j].y) >= (boxes[i].height + boxes[j].height) / 2, `${boxes[i].node.id} overlaps ${boxes[j].node.id}`);
    }
  }
  assert.equal(l.edges.length, edges.length, 'every edge routed');
  assert.ok(l.edges.every((e) => e.points.length >= 2));
}

describe('lineage layout (dagre)', () => {
  it('lays a small pipeline out left to right with dagre as is', () => {
    const g = project(40);
    const l = layoutGraph(g.nodes, g.edges);
    assertSound(l, g.nodes, g.edges);
  });

  it('lays out 2,000 nodes soundly: hubs deferred, chains and stacks', () => {
    const g = project(2000);
    const l = layoutGraph(g.nodes, g.edges);
    assertSound(l, g.nodes, g.edges);
    assert.ok(l.layoutMs < 20_000, `took ${l.layoutMs.toFixed(0)} ms`);
    // Separate pipelines are stacked, not interleaved.
    const extra = layoutGraph([...g.nodes, art('lonely'), run('solo')], [...g.edges, { from: 'lonely', to: 'solo', type: 'input' }]);
    const lonely = extra.nodes.find((p) => p.node.id === 'lonely')!;
    assert.ok(lonely.y > Math.max(...extra.nodes.filter((p) => p.node.id !== 'lonely' && p.node.id !== 'solo').map((p) => p.y)));
  });
});
