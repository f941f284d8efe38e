import assert from 'node:assert/strict';
import path from 'node:path';
import { declaredFlags, flagAt, flagUsage, paramKeysOf } from '../../src/core/editor/argparseFlags';
import { experimentTrend, metricKeysOf, sortRunsByMetric } from '../../src/core/editor/experimentTrend';
import { entryPointLine, scriptLensSummary, signedPercent } from '../../src/core/editor/scriptLens';
import { ScriptRunIndex, scriptLabelOf, scriptPathsOf } from '../../src/core/editor/scriptRuns';
import type { MetricSummary, ParamValue, RunSummary } from '../../src/core/model';

const m = (last: number): MetricSummary => ({ last, min: last, max: last, count: 1, lastStep: 10 });
let seq = 0;
function run(over: Partial<RunSummary> & { metrics?: Record<string, MetricSummary> }): RunSummary {
  seq++;
  return {
    id: `r${seq}`, name: `run-${seq}`, experiment: 'train', status: 'finished', exitCode: 0, command: 'python train.py', cwd: '/w',
    startedAt: seq * 1000, endedAt: seq * 1000 + 500, durationMs: 500, metrics: {}, ...over,
  };
}

describe('script runs: which runs ran a file', () => {
  it('finds the script through the command analysis (launchers, env, wrappers, modules)', () => {
    assert.deepEqual(scriptPathsOf('python train.py --lr 1', '/w'), ['/w/train.py']);
    assert.deepEqual(scriptPathsOf('CUDA_VISIBLE_DEVICES=0 torchrun --nproc_per_node 2 src/train.py', '/w'), ['/w/src/train.py']);
    assert.deepEqual(scriptPathsOf('uv run python ../x/eval.py', '/w/sub'), ['/w/x/eval.py']);
    assert.deepEqual(scriptPathsOf('cd src && python -u fit.py | tee log', '/w'), ['/w/src/fit.py'], 'after the cd before it');
    assert.deepEqual(scriptPathsOf('python -m pkg.train', '/w'), ['/w/pkg/train.py', '/w/pkg/train/__main__.py']);
    assert.deepEqual(scriptPathsOf('make all', '/w'), []);
    assert.deepEqual(scriptPathsOf('python -c "print(1)"', '/w'), []);
    assert.equal(scriptLabelOf('python /a/b/train.py'), 'train.py');
    assert.equal(scriptLabelOf('python -m pkg.train'), 'pkg.train');
    assert.equal(scriptLabelOf(''), '(none)');
  });

  it('indexes runs by script path, newest first; files without runs get none', () => {
    const a = run({ command: 'python train.py', startedAt: 1 });
    const b = run({ command: 'python3 train.py --lr 2', startedAt: 3 });
    const c = run({ command: 'python eval.py', startedAt: 2 });
    const d = run({ command: 'python train.py', cwd: '/other', startedAt: 4 });
    const index = ScriptRunIndex.build([a, b, c, d]);
    assert.deepEqual(index.runsOf('/w/train.py').map((r) => r.id), [b.id, a.id]);
    assert.deepEqual(index.runsOf(path.join('/w', 'sub', '..', 'eval.py')).map((r) => r.id), [c.id]);
    assert.deepEqual(index.runsOf('/w/none.py'), []);
    assert.equal(index.scriptCount, 3);
  });
});

describe('script lens text', () => {
  const format = (v: number): string => String(Number(v.toPrecision(4)));

  it('last value, change against the baseline, run count', () => {
    const baseline = run({ metrics: { val_acc: m(0.905), loss: m(0.3) } });
    const last = run({ metrics: { val_acc: m(0.912), loss: m(0.25) } });
    const s = scriptLensSummary([last, baseline], baseline, { format })!;
    assert.equal(s.title, 'last: val_acc 0.912 (+0.8% vs baseline) · 2 runs');
    assert.equal(s.worse, false);
    assert.equal(s.last, last);
    assert.equal(s.baseline, baseline);
  });

  it('says worse by the metric direction and the tolerance', () => {
    const baseline = run({ metrics: { val_loss: m(0.38) } });
    const last = run({ metrics: { val_loss: m(0.412) } });
    assert.equal(scriptLensSummary([last, baseline], baseline, { format })!.title, 'last: val_loss 0.412 (+8.4% vs baseline, worse) · 2 runs');
    assert.equal(scriptLensSummary([last, baseline], baseline, { format, tolerance: () => 0.1 })!.worse, false, 'within 10%');
    const better = run({ metrics: { val_loss: m(0.3) } });
    assert.equal(scriptLensSummary([better], baseline, { format })!.title, 'last: val_loss 0.3 (-21% vs baseline) · 1 run');
    assert.equal(scriptLensSummary([last], baseline, { format, directions: { val_loss: 'higher' } })!.worse, false, 'an override wins');
  });

  it('the baseline itself, no baseline, a running or failed last run, no metrics', () => {
    const only = run({ metrics: { acc: m(0.5) } });
    assert.equal(scriptLensSummary([only], only, { format })!.title, 'last: acc 0.5 (baseline) · 1 run');
    assert.equal(scriptLensSummary([only], undefined, { format })!.title, 'last: acc 0.5 · 1 run');
    assert.equal(scriptLensSummary([run({ status: 'running', metrics: { acc: m(0.1) } })], undefined, { format })!.title, 'running: acc 0.1 (step 10) · 1 run');
    const failed = run({ status: 'failed' });
    assert.equal(scriptLensSummary([failed, only], undefined, { format })!.title, `last (failed): ${failed.name}, no metrics · 2 runs`);
    assert.equal(scriptLensSummary([], undefined, { format }), undefined);
  });

  it('goes above the main guard, else def main, else the first line', () => {
    assert.equal(entryPointLine('import x\n\ndef main():\n  pass\n\nif __name__ == "__main__":\n  main()\n'), 5);
    assert.equal(entryPointLine("import x\r\ndef train():\r\n  pass\r\ndef main(args):\r\n  pass\r\n"), 3);
    assert.equal(entryPointLine('print(1)\n    if __name__ == "__main__": pass\n'), 0, 'an indented guard is not the entry point');
  });

  it('signed percentages', () => {
    assert.equal(signedPercent(0.0081), '+0.8%');
    assert.equal(signedPercent(-0.083), '-8.3%');
    assert.equal(signedPercent(0.25), '+25%');
    assert.equal(signedPercent(0.00012), '+0.012%');
    assert.equal(signedPercent(0), '±0%');
  });
});

