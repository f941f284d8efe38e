import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/cli/cliIo';
import { lineage } from '../../src/cli/lineageCommand';
import { gitTreeCodeIdentity } from '../../src/core/lineage/gitTreeCodeIdentity';
import { lineageJson, type LineageGraph } from '../../src/core/lineage/lineageGraph';
import { LineageQueries } from '../../src/core/lineage/lineageQueries';
import { sqlReaderOf, type SqlReader } from '../../src/core/lineage/sqlReader';
import type { ArtifactKind, ArtifactRole } from '../../src/core/model';
import { loadSqlJs } from '../../src/core/sqlite';
import { Store } from '../../src/core/store/store';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function io(cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { cwd, env: {}, stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, out: () => out, err: () => err };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Content hashes of the pipeline's files. The dataset is regenerated once, so it has two versions. */
const H = {
  raw: sha('raw v1'), dataV1: sha('train.csv v1'), dataV2: sha('train.csv v2'), test: sha('test.csv'),
  modelV1: sha('model v1'), modelV2: sha('model v2'), metricsV1: sha('metrics v1'), metricsV2: sha('metrics v2'),
};

interface Step {
  id: string; name: string; experiment: string; command: string;
  params?: Record<string, string | number>;
  inputs?: [string, string, ArtifactKind][]; outputs?: [string, string, ArtifactKind][];
  snapshot?: string;
}

/**
 * prepare -> train -> evaluate, then the dataset is regenerated (new content at the same path) and
 * the model retrained and evaluated again; finally train is re-run unchanged (the duplicate).
 */
const pipeline: Step[] = [
  { id: 'prep1', name: 'prepare', experiment: 'prepare', command: 'python prepare.py', inputs: [['data/raw.csv', H.raw, 'dataset']], outputs: [['data/train.csv', H.dataV1, 'dataset'], ['data/test.csv', H.test, 'dataset']], snapshot: 's-prep' },
  { id: 'train1', name: 'train lr=0.1', experiment: 'train', command: 'python train.py --lr 0.1', params: { lr: 0.1 }, inputs: [['data/train.csv', H.dataV1, 'dataset']], outputs: [['models/model.pt', H.modelV1, 'model']], snapshot: 's-train' },
  { id: 'eval1', name: 'evaluate', experiment: 'evaluate', command: 'python evaluate.py', inputs: [['models/model.pt', H.modelV1, 'model'], ['data/test.csv', H.test, 'dataset']], outputs: [['metrics.json', H.metricsV1, 'file']], snapshot: 's-eval' },
  { id: 'prep2', name: 'prepare', experiment: 'prepare', command: 'python prepare.py --seed 2', params: { seed: 2 }, inputs: [['data/raw.csv', H.raw, 'dataset']], outputs: [['data/train.csv', H.dataV2, 'dataset'], ['data/test.csv', H.test, 'dataset']], snapshot: 's-prep' },
  { id: 'train2', name: 'train lr=0.1', experiment: 'train', command: 'python train.py --lr 0.1', params: { lr: 0.1 }, inputs: [['data/train.csv', H.dataV2, 'dataset']], outputs: [['models/model.pt', H.modelV2, 'model']], snapshot: 's-train' },
  { id: 'eval2', name: 'evaluate', experiment: 'evaluate', command: 'python evaluate.py', inputs: [['models/model.pt', H.modelV2, 'model'], ['data/test.csv', H.test, 'dataset']], outputs: [['metrics.json', H.metricsV2, 'file']], snapshot: 's-eval' },
  { id: 'train3', name: 'train again', experiment: 'train', command: 'python train.py --lr 0.1', params: { lr: 0.1 }, inputs: [['data/train.csv', H.dataV2, 'dataset']], outputs: [['models/model.pt', H.modelV2, 'model']], snapshot: 's-train' },
];

async function recordPipeline(root: string): Promise<void> {
  const s = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
  const t0 = Date.UTC(2026, 10, 1);
  pipeline.forEach((p, i) => {
    s.sink.startRun({ id: p.id, experiment: p.experiment, name: p.name, command: p.command, cwd: root, startedAt: t0 + i * 60_000, source: 'cli' });
    if (p.params) s.sink.params(p.id, p.params);
    if (p.snapshot) s.sink.git(p.id, { commit: 'c0ffee', branch: 'main', remote: null, dirty: true, snapshot: p.snapshot });
    const art = (role: ArtifactRole) => ([pth, hash, kind]: [string, string, ArtifactKind]) =>
      s.sink.artifact(p.id, { path: pth, role, kind, sha256: hash, size: 1000 + i, mtime: t0 + i * 60_000 });
    (p.inputs ?? []).forEach(art('input'));
    (p.outputs ?? []).forEach(art('output'));
    s.sink.endRun(p.id, { endedAt: t0 + i * 60_000 + 30_000, exitCode: 0, signal: null, status: 'finished' });
  });
  await s.close();
}

async function openReader(root: string): Promise<SqlReader> {
  const SQL = await loadSqlJs();
  return sqlReaderOf(new SQL.Database(fs.readFileSync(path.join(root, '.exptrack', 'exptrack.db'))));
}

const runIds = (g: LineageGraph) => g.nodes.filter((n) => n.type === 'run').map((n) => n.id).sort();
const artIds = (g: LineageGraph) => g.nodes.filter((n) => n.type === 'artifact').map((n) => n.id).sort();
const v = (p: string, h: string) => `${p}@${h.slice(0, 12)}`;

describe('lineage queries (prepare -> train -> evaluate, dataset regenerated, model retrained)', () => {
  let root: string;
  let q: LineageQueries;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-'));
    await recordPipeline(root);
    q = new LineageQueries(await openReader(root));
  });

  it('walks downstream from a dataset version only through runs that read that version', () => {
    const g = q.fromArtifactVersion('data/train.csv', H.dataV1, { direction: 'down' })!;
    assert.deepEqual(runIds(g), ['eval1', 'train1']);
    assert.deepEqual(artIds(g), [v('data/train.csv', H.dataV1), v('metrics.json', H.metricsV1), v('models/model.pt', H.modelV1)].sort());
    assert.ok(!g.nodes.some((n) => n.id === 'train2'), 'the model retrained on v2 is not downstream of v1');
    const g2 = q.fromArtifactVersion('data/train.csv', H.dataV2.slice(0, 12), { direction: 'down' })!;
    assert.deepEqual(runIds(g2), ['eval2', 'train2', 'train3']);
  });

  it('a path means all its versions', () => {
    const g = q.fromPath('data/train.csv', { direction: 'down' })!;
    assert.deepEqual(runIds(g), ['eval1', 'eval2', 'train1', 'train2', 'train3']);
    assert.equal(g.roots.length, 2);
    const versions = g.nodes.filter((n) => n.type === 'artifact' && n.path === 'data/train.csv');
    assert.deepEqual(versions.map((n) => n.type === 'artifact' && [n.version, n.versions]).sort(), [[1, 2], [2, 2]]);
  });

  it('walks upstream from a run with edges that follow the data', () => {
    const g = q.fromRun('eval1', { direction: 'up' })!;
    // prep2 wrote test.csv with the same content, so it is a producer of that version too.
    assert.deepEqual(runIds(g), ['eval1', 'prep1', 'prep2', 'train1']);
    assert.deepEqual(artIds(g), [v('data/raw.csv', H.raw), v('data/test.csv', H.test), v('data/train.csv', H.dataV1), v('models/model.pt', H.modelV1)].sort());
    const edges = new Set(g.edges.map((e) => `${e.from} -${e.type}-> ${e.to}`));
    assert.ok(edges.has(`${v('models/model.pt', H.modelV1)} -input-> eval1`));
    assert.ok(edges.has(`train1 -output-> ${v('models/model.pt', H.modelV1)}`));
    assert.ok(edges.has(`${v('data/raw.csv', H.raw)} -input-> prep1`));
    // test.csv has the same content from both prepare runs: one version, produced twice.
    assert.ok(edges.has(`prep1 -output-> ${v('data/test.csv', H.test)}`) && edges.has(`prep2 -output-> ${v('data/test.csv', H.test)}`));
  });

  it('honours the hop limit and says when it cut the walk', () => {
    const one = q.fromRun('train1', { direction: 'down', hops: 1 })!;
    assert.deepEqual(one.nodes.map((n) => n.id).sort(), [v('models/model.pt', H.modelV1), 'train1'].sort());
    assert.equal(one.truncated, true);
    const two = q.fromRun('train1', { direction: 'down', hops: 2 })!;
    assert.deepEqual(runIds(two), ['eval1', 'train1']);
    const all = q.fromRun('train1', { direction: 'down' })!;
    assert.equal(all.truncated, false);
    const both = q.fromRun('train1', { hops: 1 })!;
    assert.deepEqual(both.nodes.map((n) => n.id).sort(), [v('data/train.csv', H.dataV1), v('models/model.pt', H.modelV1), 'train1'].sort());
  });

  it('answers which runs used a dataset version and which data produced a model', () => {
    assert.deepEqual(q.runsUsing('data/train.csv', H.dataV1).map((r) => r.id), ['train1']);
    assert.deepEqual(q.runsUsing('data/train.csv', H.dataV2).map((r) => r.id), ['train2', 'train3']);
    assert.deepEqual(q.runsProducing('models/model.pt', H.modelV2).map((r) => r.id), ['train2', 'train3']);
    assert.deepEqual(q.dataBehind('models/model.pt', H.modelV1).map((n) => n.id).sort(), [v('data/raw.csv', H.raw), v('data/train.csv', H.dataV1)].sort());
    assert.deepEqual(q.dataBehind('models/model.pt', H.modelV2).map((n) => n.id).sort(), [v('data/raw.csv', H.raw), v('data/train.csv', H.dataV2)].sort());
    assert.deepEqual(q.runsUsing('data/train.csv', 'ffff'), []);
  });

  it('hints that a run repeats an earlier one with the same code, params and input hashes', () => {
    const dup = q.duplicatesOf('train3');
    assert.deepEqual(dup.map((d) => d.run.id), ['train2']);
    assert.match(dup[0].reason, /1 params and 1 input/);
    assert.deepEqual(q.duplicatesOf('train2'), [], 'train1 read another dataset version');
    assert.deepEqual(q.duplicatesOf('eval2'), [], 'eval1 read another model version');
    assert.deepEqual(q.duplicatesOf('prep2'), [], 'different command and params');
  });

  it('lists artifacts for the tree: kind -> path -> versions (newest first) -> runs', () => {
    const listing = q.listArtifacts();
    assert.deepEqual(listing.map((k) => k.kind), ['dataset', 'model', 'file']);
    const train = listing[0].paths.find((p) => p.path === 'data/train.csv')!;
    assert.deepEqual(train.versions.map((x) => [x.sha256, x.version]), [[H.dataV2, 2], [H.dataV1, 1]]);
    assert.deepEqual(train.versions[0].producedBy.map((r) => r.id), ['prep2']);
    assert.deepEqual(train.versions[0].usedBy.map((r) => r.id), ['train2', 'train3']);
    assert.deepEqual(train.versions[1].usedBy.map((r) => r.id), ['train1']);
    const model = listing[1].paths[0];
    assert.equal(model.path, 'models/model.pt');
    assert.deepEqual(model.versions[1].usedBy.map((r) => r.name), ['evaluate']);
  });

  it('prints the issue\'s JSON shape', () => {
    const j = lineageJson(q.fromRun('train2', {})!);
    for (const n of j.nodes) {
      if (n.type === 'run') assert.ok(typeof n.id === 'string' && typeof n.name === 'string');
      else assert.ok(n.type === 'artifact' && typeof n.path === 'string' && typeof n.sha256 === 'string' && ['dataset', 'model', 'file'].includes(String(n.kind)));
    }
    for (const e of j.edges) assert.ok(['input', 'output'].includes(e.type) && j.nodes.some((n) => n.id === e.from) && j.nodes.some((n) => n.id === e.to));
  });

  describe('exptrack lineage', () => {
    it('--json --down from a dataset path given relative to a subfolder', async () => {
      fs.mkdirSync(path.join(root, 'data'), { recursive: true });
      const t = io(path.join(root, 'data'));
      assert.equal(await lineage(['train.csv', '--down', '--json'], t), 0, t.err());
      const j = JSON.parse(t.out());
      assert.deepEqual(j.nodes.filter((n: { type: string }) => n.type === 'run').map((n: { id: string }) => n.id).sort(), ['eval1', 'eval2', 'train1', 'train2', 'train3']);
      assert.ok(j.edges.every((e: { type: string }) => e.type === 'input' || e.type === 'output'));
    });

    it('a version with PATH@SHA, a run by name with --up --hops', async () => {
      const t = io(root);
      assert.equal(await lineage([`data/train.csv@${H.dataV1.slice(0, 8)}`, '--down', '--json'], t), 0, t.err());
      assert.deepEqual(JSON.parse(t.out()).nodes.filter((n: { type: string }) => n.type === 'run').map((n: { id: string }) => n.id).sort(), ['eval1', 'train1']);
      const u = io(root);
      assert.equal(await lineage(['train again', '--up', '--hops', '2'], u), 0, u.err());
      assert.match(u.out(), /^run train3\s+train again\s+\[finished\]\n  made from:\n    <- data\/train\.csv  v2\/2 /);
      assert.match(u.out(), /<- run prep2/);
      assert.match(u.out(), /hint: run train2 .* already ran with the same command, code, 1 params and 1 input/);
    });

    it('usage errors exit 2, unknown targets 1', async () => {
      const a = io(root);
      assert.equal(await lineage(['--hops', 'x', 'train1'], a), 2);
      assert.match(a.err(), /--hops needs a whole number \(0 or more\)\nusage: exptrack lineage/);
      const b = io(root);
      assert.equal(await lineage(['nope-nothing'], b), 1);
      assert.match(b.err(), /nor is 'nope-nothing' a recorded artifact path/);
      const c = io(root);
      assert.equal(await lineage([], c), 2);
    });
  });
});

