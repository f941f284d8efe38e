import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareForRerun, describeDifferences, repeatReason, type RerunStates } from '../../src/core/editor/rerunCheck';
import { gatherRerunStates } from '../../src/core/editor/rerunState';
import { addSnapshotWorktree } from '../../src/core/editor/snapshotWorktree';
import { FileHasher } from '../../src/core/recorder/fileHasher';
import { Recorder } from '../../src/core/recorder/recorder';
import { Store } from '../../src/core/store/store';

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined };

describe('re-run check: what differs from the recorded run', () => {
  const base = (over: Partial<RerunStates> = {}): RerunStates => ({
    code: { recorded: { kind: 'git', files: new Map([['train.py', 'a1'], ['util.py', 'b1']]) }, current: { kind: 'git', files: new Map([['train.py', 'a1'], ['util.py', 'b1']]) } },
    params: { recorded: { lr: 0.1, epochs: 3 }, current: { lr: 0.1 }, source: ['conf.yaml'] },
    inputs: [{ path: 'data/train.csv', recordedSha256: 'f'.repeat(64), currentSha256: 'f'.repeat(64) }],
    ...over,
  });

  it('nothing changed: no difference, and the repeat hint says what is the same', () => {
    const check = compareForRerun(base());
    assert.deepEqual(check.differences, []);
    assert.equal(repeatReason(check), 'same command, code, 2 params and 1 input (by content hash)');
  });

  it('names changed, new and deleted code files, changed config params and changed or missing inputs', () => {
    const check = compareForRerun(base({
      code: {
        recorded: { kind: 'git', files: new Map([['train.py', 'a1'], ['util.py', 'b1'], ['secret.py', 'c1']]), leftOut: new Set(['keys.py']) },
        current: { kind: 'git', files: new Map([['train.py', 'a2'], ['new.py', 'n1'], ['keys.py', 'k'], ['secret.py', 'c1']]) },
      },
      params: { recorded: { lr: 0.1, epochs: 3 }, current: { lr: 0.01, epochs: '3' }, source: ['conf.yaml'] },
      inputs: [
        { path: 'data/train.csv', recordedSha256: 'a'.repeat(64), currentSha256: 'b'.repeat(64) },
        { path: 'data/val.csv', recordedSha256: 'c'.repeat(64), currentSha256: null },
      ],
    }));
    assert.deepEqual(check.differences.map((d) => `${d.kind}:${'path' in d ? d.path : d.key}:${'change' in d ? d.change : ''}`), [
      'code:new.py:added', 'code:train.py:changed', 'code:util.py:removed', 'param:lr:', 'input:data/train.csv:changed', 'input:data/val.csv:missing',
    ], 'a file the snapshot left out on purpose is not "new"; 3 and "3" are one value');
    assert.deepEqual(describeDifferences(check, ['/w/conf.yaml']), [
      'new.py is new since this run', 'train.py changed since this run', 'util.py was deleted since this run', 'param lr: 0.1 -> 0.01 (conf.yaml)',
      'input data/train.csv changed since this run (sha256 aaaaaaaa -> bbbbbbbb)', 'input data/val.csv is gone',
    ]);
    assert.equal(repeatReason(check), undefined);
  });

  it('code that cannot be compared is never called a repeat', () => {
    const check = compareForRerun(base({ code: null }));
    assert.deepEqual(check.differences, []);
    assert.equal(check.codeCompared, false);
    assert.equal(repeatReason(check), undefined);
  });

  it('cuts a long list', () => {
    const files = new Map(Array.from({ length: 20 }, (_, i) => [`f${String(i).padStart(2, '0')}.py`, 'x'] as [string, string]));
    const check = compareForRerun(base({ code: { recorded: { kind: 'git', files: new Map() }, current: { kind: 'git', files } } }));
    const lines = describeDifferences(check, [], 5);
    assert.equal(lines.length, 5);
    assert.equal(lines[4], '… and 16 more');
  });
});

