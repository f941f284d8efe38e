import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitInfo, RecordSink } from '../../src/core/model';
import { captureGit, snapshotRef } from '../../src/core/recorder/gitSnapshot';
import { Recorder } from '../../src/core/recorder/recorder';
import { Store } from '../../src/core/store/store';

// The test's own reads never write the index either (plain `git status` refreshes it).
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).trim();

/** Everything `git` state the snapshot must leave alone. */
function untouchable(repo: string): Record<string, string> {
  const read = (f: string): string => { try { return fs.readFileSync(path.join(repo, f), 'base64'); } catch { return '-'; } };
  return {
    index: read('.git/index'),
    status: git(repo, 'status', '--porcelain=v1', '-uall'),
    stashList: git(repo, 'stash', 'list'),
    head: git(repo, 'rev-parse', 'HEAD'),
    train: read('train.py'),
    notes: read('notes.txt'),
  };
}

describe('git capture', function () {
  this.timeout(60_000);
  let repo: string;

  beforeEach(() => {
    repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-git-')));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.name', 'Test');
    git(repo, 'config', 'user.email', 'test@example.com');
    git(repo, 'remote', 'add', 'origin', 'https://alice:ghp_S3CR3T@github.com/acme/model.git');
    fs.writeFileSync(path.join(repo, 'train.py'), 'print("v1")\n');
    fs.writeFileSync(path.join(repo, '.gitignore'), 'data/\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('records a clean tree: commit, branch, remote without credentials, snapshot = HEAD', async () => {
    const info = (await captureGit(repo, 'run-clean'))?.git;
    const head = git(repo, 'rev-parse', 'HEAD');
    assert.deepEqual(info, { commit: head, branch: 'main', remote: 'https://github.com/acme/model.git', dirty: false, snapshot: head });
    assert.equal(git(repo, 'rev-parse', snapshotRef('run-clean')), head);
  });

  it('snapshots a dirty tree with staged, unstaged and untracked code, touching nothing', async () => {
    fs.writeFileSync(path.join(repo, 'train.py'), 'print("v2, not committed")\n');
    fs.writeFileSync(path.join(repo, 'staged.py'), 'X = 1\n');
    git(repo, 'add', 'staged.py');
    fs.writeFileSync(path.join(repo, 'notes.txt'), 'untracked helper\n');
    fs.writeFileSync(path.join(repo, 'my file.py'), 'Y = 2\n');
    fs.writeFileSync(path.join(repo, 'big.py'), 'x' .repeat(2 * 1024 * 1024));
    fs.writeFileSync(path.join(repo, 'weights.pt'), 'binary');
    fs.mkdirSync(path.join(repo, 'data'));
    fs.writeFileSync(path.join(repo, 'data', 'ignored.csv'), 'a,b\n');
    execFileSync('git', ['stash', 'push', '-q', '-m', 'users own stash', '--', 'staged.py'], { cwd: repo });
    fs.writeFileSync(path.join(repo, 'staged.py'), 'X = 1\n');
    git(repo, 'add', 'staged.py');
    const before = untouchable(repo);
    const info = (await captureGit(repo, 'run-dirty'))?.git as GitInfo;
    assert.deepEqual(untouchable(repo), before, 'working tree, index, stash list and HEAD unchanged');
    assert.equal(info.dirty, true);
    assert.equal(info.commit, before.head);
    assert.ok(info.snapshot && info.snapshot !== info.commit);
    assert.equal(git(repo, 'rev-parse', snapshotRef('run-dirty')), info.snapshot);
    const show = (f: string): string => git(repo, 'show', `${info.snapshot}:${f}`);
    assert.equal(show('train.py'), 'print("v2, not committed")');
    assert.equal(show('staged.py'), 'X = 1');
    assert.equal(show('notes.txt'), 'untracked helper');
    assert.equal(show('my file.py'), 'Y = 2');
    const files = git(repo, 'ls-tree', '-r', '--name-only', info.snapshot).split('\n');
    assert.ok(!files.includes('big.py'), 'big untracked files are left out');
    assert.ok(!files.includes('weights.pt'), 'model files are artifacts, not code');
    assert.ok(!files.includes('data/ignored.csv'), 'ignored files are left out');
    assert.match(before.stashList, /users own stash/);
  });

  it('handles a repository without commits, and returns null outside git', async () => {
    const fresh = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-git0-')));
    try {
      git(fresh, 'init', '-q');
      fs.writeFileSync(path.join(fresh, 'a.py'), 'A = 1\n');
      const info = (await captureGit(fresh, 'run-unborn'))?.git as GitInfo;
      assert.equal(info.commit, null);
      assert.ok(info.snapshot);
      assert.equal(git(fresh, 'show', `${info.snapshot}:a.py`), 'A = 1');
      fs.rmSync(path.join(fresh, '.git'), { recursive: true });
      assert.equal(await captureGit(fresh, 'run-none'), null);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('sees an edit made within the same second as the last commit (racy git), in dirty and in the snapshot', async () => {
    const nextSecond = async (): Promise<void> => { await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20)); };
    await nextSecond();
    // Commit and edit (same size) within one second: git's cached stat of train.py then matches the
    // file, and only the index's own timestamp tells git to look at the content.
    fs.writeFileSync(path.join(repo, 'train.py'), 'print("v2")\n');
    git(repo, 'commit', '-q', '-am', 'second');
    fs.writeFileSync(path.join(repo, 'train.py'), 'print("v9")\n');
    const sameSecond = Math.floor(fs.statSync(path.join(repo, '.git', 'index')).mtimeMs / 1000) === Math.floor(fs.statSync(path.join(repo, 'train.py')).mtimeMs / 1000);
    await nextSecond(); // the capture happens a second later, as a run started after a short pause would
    const info = (await captureGit(repo, 'run-racy'))?.git as GitInfo;
    if (!sameSecond) return; // a slow machine crossed the second: nothing racy was set up (passes either way)
    assert.equal(info.dirty, true);
    assert.equal(git(repo, 'show', `${info.snapshot}:train.py`), 'print("v9")');
  });

  it('is recorded for a run; outside git the entry script and configs are kept as code files', async () => {
    const calls: { git?: GitInfo; code?: Record<string, string> } = {};
    const sink: RecordSink = {
      startRun() {}, params() {}, metrics() {}, tags() {}, artifact() {}, environment() {}, endRun() {},
      git(_id, g) { calls.git = g; }, codeFiles(_id, f) { calls.code = { ...calls.code, ...f }; },
    };
    fs.writeFileSync(path.join(repo, 'train.py'), 'print("v3")\n');
    const rec = new Recorder({ sink, exptrackDir: path.join(repo, '.exptrack'), workspaceDir: repo, createParser: null, capture: { environment: false } });
    const run = rec.spawn({ command: [process.execPath, '-e', '0', 'train.py'], cwd: repo, source: 'test' });
    await run.done;
    assert.equal(calls.git?.dirty, true);
    assert.equal(git(repo, 'show', `${snapshotRef(run.run.id)}:train.py`), 'print("v3")');
    // The .exptrack folder (output logs, caches) stays out of git and out of the snapshot.
    assert.equal(fs.readFileSync(path.join(repo, '.exptrack', '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
    assert.ok(!git(repo, 'status', '--porcelain', '-uall').includes('.exptrack'));
    const run2 = rec.spawn({ command: [process.execPath, '-e', '0', 'train.py'], cwd: repo, source: 'test' });
    await run2.done;
    assert.ok(!git(repo, 'ls-tree', '-r', '--name-only', snapshotRef(run2.run.id)).includes('.exptrack'));
    assert.equal(calls.code, undefined);

    const plain = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-nogit-')));
    try {
      fs.writeFileSync(path.join(plain, 'job.js'), 'console.log(1)\n');
      fs.writeFileSync(path.join(plain, 'cfg.yaml'), 'a: 1\n');
      const rec2 = new Recorder({ sink, exptrackDir: path.join(plain, '.exptrack'), workspaceDir: plain, createParser: null, capture: { environment: false } });
      calls.git = undefined;
      await rec2.spawn({ command: ['node', 'job.js', '--config', 'cfg.yaml'], cwd: plain, source: 'test' }).done;
      assert.equal(calls.git, undefined);
      assert.deepEqual(calls.code, { 'job.js': 'console.log(1)\n', 'cfg.yaml': 'a: 1\n' });
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });

  it('gives an existing store folder its .gitignore when a writer opens it, and leaves one the user wrote', async () => {
    const dir = path.join(repo, '.exptrack');
    fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'runs', 'old.log'), 'x');
    assert.ok(git(repo, 'status', '--porcelain', '-uall').includes('.exptrack'), 'an old store shows in git status');
    const reader = await Store.open(dir, { readOnly: true });
    await reader.close();
    assert.ok(!fs.existsSync(path.join(dir, '.gitignore')), 'a read-only store writes nothing');
    const store = await Store.open(dir);
    await store.close();
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
    assert.ok(!git(repo, 'status', '--porcelain', '-uall').includes('.exptrack'));
    fs.writeFileSync(path.join(dir, '.gitignore'), '');
    await (await Store.open(dir)).close();
    assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '', 'a team that commits the folder keeps its own file');
  });
});
