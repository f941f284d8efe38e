import type { ArtifactKind, ArtifactRole, RunStatus } from '../model';
import {
  artifactNodeId, type LineageArtifactNode, type LineageDirection, type LineageEdge, type LineageGraph, type LineageNode,
  type LineageRunNode,
} from './lineageGraph';
import type { SqlReader } from './sqlReader';

/** A run as the Artifacts tree and the query answers name it. */
export interface RunRef {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly startedAt: number;
}

/** One version of an artifact path with the runs that wrote and read exactly this content. */
export interface ArtifactVersionEntry {
  /** The lineage node id (`path@sha12`). */
  readonly nodeId: string;
  /** The artifacts table row id. */
  readonly artifactId: number;
  readonly sha256: string;
  readonly size: number | null;
  readonly mtime: number | null;
  readonly createdAt: number;
  /** 1 = oldest. */
  readonly version: number;
  readonly producedBy: readonly RunRef[];
  readonly usedBy: readonly RunRef[];
}

/** A path with its versions, newest first. */
export interface ArtifactPathEntry {
  readonly path: string;
  /** The newest version's kind. */
  readonly kind: ArtifactKind;
  readonly versions: readonly ArtifactVersionEntry[];
}

/** The Artifacts tree: kind -> path -> version -> producing and consuming runs. */
export interface ArtifactListing {
  readonly kind: ArtifactKind;
  readonly paths: readonly ArtifactPathEntry[];
}

export interface LineageWalkOptions {
  /** Default 'both' (up and down, not the whole connected component). */
  readonly direction?: LineageDirection;
  /** Edges to follow from a root; undefined = no limit. */
  readonly hops?: number;
  /** Stop adding nodes past this many (the graph is then marked truncated). Default 20,000. */
  readonly maxNodes?: number;
}

/** An earlier run that ran the same command on the same code, params and input contents. */
export interface DuplicateRunHint {
  readonly run: RunRef;
  /** What matched, for the message shown to the user. */
  readonly reason: string;
}

/** Identifies a run's code: equal strings mean the same source. Null when nothing was kept. */
export type CodeIdentity = (run: { id: string; cwd: string; commit: string | null; snapshot: string | null; dirty: boolean; codeFiles: Readonly<Record<string, string>> }) => string | null;

interface RunRow { rid: number; node: LineageRunNode }

const kinds: readonly ArtifactKind[] = ['dataset', 'model', 'file'];

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Lineage over the store's `runs`, `artifacts` and `events` tables (ML Metadata's executions,
 * artifacts and events). Artifact versions are rows of `artifacts` (path + sha256), so every walk is
 * version-aware: a model trained on version 1 of a dataset is not downstream of version 2. Only fixed
 * SQL texts are used, so a store may cache their statements.
 */
export class LineageQueries {
  private readonly runCache = new Map<number, RunRow | undefined>();
  private readonly artifactCache = new Map<number, LineageArtifactNode | undefined>();

  constructor(private readonly db: SqlReader, private readonly codeIdentity?: CodeIdentity) {}

  /** Forget cached rows (call after the store changed; a query object is cheap to rebuild too). */
  clearCache(): void {
    this.runCache.clear();
    this.artifactCache.clear();
  }

  // ------------------------------------------------------------------ rows

  private ridOf(runId: string): number | undefined {
    const r = this.db.all('SELECT rid FROM runs WHERE id = ?', [runId])[0];
    return r ? Number(r.rid) : undefined;
  }

  private run(rid: number): RunRow | undefined {
    if (this.runCache.has(rid)) return this.runCache.get(rid);
    const r = this.db.all(`SELECT r.rid, r.id, r.name, e.name AS experiment, r.status, r.command, r.started_at
      FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.rid = ?`, [rid])[0];
    const row = r ? {
      rid,
      node: {
        type: 'run', id: str(r.id), name: str(r.name), experiment: str(r.experiment), status: str(r.status) as RunStatus,
        command: str(r.command), startedAt: Number(r.started_at),
      } satisfies LineageRunNode,
    } : undefined;
    this.runCache.set(rid, row);
    return row;
  }

  private artifact(id: number): LineageArtifactNode | undefined {
    if (this.artifactCache.has(id)) return this.artifactCache.get(id);
    const a = this.db.all(`SELECT a.path, a.kind, a.sha256, a.size, a.mtime, a.created_at,
        (SELECT count(*) FROM artifacts b WHERE b.path = a.path AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id <= a.id))) AS version,
        (SELECT count(*) FROM artifacts b WHERE b.path = a.path) AS versions
      FROM artifacts a WHERE a.id = ?`, [id])[0];
    const node: LineageArtifactNode | undefined = a ? {
      type: 'artifact', id: artifactNodeId(str(a.path), str(a.sha256)), path: str(a.path), sha256: str(a.sha256),
      kind: (kinds.includes(a.kind as ArtifactKind) ? a.kind : 'file') as ArtifactKind, size: numOrNull(a.size),
      mtime: numOrNull(a.mtime), createdAt: Number(a.created_at), version: Number(a.version), versions: Number(a.versions),
    } : undefined;
    this.artifactCache.set(id, node);
    return node;
  }

