import assert from 'node:assert/strict';
import type { ArtifactRecord, MetricSummary, RunSummary } from '../../src/core/model';
import { defaultMetricsConfig, type MetricsConfig } from '../../src/core/metrics/metricsConfig';
import { curveDivergence } from '../../src/core/explain/curveDivergence';
import { ranks, spearman } from '../../src/core/explain/rankCorrelation';
import { checkRegression, distinctPair, percent, regressionLines } from '../../src/core/explain/regressionCheck';
import { commandChange, compareVersions, environmentChanges, inputChanges, packageChanges, paramChanges } from '../../src/core/explain/runDifferences';
import { parseUnifiedDiff } from '../../src/core/explain/codeChanges';

function summary(values: number[]): MetricSummary {
  return { last: values[values.length - 1], min: Math.min(...values), max: Math.max(...values), count: values.length, lastStep: values.length - 1 };
}

function run(id: string, name: string, metrics: Record<string, number[]>): RunSummary {
  return {
    id, name, experiment: 'e', status: 'finished', exitCode: 0, command: 'python train.py', cwd: '/w', startedAt: 0, endedAt: 1, durationMs: 1,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, summary(v)])),
  };
}

describe('regression check', () => {
  const base = run('b', 'calm-heron-12', { val_loss: [0.5, 0.38], val_acc: [0.8, 0.9], lr: [1, 2] });

  it('says "val_loss 0.412 is 8.4% worse than baseline calm-heron-12 (0.380)"', () => {
    const r = checkRegression(run('r', 'x', { val_loss: [0.5, 0.412], val_acc: [0.8, 0.9], lr: [9, 9] }), base, defaultMetricsConfig);
    assert.deepEqual(r.compared, ['val_acc', 'val_loss']);
    assert.deepEqual(regressionLines(r), [
      'val_loss 0.412 is 8.4% worse than baseline calm-heron-12 (0.380)',
      'best val_loss 0.412 is 8.4% worse than baseline calm-heron-12 (0.380)',
    ]);
  });

  it('calls nothing worse within the tolerance, and takes the tolerance per key from the config', () => {
    const within = run('r', 'x', { val_loss: [0.5, 0.3837], val_acc: [0.8, 0.8955] });
    assert.deepEqual(checkRegression(within, base, defaultMetricsConfig).regressions, []);
    const strict: MetricsConfig = { ...defaultMetricsConfig, tolerances: { val_acc: 0.001 } };
    const r = checkRegression(within, base, strict);
    assert.deepEqual(r.regressions.map((x) => [x.key, x.which]), [['val_acc', 'final'], ['val_acc', 'best']]);
  });

  it('judges the best value apart from the final one, by direction', () => {
    // Final value better, but the run never reached the baseline's best accuracy.
    const b = run('b', 'base', { val_acc: [0.95, 0.9] });
    const r = checkRegression(run('r', 'x', { val_acc: [0.91, 0.91] }), b, defaultMetricsConfig);
    assert.deepEqual(r.regressions.map((x) => x.which), ['best']);
    assert.match(regressionLines(r)[0], /^best val_acc 0\.910 is 4\.2% worse than baseline base \(0\.950\)$/);
  });

  it('uses direction overrides, and judges no metric whose direction is unknown', () => {
    const b = run('b', 'base', { score: [10] });
    const r = run('r', 'x', { score: [5] });
    assert.deepEqual(checkRegression(r, b, defaultMetricsConfig).compared, []);
    assert.equal(checkRegression(r, b, { ...defaultMetricsConfig, directions: { score: 'higher' } }).regressions.length, 2);
    assert.equal(checkRegression(r, b, defaultMetricsConfig, { score: 'lower' }).regressions.length, 0);
  });

  it('writes numbers with the digits that tell them apart, and percentages briefly', () => {
    assert.deepEqual(distinctPair(0.412, 0.38), ['0.412', '0.380']);
    assert.deepEqual(distinctPair(0.38012, 0.38049), ['0.3801', '0.3805']);
    assert.deepEqual(distinctPair(12, 13), ['12', '13']);
    assert.deepEqual(distinctPair(NaN, 1.5), ['NaN', '1.50']);
    assert.equal(percent(0.0834), '8.3%');
    assert.equal(percent(3.5), '350%');
    assert.equal(percent(0.00012), '0.012%');
  });
});