describe('gitTreeCodeIdentity', () => {
  it('two snapshots of the same dirty tree are the same code; a change is not', function () {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-git-'));
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
    try { git('init', '-q'); } catch { this.skip(); }
    fs.writeFileSync(path.join(repo, 'train.py'), 'print(1)\n');
    git('add', '.');
    git('commit', '-qm', 'init');
    const head = git('rev-parse', 'HEAD');
    fs.writeFileSync(path.join(repo, 'train.py'), 'print(2)\n');
    const s1 = git('stash', 'create');
    const s2 = execFileSync('git', ['stash', 'create'], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_COMMITTER_DATE: '2001-01-01T00:00:00Z', GIT_AUTHOR_DATE: '2001-01-01T00:00:00Z' } }).trim();
    assert.notEqual(s1, s2);
    const id = gitTreeCodeIdentity();
    const base = { id: 'x', cwd: repo, commit: head, dirty: true, codeFiles: {} };
    assert.equal(id({ ...base, snapshot: s1 }), id({ ...base, snapshot: s2 }));
    assert.notEqual(id({ ...base, snapshot: s1 }), id({ ...base, snapshot: null, dirty: false }));
    assert.match(id({ ...base, snapshot: s1 })!, /^git:[0-9a-f]{64}$/);
    // A dataset written into the tree (snapshots keep untracked files) is not code.
    fs.writeFileSync(path.join(repo, 'out.csv'), '1,2\n');
    git('add', 'out.csv');
    const s3 = git('stash', 'create');
    assert.equal(id({ ...base, snapshot: s3 }), id({ ...base, snapshot: s1 }));
  });
});
