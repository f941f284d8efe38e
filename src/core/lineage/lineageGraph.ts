// The lineage graph as plain data: what the queries return, the CLI prints and the panel draws.
import type { ArtifactKind, ArtifactRole, RunStatus } from '../model';

/** A run (an MLMD Execution) in a lineage graph. */
export interface LineageRunNode {
  readonly type: 'run';
  /** The run id. */
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  readonly status: RunStatus;
  readonly command: string;
  readonly startedAt: number;
}

/** One artifact version (path + content hash) in a lineage graph. */
export interface LineageArtifactNode {
  readonly type: 'artifact';
  /** `<path>@<first 12 hex of sha256>` (`@unhashed` when the hash is unknown). */
  readonly id: string;
  readonly path: string;
  /** '' when the recorder could not hash it. */
  readonly sha256: string;
  readonly kind: ArtifactKind;
  readonly size: number | null;
  readonly mtime: number | null;
  readonly createdAt: number;
  /** 1 for the oldest recorded version of this path, counting up. */
  readonly version: number;
  /** How many versions of this path are recorded. */
  readonly versions: number;
}

export type LineageNode = LineageRunNode | LineageArtifactNode;

/** input: artifact -> run that read it; output: run -> artifact it wrote. Edges follow the data. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly type: ArtifactRole;
}

export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /** Node ids the query started from. */
  readonly roots: readonly string[];
  /** True when the hop limit cut the walk short (there is more beyond the edge). */
  readonly truncated: boolean;
}

/** Which way to walk: towards what a node was made from, what was made from it, or both. */
export type LineageDirection = 'up' | 'down' | 'both';

/** The node id of an artifact version. */
export function artifactNodeId(path: string, sha256: string): string {
  return `${path}@${sha256 ? sha256.slice(0, 12) : 'unhashed'}`;
}

/**
 * The `exptrack lineage --json` shape: `{nodes: [{id, type, name (runs), path, sha256, kind
 * (artifacts)}], edges: [{from, to, type}]}`, with a few extra fields a script may find useful.
 */
export function lineageJson(g: LineageGraph): { nodes: Record<string, unknown>[]; edges: LineageEdge[]; roots: string[]; truncated: boolean } {
  return {
    nodes: g.nodes.map((n) => n.type === 'run'
      ? { id: n.id, type: 'run', name: n.name, experiment: n.experiment, status: n.status, startedAt: n.startedAt }
      : { id: n.id, type: 'artifact', path: n.path, sha256: n.sha256 || null, kind: n.kind, size: n.size, version: n.version }),
    edges: g.edges.map((e) => ({ from: e.from, to: e.to, type: e.type })),
    roots: [...g.roots],
    truncated: g.truncated,
  };
}