describe('argparse flags in a script', () => {
  const text = [
    'import argparse',
    'p = argparse.ArgumentParser()',
    "p.add_argument('--lr', type=float, default=1e-3)",
    'p.add_argument(',
    '    "-b", "--batch-size",',
    '    type=int)',
    "p.add_argument('data')",
    "parser.add_argument(r'--use-amp', action='store_true')",
    "@click.option('--seed', default=0)",
  ].join('\n');

  it('finds option strings and their ranges; positionals are not flags', () => {
    const flags = declaredFlags(text);
    assert.deepEqual(flags.map((f) => f.options), [['--lr'], ['-b', '--batch-size'], ['--use-amp'], ['--seed']]);
    for (const f of flags) f.options.forEach((o, i) => assert.equal(text.slice(f.ranges[i].start, f.ranges[i].end), o));
    const at = flagAt(text, text.indexOf('batch-size') + 2);
    assert.deepEqual(at?.flag.options, ['-b', '--batch-size']);
    assert.equal(flagAt(text, text.indexOf('type=float')), undefined);
    assert.deepEqual(paramKeysOf(flags[1]), ['b', 'batch-size', 'batch_size']);
  });

  it('values used across the runs and which gave the best headline metric', () => {
    const [lr, batch] = declaredFlags(text);
    const runs: { run: RunSummary; params: Record<string, ParamValue> }[] = [
      { run: run({ metrics: { val_acc: m(0.81) } }), params: { lr: 0.001, 'batch-size': 32 } },
      { run: run({ metrics: { val_acc: m(0.9) } }), params: { lr: 0.0003, batch_size: 64 } },
      { run: run({ metrics: { val_acc: m(0.85) } }), params: { lr: 0.001, b: 32 } },
      { run: run({ metrics: {} }), params: {} },
    ];
    const u = flagUsage(lr, runs, 'val_acc');
    assert.equal(u.direction, 'higher');
    assert.deepEqual(u.values.map((v) => [v.value, v.runs, v.best?.value]), [['0.001', 2, 0.85], ['0.0003', 1, 0.9], [null, 1, undefined]]);
    assert.equal(u.best?.run, runs[1].run);
    assert.equal(u.best?.flagValue, '0.0003');
    const b = flagUsage(batch, runs, 'val_acc');
    assert.deepEqual(b.values.map((v) => [v.value, v.runs]), [['32', 2], ['64', 1], [null, 1]], 'typed -b, --batch-size and the dest are one flag');
    const lower = flagUsage(lr, runs, 'val_acc', { val_acc: 'lower' });
    assert.equal(lower.best?.flagValue, '0.001');
    assert.equal(flagUsage(lr, runs, 'score').best, undefined, 'no direction, no best');
  });
});

describe('experiment trend and sort by metric', () => {
  it('values oldest first with the best so far', () => {
    const runs = [run({ startedAt: 3, metrics: { val_loss: m(0.5) } }), run({ startedAt: 1, metrics: { val_loss: m(0.7) } }),
      run({ startedAt: 2, metrics: { val_loss: m(0.6) } }), run({ startedAt: 4, metrics: { val_loss: m(0.55) } }), run({ startedAt: 5 }),
      run({ startedAt: 6, metrics: { val_loss: m(NaN) } })];
    const t = experimentTrend(runs, 'val_loss');
    assert.equal(t.direction, 'lower');
    assert.deepEqual(t.points.map((p) => [p.value, p.bestSoFar]), [[0.7, 0.7], [0.6, 0.6], [0.5, 0.5], [0.55, 0.5]]);
  });

  it('sorts best first by direction, runs without the metric last', () => {
    const a = run({ startedAt: 1, metrics: { acc: m(0.5), loss: m(0.2) } });
    const b = run({ startedAt: 2, metrics: { acc: m(0.9), loss: m(0.4) } });
    const c = run({ startedAt: 3 });
    const d = run({ startedAt: 4, metrics: { acc: m(0.7) } });
    assert.deepEqual(sortRunsByMetric([a, b, c, d], 'acc').map((r) => r.id), [b.id, d.id, a.id, c.id]);
    assert.deepEqual(sortRunsByMetric([a, b, c, d], 'loss').map((r) => r.id), [a.id, b.id, d.id, c.id]);
    assert.deepEqual(metricKeysOf([a, b, c, d]), ['acc', 'loss']);
  });
});
