// `exptrack lineage RUN|PATH [--up|--down] [--hops N] [--json]`: the lineage graph around a run, an
// artifact path (all its versions) or one version (`PATH@SHA`). Exit codes: 0 ok, 1 nothing found or
// unreadable store, 2 usage error.
import path from 'node:path';
import { gitTreeCodeIdentity } from '../core/lineage/gitTreeCodeIdentity';
import { lineageJson, type LineageDirection, type LineageEdge, type LineageGraph, type LineageNode } from '../core/lineage/lineageGraph';
import { LineageQueries } from '../core/lineage/lineageQueries';
import { storeSqlReader } from '../core/lineage/storeSqlReader';
import { formatBytes } from '../protocol/format';
import type { CliIo } from './cliIo';
import { openReadStore } from './openReadStore';

const usage = 'exptrack lineage RUN|PATH[@SHA] [--up|--down] [--hops N] [--json]';

class UsageError extends Error {}

interface LineageArgs {
  readonly target: string;
  readonly direction: LineageDirection;
  readonly hops: number | undefined;
  readonly json: boolean;
}

function parse(argv: readonly string[]): LineageArgs {
  const positional: string[] = [];
  let up = false;
  let down = false;
  let hops: number | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (a === '--up') up = true;
    else if (a === '--down') down = true;
    else if (a === '--json') json = true;
    else if (a === '--hops' || a.startsWith('--hops=')) {
      const v = a === '--hops' ? argv[++i] : a.slice('--hops='.length);
      const n = Number(v);
      if (v === undefined || v === '' || !Number.isInteger(n) || n < 0) throw new UsageError('--hops needs a whole number (0 or more)');
      hops = n;
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a.split('=')[0]}`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError(positional.length ? 'give one run or path' : 'which run or path? give a run id, id prefix, name, @last, or an artifact path');
  return { target: positional[0], direction: up && !down ? 'up' : down && !up ? 'down' : 'both', hops, json };
}

/** Workspace-relative forms of what the user typed, to match recorded artifact paths. */
function pathCandidates(arg: string, cwd: string, workspace: string): string[] {
  const slashes = (p: string) => p.split(path.sep).join('/');
  const abs = path.resolve(cwd, arg);
  const rel = path.relative(workspace, abs);
  const out = [slashes(arg).replace(/^\.\//, ''), rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? slashes(rel) : '', slashes(abs), arg];
  return [...new Set(out.filter(Boolean).map((p) => p.replace(/\/+$/, '')))];
}

/** `exptrack lineage`: prints the graph as an indented tree, or as JSON with `--json`. */
export async function lineage(argv: string[], io: CliIo): Promise<number> {
  let args: LineageArgs;
  try {
    args = parse(argv);
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\nusage: ${usage}\n`);
    return 2;
  }
  const store = await openReadStore(io);
  if (!store) return 1;
  try {
    const queries = new LineageQueries(storeSqlReader(store), gitTreeCodeIdentity());
    const workspace = path.dirname(store.dir);
    const walk = { direction: args.direction, hops: args.hops };
    let graph: LineageGraph | undefined;
    let runId: string | undefined;
    const at = args.target.lastIndexOf('@');
    const version = at > 0 && /^[0-9a-f]{4,64}$/i.test(args.target.slice(at + 1)) ? args.target.slice(at + 1).toLowerCase() : undefined;
    const pathPart = version ? args.target.slice(0, at) : args.target;
    const recorded = queries.findPath(pathCandidates(pathPart, io.cwd, workspace));
    if (recorded && version) {
      graph = queries.fromArtifactVersion(recorded, version, walk);
      if (!graph) { io.stderr(`exptrack: ${recorded} has no recorded version ${version}\n`); return 1; }
    } else if (recorded) {
      graph = queries.fromPath(recorded, walk);
    } else {
      try {
        runId = store.resolveRun(args.target);
      } catch (e) {
        io.stderr(`exptrack: ${(e as Error).message}; nor is '${args.target}' a recorded artifact path\n`);
        return 1;
      }
      graph = queries.fromRun(runId, walk);
    }
    if (!graph) { io.stderr(`exptrack: nothing recorded for '${args.target}'\n`); return 1; }
    if (args.json) {
      io.stdout(`${JSON.stringify(lineageJson(graph), null, 2)}\n`);
      return 0;
    }
    io.stdout(renderTree(graph, args.direction));
    if (runId) {
      const dup = queries.duplicatesOf(runId, 1)[0];
      if (dup) io.stdout(`\nhint: run ${dup.run.id.slice(0, 10)} (${clean(dup.run.name)}, ${dup.run.status}) already ran with the ${dup.reason}\n`);
    }
    if (graph.truncated) io.stdout(`\n(more beyond ${args.hops} hop${args.hops === 1 ? '' : 's'}; raise --hops)\n`);
    return 0;
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** Control characters from run names or paths must not reach the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function label(n: LineageNode): string {
  if (n.type === 'run') return `run ${n.id.slice(0, 10)}  ${clean(n.name)}  [${n.status}]`;
  const hash = n.sha256 ? n.sha256.slice(0, 12) : 'unhashed';
  return `${clean(n.path)}  v${n.version}/${n.versions} ${hash}  (${n.kind}${n.size !== null ? `, ${formatBytes(n.size)}` : ''})`;
}

/** Upstream then downstream from each root, as indented trees; a node met twice is printed once. */
function renderTree(g: LineageGraph, direction: LineageDirection): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const ins = new Map<string, LineageEdge[]>();
  const outs = new Map<string, LineageEdge[]>();
  for (const e of g.edges) {
    (ins.get(e.to) ?? ins.set(e.to, []).get(e.to)!).push(e);
    (outs.get(e.from) ?? outs.set(e.from, []).get(e.from)!).push(e);
  }
  const lines: string[] = [];
  const tree = (id: string, depth: number, dir: 'up' | 'down', seen: Set<string>): void => {
    const next = (dir === 'up' ? ins.get(id) : outs.get(id)) ?? [];
    for (const e of next) {
      const other = dir === 'up' ? e.from : e.to;
      const n = byId.get(other);
      if (!n) continue;
      const again = seen.has(other);
      lines.push(`${'  '.repeat(depth)}${dir === 'up' ? '<-' : '->'} ${label(n)}${again ? '  (shown above)' : ''}`);
      if (!again) {
        seen.add(other);
        tree(other, depth + 1, dir, seen);
      }
    }
  };
  for (const root of g.roots) {
    const n = byId.get(root);
    if (!n) continue;
    if (lines.length) lines.push('');
    lines.push(label(n));
    for (const dir of direction === 'both' ? (['up', 'down'] as const) : [direction]) {
      const before = lines.length;
      lines.push(`  ${dir === 'up' ? 'made from' : 'used by'}:`);
      tree(root, 2, dir, new Set([root]));
      if (lines.length === before + 1) lines[before] += ' nothing recorded';
    }
  }
  return `${lines.join('\n')}\n`;
}
