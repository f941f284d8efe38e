import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Recorder } from '../../src/core/recorder/recorder';
import { Store } from '../../src/core/store/store';
import { builtCli } from './helpers/builtCli';

// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const bin = builtCli('capture');
const cli = bin.cli;

function exptrack(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  // stdout is a pipe, as from a script: the case where the recording thread came too late.
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input: '', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

interface LineageJson {
  nodes: { id: string; type: string; name?: string; path?: string }[];
  edges: { from: string; to: string; type: string }[];
}

describe('capture: lineage of fast commands (exptrack run from a script)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => bin.build());
  after(() => bin.remove());
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-chain-')));
    fs.mkdirSync(path.join(dir, '.exptrack'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prepare (cp) -> train -> evaluate: each output is an output and the chain is whole', () => {
    // Commands that read and write the paths named in argv and finish within milliseconds (`cp`
    // always beats the recording thread's start). The python hook is off (EXPTRACK_PYTHON_HOOK=0):
    // named paths are all a non-Python command gets.
    fs.mkdirSync(path.join(dir, 'raw'));
    fs.writeFileSync(path.join(dir, 'raw', 'raw.csv'), 'x,y\n' + Array.from({ length: 50 }, (_, i) => `${i},${i * 2}`).join('\n') + '\n');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'train.py'), [
      'import os, sys',
      'data, out = sys.argv[1], sys.argv[2]',
      'os.makedirs(os.path.dirname(out), exist_ok=True)',
      'open(out, "wb").write(str(len(open(data).read())).encode())',
      'print("loss=0.5")',
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'evaluate.py'), [
      'import sys',
      'model, data = sys.argv[1], sys.argv[2]',
      'print("acc=%s" % (len(open(model).read()) / 1000))',
    ].join('\n'));
    const env = { EXPTRACK_PYTHON_HOOK: '0' };
    for (const cmd of [['cp', 'raw/raw.csv', 'data/clean.csv'], ['python3', 'train.py', 'data/clean.csv', 'models/m.bin'], ['python3', 'evaluate.py', 'models/m.bin', 'data/clean.csv']]) {
      const r = exptrack(['run', '--', ...cmd], dir, env);
      assert.equal(r.code, 0, r.stderr);
    }
    const r = exptrack(['lineage', '@last', '--up', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const g = JSON.parse(r.stdout) as LineageJson;
    const runs = g.nodes.filter((n) => n.type === 'run').map((n) => n.name).sort();
    assert.equal(runs.length, 3, `three runs upstream of evaluate: ${JSON.stringify(g)}`);
    const paths = g.nodes.filter((n) => n.type === 'artifact').map((n) => n.path).sort();
    assert.deepEqual(paths, ['data/clean.csv', 'models/m.bin', 'raw/raw.csv']);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const edge = (type: string, p: string): number => g.edges.filter((e) => e.type === type && byId.get(type === 'output' ? e.to : e.from)?.path === p).length;
    assert.equal(edge('output', 'data/clean.csv'), 1, 'cp wrote data/clean.csv');
    assert.equal(edge('output', 'models/m.bin'), 1, 'train wrote models/m.bin');
    assert.equal(edge('input', 'raw/raw.csv'), 1);
    assert.equal(edge('input', 'data/clean.csv'), 2, 'train and evaluate read data/clean.csv');
    assert.equal(edge('input', 'models/m.bin'), 1, 'evaluate read models/m.bin');
  });

  it('a terminal command heard of late: a named path changed since shortly before its start event is its output', async () => {
    // `cp` ran and finished before the start event reached the editor (a busy extension host).
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'raw.csv'), 'a\n1\n');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, 'data', 'raw.csv'), old, old);
    const store = await Store.open(path.join(dir, '.exptrack'));
    try {
      const recorder = new Recorder({ sink: store.sink, exptrackDir: path.join(dir, '.exptrack'), workspaceDir: dir, capture: { environment: false, git: false } });
      fs.copyFileSync(path.join(dir, 'data', 'raw.csv'), path.join(dir, 'data', 'copy.csv'));
      const startedAt = Date.now() + 300; // the event came 300 ms after the command wrote its output
      const run = recorder.observe({ command: 'cp data/raw.csv data/copy.csv', cwd: dir, source: 'terminal', startedAt, modifiedSince: startedAt - 2000 });
      await run.end({ exitCode: 0 });
      await store.flush();
      const roles = Object.fromEntries(store.getRun(run.id)!.artifacts.map((a) => [a.path, a.role]));
      assert.deepEqual(roles, { 'data/raw.csv': 'input', 'data/copy.csv': 'output' });
    } finally {
      await store.close();
    }
  });
});