  private eventsOfRun(rid: number, role: ArtifactRole): number[] {
    return this.db.all('SELECT artifact FROM events WHERE run = ? AND role = ? ORDER BY time, artifact', [rid, role]).map((r) => Number(r.artifact));
  }

  private eventsOfArtifact(id: number, role: ArtifactRole): number[] {
    return this.db.all('SELECT ev.run FROM events ev JOIN runs r ON r.rid = ev.run WHERE ev.artifact = ? AND ev.role = ? ORDER BY r.started_at, ev.run', [id, role]).map((r) => Number(r.run));
  }

  /** Artifact row ids of every recorded version of `path`, oldest first. */
  versionIds(path: string): number[] {
    return this.db.all('SELECT id FROM artifacts WHERE path = ? ORDER BY created_at, id', [path]).map((r) => Number(r.id));
  }

  /** The artifact row id of one version; `sha256` may be a unique prefix (as in node ids). */
  versionId(path: string, sha256: string): number | undefined {
    const rows = this.db.all('SELECT id, sha256 FROM artifacts WHERE path = ? ORDER BY created_at, id', [path]);
    const exact = rows.find((r) => str(r.sha256) === sha256);
    if (exact) return Number(exact.id);
    const prefixed = sha256 ? rows.filter((r) => str(r.sha256).startsWith(sha256)) : [];
    return prefixed.length === 1 ? Number(prefixed[0].id) : undefined;
  }

  /** Which of `candidates` are recorded artifact paths (the first that is wins). */
  findPath(candidates: readonly string[]): string | undefined {
    for (const c of candidates) {
      if (c && this.db.all('SELECT 1 AS x FROM artifacts WHERE path = ? LIMIT 1', [c]).length) return c;
    }
    return undefined;
  }

  // ------------------------------------------------------------------ walks

  /** Lineage around a run. Returns undefined for an unknown run id. */
  fromRun(runId: string, options: LineageWalkOptions = {}): LineageGraph | undefined {
    const rid = this.ridOf(runId);
    if (rid === undefined) return undefined;
    return this.walk([{ run: rid }], options);
  }

  /** Lineage around one artifact version (`sha256` may be a unique prefix). */
  fromArtifactVersion(path: string, sha256: string, options: LineageWalkOptions = {}): LineageGraph | undefined {
    const id = this.versionId(path, sha256);
    return id === undefined ? undefined : this.walk([{ artifact: id }], options);
  }

  /** Lineage around every version of a path. Returns undefined when the path was never recorded. */
  fromPath(path: string, options: LineageWalkOptions = {}): LineageGraph | undefined {
    const ids = this.versionIds(path);
    return ids.length ? this.walk(ids.map((artifact) => ({ artifact })), options) : undefined;
  }

  /** The whole recorded lineage (every run with an artifact, every artifact). */
  everything(options: { maxNodes?: number } = {}): LineageGraph {
    const starts = this.db.all('SELECT id FROM artifacts ORDER BY created_at, id').map((r) => ({ artifact: Number(r.id) }));
    const g = this.walk(starts, { direction: 'both', maxNodes: options.maxNodes });
    return { ...g, roots: [] };
  }

