// The Lineage panel's `graph` message from a walk of the lineage queries.
import { analyzeCommand } from '../recorder/commandAnalysis';
import type { LineageGraph } from '../lineage/lineageGraph';
import type { LineageQueries } from '../lineage/lineageQueries';
import type {
  LineageGraphMessage, LineageNodeData, LineageQueryData, LineageTarget,
} from '../../protocol/lineageMessages';

/** Duplicate hints cost a few queries per run, so big graphs go without them. */
const duplicateHintsUpTo = 150;

/** The entry script a command runs, when it runs one (`python train.py` -> `train.py`). */
export function entryScript(command: string): string | null {
  try {
    const entry = analyzeCommand(command).entry;
    return entry && entry.kind === 'script' ? entry.name : null;
  } catch {
    return null;
  }
}

/** Runs the query a target asks for; undefined when nothing is recorded for it. */
export function queryLineage(q: LineageQueries, target: LineageTarget, query: LineageQueryData): LineageGraph | undefined {
  const walk = { direction: query.direction, hops: query.hops ?? undefined };
  switch (target.type) {
    case 'run': return q.fromRun(target.runId, walk);
    case 'path': return q.fromPath(target.path, walk);
    case 'version': return q.fromArtifactVersion(target.path, target.sha256, walk);
  }
}

/** A short name for the toolbar and the tab. */
function targetTitle(g: LineageGraph, target: LineageTarget): string {
  if (target.type === 'run') {
    const run = g.nodes.find((n) => n.type === 'run' && n.id === target.runId);
    return `Run ${run && run.type === 'run' ? run.name : target.runId}`;
  }
  const versions = g.nodes.filter((n) => n.type === 'artifact' && n.path === target.path);
  if (target.type === 'path') return `${target.path} (${versions.length} version${versions.length === 1 ? '' : 's'})`;
  const v = versions.find((n) => n.type === 'artifact' && n.sha256.startsWith(target.sha256));
  return `${target.path} v${v && v.type === 'artifact' ? v.version : '?'}`;
}

/** The `graph` message for a walk: nodes as the webview draws them, with scripts and duplicate hints. */
export function lineageGraphMessage(g: LineageGraph, q: LineageQueries, target: LineageTarget, query: LineageQueryData): LineageGraphMessage {
  const runCount = g.nodes.reduce((s, n) => s + (n.type === 'run' ? 1 : 0), 0);
  const nodes: LineageNodeData[] = g.nodes.map((n) => {
    if (n.type === 'artifact') {
      return {
        type: 'artifact', id: n.id, path: n.path, sha256: n.sha256, kind: n.kind, size: n.size, createdAt: n.createdAt,
        version: n.version, versions: n.versions,
      };
    }
    const dup = runCount <= duplicateHintsUpTo ? q.duplicatesOf(n.id, 1)[0] : undefined;
    return {
      type: 'run', id: n.id, name: n.name, experiment: n.experiment, status: n.status, startedAt: n.startedAt,
      script: entryScript(n.command), duplicateOf: dup ? { id: dup.run.id, name: dup.run.name } : null,
    };
  });
  return {
    type: 'graph', target, title: targetTitle(g, target), query, nodes, edges: g.edges.map((e) => ({ ...e })),
    roots: [...g.roots], truncated: g.truncated,
  };
}