describe('run differences', () => {
  it('lists params that differ, taking 3e-4 and "0.0003" as the same value', () => {
    assert.deepEqual(paramChanges({ lr: 3e-4, bs: 32, opt: 'adam' }, { lr: '0.0003', bs: 64, seed: 1 }), [
      { key: 'bs', baseline: 32, run: 64 },
      { key: 'opt', baseline: 'adam', run: undefined },
      { key: 'seed', baseline: undefined, run: 1 },
    ]);
  });

  it('finds input data read with other content, and inputs read by one run only', () => {
    const a = (p: string, sha: string | null, size: number, role: 'input' | 'output' = 'input'): ArtifactRecord => ({ path: p, role, kind: 'dataset', sha256: sha, size, mtime: 0 });
    assert.deepEqual(inputChanges([a('d.csv', 'aa', 10), a('same.csv', 'cc', 1), a('gone.csv', 'dd', 1), a('out.pt', 'x', 1, 'output')],
      [a('d.csv', 'bb', 12), a('same.csv', 'cc', 1), a('new.csv', 'ee', 2), a('out.pt', 'y', 1, 'output')]), [
      { path: 'd.csv', change: 'changed', baseline: { sha256: 'aa', size: 10 }, run: { sha256: 'bb', size: 12 } },
      { path: 'gone.csv', change: 'removed', baseline: { sha256: 'dd', size: 1 }, run: null },
      { path: 'new.csv', change: 'added', baseline: null, run: { sha256: 'ee', size: 2 } },
    ]);
    // Without hashes, the size decides.
    assert.equal(inputChanges([a('big', null, 5)], [a('big', null, 5)]).length, 0);
    assert.equal(inputChanges([a('big', null, 5)], [a('big', null, 6)]).length, 1);
  });

  it('tells packages added, removed, upgraded and downgraded, normalising names as pip does', () => {
    assert.deepEqual(packageChanges(['torch==2.1.0', 'numpy==1.26.4', 'Scikit_Learn==1.3.0', 'old==1'], ['torch==2.10.0', 'numpy==1.24.0', 'scikit-learn==1.3.0', 'new @ file:///x']), [
      { name: 'new', change: 'added', baseline: null, run: 'file:///x' },
      { name: 'numpy', change: 'downgraded', baseline: '1.26.4', run: '1.24.0' },
      { name: 'old', change: 'removed', baseline: '1', run: null },
      { name: 'torch', change: 'upgraded', baseline: '2.1.0', run: '2.10.0' },
    ]);
    // A run without a package list says nothing about packages.
    assert.deepEqual(packageChanges(['torch==2.1.0'], undefined), []);
    assert.equal(compareVersions('1.10', '1.9'), 1);
  });

  it('compares python, GPUs, CUDA variables and the machine', () => {
    const e = environmentChanges(
      { python: { version: '3.10.12' }, gpus: [{ name: 'A100', driver: '535' }], envVars: { CUDA_VISIBLE_DEVICES: '0', LANG: 'C' }, host: 'a', os: { type: 'Linux', release: '6.1' }, cpus: { count: 8 } },
      { python: { version: '3.11.4' }, gpus: [{ name: 'A100', driver: '535' }, { name: 'A100', driver: '535' }], envVars: { CUDA_VISIBLE_DEVICES: '0,1', LANG: 'C' }, host: 'a', os: { type: 'Linux', release: '6.1' }, cpus: { count: 8 } },
    );
    assert.deepEqual(e.python, { key: 'python', baseline: '3.10.12', run: '3.11.4' });
    assert.deepEqual(e.gpus, { key: 'gpus', baseline: 'A100 (driver 535)', run: 'A100 ×2 (driver 535)' });
    assert.deepEqual(e.variables, [{ key: 'CUDA_VISIBLE_DEVICES', baseline: '0', run: '0,1' }]);
    assert.deepEqual(e.machine, []);
    // Not recorded on one side: unknown, not different.
    const none = environmentChanges({ python: { version: '3.10' } }, {});
    assert.equal(none.python, null);
    assert.equal(none.gpus, null);
  });

  it('sees a command that differs only by the changed params\' values as covered by them', () => {
    const params = paramChanges({ lr: 0.1 }, { lr: 0.01 });
    assert.equal(commandChange({ command: 'python t.py --lr 0.1', source: 'cli' }, { command: 'python t.py --lr 0.01', source: 'cli' }, params)?.onlyParams, true);
    assert.equal(commandChange({ command: 'python t.py --lr 0.1', source: 'cli' }, { command: 'python u.py --lr 0.01', source: 'cli' }, params)?.onlyParams, false);
    assert.equal(commandChange({ command: 'python t.py', source: 'cli' }, { command: 'python t.py', source: 'cli' }, []), null);
    assert.deepEqual(commandChange({ command: 'python t.py', source: 'terminal' }, { command: 'python t.py', source: 'task' }, [])?.launcher, { baseline: 'terminal', run: 'task' });
  });
});

