import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtCli } from './helpers/builtCli';

// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const bin = builtCli('explain');
const cli = bin.cli;

function exptrack(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, EXPTRACK_DIR: '' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

// A training script whose validation loss depends on its data file and lr: the same code and params on
// changed data give a worse run.
const TRAIN = `import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument('--data')
p.add_argument('--lr', type=float, default=0.1)
a = p.parse_args()
rows = open(a.data).read().split()
noise = sum(1 for r in rows if r == 'noisy') / len(rows)
with open(os.environ['EXPTRACK_METRICS_FILE'], 'a') as f:
    for step in range(20):
        loss = 0.37 + a.lr * 0.1 + 0.6 / (1 + step) + noise * step / 19
        f.write(json.dumps({'step': step, 'val_loss': loss}) + '\\n')
print('done')
`;

describe('cli: baseline, regression check, explain', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => bin.build());
  after(() => bin.remove());
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-explain-')));
    fs.mkdirSync(path.join(dir, '.exptrack'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'train.py'), TRAIN);
    fs.writeFileSync(path.join(dir, '.gitignore'), 'data/\n');
    fs.writeFileSync(path.join(dir, 'data', 'train.txt'), 'clean\n'.repeat(100));
    git(dir, 'init', '-q');
    git(dir, 'add', 'train.py', '.gitignore');
    git(dir, 'commit', '-qm', 'train');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const train = ['run', '-e', 'exp', '--', 'python3', 'train.py', '--data', 'data/train.txt', '--lr', '0.1'];

  it('flags a run worse than the baseline because its input data changed, exits 3 when asked, and explains the data change first', () => {
    const first = exptrack(train, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /regression/);
    const set = exptrack(['baseline', '@last'], dir);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /is the baseline of exp/);

    // Same code, same params, other data.
    fs.writeFileSync(path.join(dir, 'data', 'train.txt'), 'clean\n'.repeat(80) + 'noisy\n'.repeat(20));
    const second = exptrack(['run', '--fail-on-regression', ...train.slice(1)], dir);
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, /exptrack: regression: val_loss 0\.[0-9]+ is \d+(\.\d)?% worse than baseline \S+ \(0\.410\); exptrack explain \w+\n/);

    // Without the flag the exit code is the command's, and the line still comes.
    const third = exptrack(train, dir);
    assert.equal(third.code, 0);
    assert.match(third.stderr, /regression: val_loss/);

    const json = exptrack(['explain', '@last', '--json'], dir);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.metric, 'val_loss');
    assert.equal(report.items[0].kind, 'data', JSON.stringify(report.items, null, 2));
    assert.equal(report.items[0].input.path, 'data/train.txt');
    assert.equal(report.items[0].input.change, 'changed');
    assert.notEqual(report.items[0].input.baseline.sha256, report.items[0].input.run.sha256);
    assert.equal(report.items.some((i: { kind: string }) => i.kind === 'param' || i.kind === 'code'), false, JSON.stringify(report.items));
    assert.ok(report.curves[0].divergence, 'the curves part');
    assert.equal(report.curves[0].divergence.side, 'worse');

    const text = exptrack(['explain', '@last'], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, / 1\. input data\/train\.txt changed: sha256 [0-9a-f]{12}, 600 B → sha256 [0-9a-f]{12}, 600 B/);
    assert.match(text.stdout, /the only recorded difference/);
    assert.match(text.stdout, /val_loss: from step \d+/);
  });

  it('ranks a swept param by its rank correlation with the metric, and says so', () => {
    for (const lr of ['0.1', '0.2', '0.3', '0.4']) assert.equal(exptrack([...train.slice(0, -1), lr], dir).code, 0);
    assert.equal(exptrack(['baseline', '@last~3'], dir).code, 0);
    const r = exptrack(['explain', '@last', '--json'], dir);
    const report = JSON.parse(r.stdout);
    const param = report.items.find((i: { kind: string }) => i.kind === 'param');
    assert.equal(param.param.key, 'lr');
    assert.equal(param.sweep.method, 'Spearman rank correlation');
    assert.equal(param.sweep.runs, 4);
    assert.equal(param.sweep.rho, 1);
    assert.match(param.evidence, /ρ = 1\.00 over 4 runs of the experiment: higher lr goes with higher val_loss/);
    assert.equal(report.items[0], param, 'the only difference');
    assert.match(report.method, /Spearman rank correlation/);
  });

  it('sets, shows and clears a baseline; explain without one says how to set it', () => {
    assert.equal(exptrack(train, dir).code, 0);
    assert.equal(exptrack(train, dir).code, 0);
    const none = exptrack(['explain', '@last'], dir);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no baseline; set one with exptrack baseline RUN/);
    assert.equal(exptrack(['baseline', '@last~1'], dir).code, 0);
    const moved = exptrack(['baseline', '@last'], dir);
    assert.match(moved.stdout, /\(was /);
    const show = exptrack(['baseline', '--show', 'exp'], dir);
    assert.equal(show.code, 0);
    const last = JSON.parse(exptrack(['show', '@last', '--json'], dir).stdout);
    assert.equal(show.stdout.split(' ')[0], last.id);
    assert.equal(last.tags['exptrack.baseline'], '1');
    assert.equal(exptrack(['baseline', '--clear', 'exp'], dir).code, 0);
    assert.equal(exptrack(['baseline', '--show', 'exp'], dir).code, 1);
    assert.equal(exptrack(['baseline'], dir).code, 2);
    assert.equal(exptrack(['baseline', '--clear', 'nope'], dir).code, 1);
  });
});