describe('re-run check on a real recorded run (git snapshot, config file, input data)', function () {
  this.timeout(60_000);
  let dir: string;
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-rerun-')));
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.com');
    fs.writeFileSync(path.join(dir, '.gitignore'), '.exptrack/\ndata/\n');
    fs.writeFileSync(path.join(dir, 'train.py'), 'import sys\ndata = open(sys.argv[sys.argv.index("--data") + 1]).read()\nprint("loss=%.3f" % (1 / len(data)))\n');
    fs.writeFileSync(path.join(dir, 'conf.yaml'), 'lr: 0.1\nlayers: 2\n');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'train.csv'), 'x\n1\n2\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function recordRun(): Promise<{ store: Store; runId: string }> {
    const exptrackDir = path.join(dir, '.exptrack');
    const store = await Store.open(exptrackDir, { logger: quiet });
    const recorder = new Recorder({ sink: store.sink, exptrackDir, workspaceDir: dir, capture: { environment: false, packages: false } });
    const run = recorder.spawn({ command: 'python3 train.py --config conf.yaml --data data/train.csv', cwd: dir, source: 'task' });
    await run.done;
    await store.flush();
    return { store, runId: run.run.id };
  }

  async function check(store: Store, runId: string) {
    const run = store.getRun(runId)!;
    const states = await gatherRerunStates(run, { workspaceDir: dir, hasher: new FileHasher(null), codeFiles: store.getCodeFiles(runId) });
    return { check: compareForRerun(states), files: states.configFiles };
  }

  it('finds nothing right after the run, then each change the user makes', async () => {
    const { store, runId } = await recordRun();
    try {
      const inputs = store.getRun(runId)!.artifacts.filter((a) => a.role === 'input').map((a) => a.path);
      assert.ok(inputs.includes('data/train.csv'), `the data file is an input: ${inputs}`);
      let c = await check(store, runId);
      assert.deepEqual(c.check.differences, [], 'unchanged');
      assert.ok(repeatReason(c.check)?.startsWith('same command, code,'));

      fs.appendFileSync(path.join(dir, 'train.py'), '# tweak\n');
      fs.writeFileSync(path.join(dir, 'conf.yaml'), 'lr: 0.01\nlayers: 2\n');
      fs.writeFileSync(path.join(dir, 'data', 'train.csv'), 'x\n1\n2\n3\n');
      fs.writeFileSync(path.join(dir, 'helper.py'), 'X = 1\n');
      c = await check(store, runId);
      assert.deepEqual(describeDifferences(c.check, c.files).map((l) => l.replace(/\(sha256 .*\)/, '(sha256 …)')), [
        'conf.yaml changed since this run', 'helper.py is new since this run', 'train.py changed since this run', 'param lr: 0.1 -> 0.01 (conf.yaml)',
        'input data/train.csv changed since this run (sha256 …)',
      ]);
    } finally {
      await store.close();
    }
  });

  it('a dirty run compares against its snapshot, not HEAD', async () => {
    fs.appendFileSync(path.join(dir, 'train.py'), '# uncommitted\n');
    const { store, runId } = await recordRun();
    try {
      assert.ok(store.getRun(runId)!.git?.dirty);
      assert.deepEqual((await check(store, runId)).check.differences, [], 'the working tree is what the snapshot holds');
      git('checkout', '--', 'train.py');
      const c = await check(store, runId);
      assert.deepEqual(describeDifferences(c.check, c.files), ['train.py changed since this run']);
    } finally {
      await store.close();
    }
  });

  it('checks the recorded snapshot out in a temporary worktree, links the untracked data, keeps what the run wrote, removes it', async () => {
    fs.appendFileSync(path.join(dir, 'train.py'), '# as recorded\n');
    const { store, runId } = await recordRun();
    try {
      fs.writeFileSync(path.join(dir, 'train.py'), 'raise SystemExit("edited since")\n');
      const wt = await addSnapshotWorktree(runId, dir, store.getRun(runId)!.git!.snapshot);
      assert.notEqual(wt.dir, dir);
      assert.equal(wt.cwd, wt.dir);
      assert.match(fs.readFileSync(path.join(wt.cwd, 'train.py'), 'utf8'), /# as recorded/);
      assert.deepEqual(wt.linked, ['data'], 'the ignored data folder is linked, nothing else is missing');
      assert.equal(fs.readFileSync(path.join(wt.cwd, 'data', 'train.csv'), 'utf8'), 'x\n1\n2\n');
      const out = execFileSync('python3', ['train.py', '--data', 'data/train.csv'], { cwd: wt.cwd, encoding: 'utf8' });
      assert.match(out, /loss=/);
      fs.writeFileSync(path.join(wt.cwd, 'report.txt'), 'written by the run\n');
      const keep = path.join(dir, '.exptrack', 'kept');
      assert.deepEqual(await wt.remove(keep), ['report.txt']);
      assert.equal(fs.readFileSync(path.join(keep, 'report.txt'), 'utf8'), 'written by the run\n');
      assert.equal(fs.existsSync(wt.dir), false);
      assert.equal(fs.readFileSync(path.join(dir, 'data', 'train.csv'), 'utf8'), 'x\n1\n2\n', 'the linked data survives the removal');
      assert.equal(git('worktree', 'list').split('\n').length, 1);
      assert.match(fs.readFileSync(path.join(dir, 'train.py'), 'utf8'), /edited since/, 'the working tree is untouched');
    } finally {
      await store.close();
    }
  });
});