describe('rank correlation', () => {
  it('averages tied ranks', () => {
    assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  });

  it('is 1 or -1 for any monotone relation and null when it cannot say', () => {
    assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1);
    assert.equal(spearman([1e-4, 3e-4, 1e-3, 3e-3], [0.9, 0.5, 0.4, 0.1]), -1);
    assert.equal(spearman([1, 2], [1, 2]), null);
    assert.equal(spearman([1, 1, 1], [1, 2, 3]), null);
    assert.equal(spearman([1, 2, NaN, 3], [3, 2, 9, 1]), -1);
    const rho = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])!;
    assert.ok(Math.abs(rho - 0.8) < 1e-12);
  });
});

describe('curve divergence', () => {
  const steps = Array.from({ length: 100 }, (_, i) => i);
  const noisy = (i: number) => 1 / (1 + i / 10) + 0.01 * Math.sin(i * 1.7);

  it('finds the first step from which the run stays out of the baseline\'s band', () => {
    const base = { steps, values: steps.map(noisy) };
    const run = { steps, values: steps.map((i) => noisy(i) + (i >= 60 ? 0.1 : 0)) };
    const d = curveDivergence(run, base, { tolerance: 0.01, direction: 'lower' });
    assert.equal(d?.step, 60);
    assert.equal(d?.side, 'worse');
  });

  it('ignores a curve within the baseline\'s noise, and a single spike', () => {
    const base = { steps, values: steps.map(noisy) };
    const same = { steps, values: steps.map((i) => noisy(i) + 0.005 * Math.cos(i)) };
    assert.equal(curveDivergence(same, base, { tolerance: 0.01 }), null);
    const spike = { steps, values: steps.map((i) => noisy(i) + (i === 40 ? 1 : 0)) };
    assert.equal(curveDivergence(spike, base, { tolerance: 0.01 }), null);
  });

  it('compares at the run\'s own steps, interpolating the baseline', () => {
    const base = { steps: [0, 10, 20, 30, 40], values: [1, 1, 1, 1, 1] };
    const run = { steps: [5, 15, 25, 35], values: [1, 1.5, 1.5, 1.5] };
    assert.deepEqual(curveDivergence(run, base, { tolerance: 0.01, direction: 'higher' }), { step: 15, value: 1.5, baselineValue: 1, band: 0.01, side: 'better' });
  });
});

describe('unified diff', () => {
  it('splits git diff output into files, hunks and line counts', () => {
    const diff = [
      'diff --git a/train.py b/train.py', 'index 1..2 100644', '--- a/train.py', '+++ b/train.py',
      '@@ -1,3 +1,3 @@', ' import x', '-lr = 0.1', '+lr = 0.2', ' print(lr)',
      'diff --git a/old.py b/old.py', 'deleted file mode 100644', '--- a/old.py', '+++ /dev/null', '@@ -1 +0,0 @@', '-gone',
    ].join('\n');
    const files = parseUnifiedDiff(diff);
    assert.deepEqual(files.get('train.py'), { added: 1, removed: 1, hunks: ['@@ -1,3 +1,3 @@\n import x\n-lr = 0.1\n+lr = 0.2\n print(lr)'], truncated: false });
    assert.equal(files.get('old.py')?.removed, 1);
  });
});