  private walk(starts: readonly ({ run: number } | { artifact: number })[], options: LineageWalkOptions): LineageGraph {
    const direction = options.direction ?? 'both';
    const hops = options.hops ?? Infinity;
    const maxNodes = options.maxNodes ?? 20_000;
    const nodes = new Map<string, LineageNode>();
    const edges = new Map<string, LineageEdge>();
    const roots: string[] = [];
    let truncated = false;
    const keyOf = (s: { run: number } | { artifact: number }) => ('run' in s ? `r${s.run}` : `a${s.artifact}`);
    const idOf = (s: { run: number } | { artifact: number }): string | undefined =>
      ('run' in s ? this.run(s.run)?.node.id : this.artifact(s.artifact)?.id);
    const add = (s: { run: number } | { artifact: number }): string | undefined => {
      const node = 'run' in s ? this.run(s.run)?.node : this.artifact(s.artifact);
      if (!node) return undefined;
      if (!nodes.has(node.id)) nodes.set(node.id, node);
      return node.id;
    };
    for (const s of starts) {
      const id = add(s);
      if (id) roots.push(id);
    }
    for (const dir of direction === 'both' ? (['up', 'down'] as const) : [direction]) {
      const seen = new Set<string>(starts.map(keyOf));
      let frontier = [...starts];
      for (let depth = 0; frontier.length; depth++) {
        const next: typeof frontier = [];
        for (const s of frontier) {
          const from = idOf(s);
          if (!from) continue;
          // Up walks against the data: a run's inputs, an artifact's producers. Down walks with it.
          const neighbours: ({ run: number } | { artifact: number })[] = 'run' in s
            ? this.eventsOfRun(s.run, dir === 'up' ? 'input' : 'output').map((artifact) => ({ artifact }))
            : this.eventsOfArtifact(s.artifact, dir === 'up' ? 'output' : 'input').map((run) => ({ run }));
          for (const n of neighbours) {
            const k = keyOf(n);
            const isNew = !seen.has(k);
            if (isNew && (depth >= hops || nodes.size >= maxNodes)) {
              truncated = true;
              continue;
            }
            const to = add(n);
            if (!to) continue;
            const edge: LineageEdge = 'run' in s
              ? (dir === 'up' ? { from: to, to: from, type: 'input' } : { from, to, type: 'output' })
              : (dir === 'up' ? { from: to, to: from, type: 'output' } : { from, to, type: 'input' });
            edges.set(`${edge.from}\n${edge.to}\n${edge.type}`, edge);
            if (isNew) {
              seen.add(k);
              next.push(n);
            }
          }
        }
        frontier = next;
      }
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], roots, truncated };
  }

  // ------------------------------------------------------------------ questions

  /** Runs that read exactly this version of `path` (`sha256` may be a unique prefix), oldest first. */
  runsUsing(path: string, sha256: string): RunRef[] {
    const id = this.versionId(path, sha256);
    return id === undefined ? [] : this.eventsOfArtifact(id, 'input').map((rid) => this.runRef(rid)).filter((r): r is RunRef => !!r);
  }

  /** Runs that wrote exactly this version of `path`. */
  runsProducing(path: string, sha256: string): RunRef[] {
    const id = this.versionId(path, sha256);
    return id === undefined ? [] : this.eventsOfArtifact(id, 'output').map((rid) => this.runRef(rid)).filter((r): r is RunRef => !!r);
  }

  /**
   * The data a model version was made from: every dataset version upstream of it (through any number
   * of runs), nearest first. Pass `kind: undefined` for every upstream artifact.
   */
  dataBehind(path: string, sha256: string, kind: ArtifactKind | undefined = 'dataset'): LineageArtifactNode[] {
    const g = this.fromArtifactVersion(path, sha256, { direction: 'up' });
    if (!g) return [];
    return g.nodes.filter((n): n is LineageArtifactNode => n.type === 'artifact' && !g.roots.includes(n.id) && (kind === undefined || n.kind === kind));
  }

  private runRef(rid: number): RunRef | undefined {
    const r = this.run(rid)?.node;
    return r && { id: r.id, name: r.name, status: r.status, startedAt: r.startedAt };
  }

  /**
   * Earlier runs with the same command, code, params and input contents as `runId`, newest first:
   * the hint "this already ran". Runs without any kept code (no git, no code files) never match, since
   * sameness cannot be shown.
   */
  duplicatesOf(runId: string, limit = 3): DuplicateRunHint[] {
    const rid = this.ridOf(runId);
    if (rid === undefined) return [];
    const target = this.db.all('SELECT command, started_at FROM runs WHERE rid = ?', [rid])[0];
    if (!target) return [];
    const fp = this.fingerprint(rid);
    if (!fp) return [];
    const out: DuplicateRunHint[] = [];
    const candidates = this.db.all(`SELECT rid FROM runs WHERE command = ? AND rid != ? AND started_at <= ?
      ORDER BY started_at DESC, rid DESC LIMIT 500`, [str(target.command), rid, Number(target.started_at)]);
    let code: string | null | undefined;
    for (const c of candidates) {
      const crid = Number(c.rid);
      const other = this.fingerprint(crid);
      if (!other || other.params !== fp.params || other.inputs !== fp.inputs) continue;
      // Code identity may run git, so it is compared last and only for otherwise equal runs.
      code ??= this.code(rid);
      if (!code || this.code(crid) !== code) continue;
      const ref = this.runRef(crid);
      if (ref) out.push({ run: ref, reason: `same command, code, ${fp.paramCount} params and ${fp.inputCount} input${fp.inputCount === 1 ? '' : 's'} (by content hash)` });
      if (out.length >= limit) break;
    }
    return out;
  }

  private fingerprint(rid: number): { params: string; inputs: string; paramCount: number; inputCount: number } | undefined {
    const params = this.db.all('SELECT key, value FROM params WHERE run = ? ORDER BY key', [rid]).map((r) => [str(r.key), r.value === null ? null : str(r.value)]);
    const inputs = this.db.all(`SELECT a.path, a.sha256 FROM events ev JOIN artifacts a ON a.id = ev.artifact
      WHERE ev.run = ? AND ev.role = 'input' ORDER BY a.path, a.sha256`, [rid]).map((r) => [str(r.path), str(r.sha256)]);
    // An unhashed input could be anything: no claim of sameness.
    if (inputs.some(([, sha]) => !sha)) return undefined;
    return { params: JSON.stringify(params), inputs: JSON.stringify(inputs), paramCount: params.length, inputCount: inputs.length };
  }

  private code(rid: number): string | null {
    const r = this.db.all(`SELECT r.id, r.cwd, g.commit_id, g.snapshot, g.dirty FROM runs r LEFT JOIN git g ON g.run = r.rid WHERE r.rid = ?`, [rid])[0];
    if (!r) return null;
    const codeFiles: Record<string, string> = {};
    for (const f of this.db.all('SELECT path, content FROM code_files WHERE run = ? ORDER BY path', [rid])) codeFiles[str(f.path)] = str(f.content);
    const run = {
      id: str(r.id), cwd: str(r.cwd), commit: r.commit_id === null || r.commit_id === undefined ? null : str(r.commit_id),
      snapshot: r.snapshot === null || r.snapshot === undefined ? null : str(r.snapshot), dirty: Number(r.dirty ?? 0) !== 0, codeFiles,
    };
    return (this.codeIdentity ?? plainCodeIdentity)(run);
  }

  // ------------------------------------------------------------------ listing

  /** Every artifact for the Artifacts tree: kind (dataset, model, file) -> path -> versions (newest first) -> runs. */
  listArtifacts(): ArtifactListing[] {
    const versions = new Map<number, { path: string; kind: ArtifactKind; entry: ArtifactVersionEntry & { producedBy: RunRef[]; usedBy: RunRef[] } }>();
    const byPath = new Map<string, number[]>();
    for (const a of this.db.all('SELECT id, path, kind, sha256, size, mtime, created_at FROM artifacts ORDER BY path, created_at, id')) {
      const id = Number(a.id);
      const path = str(a.path);
      const list = byPath.get(path) ?? [];
      list.push(id);
      byPath.set(path, list);
      versions.set(id, {
        path,
        kind: (kinds.includes(a.kind as ArtifactKind) ? a.kind : 'file') as ArtifactKind,
        entry: {
          nodeId: artifactNodeId(path, str(a.sha256)), artifactId: id, sha256: str(a.sha256), size: numOrNull(a.size),
          mtime: numOrNull(a.mtime), createdAt: Number(a.created_at), version: list.length, producedBy: [], usedBy: [],
        },
      });
    }
    for (const e of this.db.all(`SELECT ev.artifact, ev.role, r.id, r.name, r.status, r.started_at FROM events ev
      JOIN runs r ON r.rid = ev.run ORDER BY r.started_at, r.rid`)) {
      const v = versions.get(Number(e.artifact));
      if (!v) continue;
      const ref: RunRef = { id: str(e.id), name: str(e.name), status: str(e.status) as RunStatus, startedAt: Number(e.started_at) };
      (e.role === 'input' ? v.entry.usedBy : v.entry.producedBy).push(ref);
    }
    const out = new Map<ArtifactKind, ArtifactPathEntry[]>();
    for (const [path, ids] of byPath) {
      const entries = ids.map((id) => versions.get(id)!).reverse();
      const kind = entries[0].kind;
      const list = out.get(kind) ?? [];
      list.push({ path, kind, versions: entries.map((e) => e.entry) });
      out.set(kind, list);
    }
    return kinds.filter((k) => out.has(k)).map((kind) => ({ kind, paths: out.get(kind)! }));
  }
}

/**
 * Code identity without git: the snapshot commit, else the clean commit, else a digest of the kept code
 * files. Two dirty runs of the same tree get different `git stash create` commits, so the extension
 * and CLI pass {@link gitTreeCodeIdentity} instead where git is at hand.
 */
export const plainCodeIdentity: CodeIdentity = (run) => {
  if (run.snapshot) return `rev:${run.snapshot}`;
  if (run.commit && !run.dirty) return `rev:${run.commit}`;
  const files = Object.entries(run.codeFiles);
  if (!files.length) return null;
  return `files:${JSON.stringify(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
};
