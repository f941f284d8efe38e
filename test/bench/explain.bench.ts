// Baselines and Explain benchmark. Prints (never asserts):
// - the Runs view's marks: each run row judged against its experiment's baseline on every redraw
//   (checkRegression over N runs x 10 metrics; target: a few tens of ms for 10,000 runs);
// - `explainRun` over a real store: an experiment of N sweep runs (lr varies), explained against its
//   baseline, sweep correlation included (runs on the extension host: target well under 100 ms).
// Usage: node out/test/bench/explain.bench.js [--runs=10000] [--sweep=500]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRegression } from '../../src/core/explain/regressionCheck';
import { explainRun } from '../../src/core/explain/explainRun';
import { defaultMetricsConfig } from '../../src/core/metrics/metricsConfig';
import type { RunSummary } from '../../src/core/model';
import { Store } from '../../src/core/store/store';

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const keys = ['loss', 'val_loss', 'val_acc', 'train/acc', 'lr', 'epoch', 'grad_norm', 'eval_f1', 'top1', 'tokens_per_sec'];

function summary(id: string, v: number): RunSummary {
  return {
    id, name: id, experiment: 'e', status: 'finished', exitCode: 0, command: '', cwd: '', startedAt: 0, endedAt: 1, durationMs: 1,
    metrics: Object.fromEntries(keys.map((k) => [k, { last: v, min: v - 0.1, max: v + 0.1, count: 10, lastStep: 9 }])),
  };
}

async function main(): Promise<void> {
  const n = arg('runs', 10_000);
  const base = summary('b', 0.5);
  const runs = Array.from({ length: n }, (_, i) => summary(`r${i}`, 0.4 + (i % 7) / 20));
  for (let round = 1; round <= 3; round++) {
    const t = performance.now();
    let worse = 0;
    for (const r of runs) worse += checkRegression(r, base, defaultMetricsConfig).regressions.length ? 1 : 0;
    console.log(`marks: ${n} runs x ${keys.length} metrics against a baseline: ${(performance.now() - t).toFixed(1)} ms (round ${round}, ${worse} worse)`);
  }

  const sweep = arg('sweep', 500);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-explain-bench-'));
  try {
    const store = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
    for (let i = 0; i < sweep; i++) {
      const id = `s${String(i).padStart(5, '0')}`;
      const lr = 1e-4 * (1 + (i % 50));
      store.sink.startRun({ id, experiment: 'sweep', name: id, command: `python train.py --lr ${lr}`, cwd: root, startedAt: 1000 + i, source: 'cli' });
      store.sink.params(id, { lr, batch: 32 });
      store.sink.artifact(id, { path: 'data/train.csv', role: 'input', kind: 'dataset', sha256: (i % 2 ? 'a' : 'b').repeat(64), size: 1000, mtime: 1 });
      store.sink.metrics(id, Array.from({ length: 200 }, (_, s) => ({ key: 'val_loss', step: s, value: 0.3 + lr * 100 + 1 / (1 + s), time: s })));
      store.sink.endRun(id, { endedAt: 2000 + i, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    for (let round = 1; round <= 3; round++) {
      const t = performance.now();
      const report = await explainRun(store, 's00499', 's00000');
      console.log(`explain: one run of a ${sweep}-run sweep against its baseline: ${(performance.now() - t).toFixed(1)} ms (round ${round}; ${report.items.length} items, first ${report.items[0]?.kind})`);
    }
    await store.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
