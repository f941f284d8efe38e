// Script CodeLens benchmark: the cost of the index the lens and hover read (built once per store
// change: listRuns plus the command analysis of each run, then with the commands remembered) and of
// one lens query (a lookup plus the lens text), over a real store of 10,000 runs of 50 scripts.
// Target: a lens query in a few ms. Usage: node out/test/bench/scriptLens.bench.js [--runs=10000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScriptRunIndex } from '../../src/core/editor/scriptRuns';
import { scriptLensSummary } from '../../src/core/editor/scriptLens';
import { baselinesByExperiment } from '../../src/core/explain/baseline';
import { Store } from '../../src/core/store/store';

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const runs = arg('runs', 10_000);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lens-bench-'));
  try {
    const store = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
    const t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < runs; i++) {
      const id = `r${String(i).padStart(6, '0')}`;
      const script = `scripts/train_${i % 50}.py`;
      store.sink.startRun({ id, experiment: `train_${i % 50}`, name: `run-${i}`, command: `CUDA_VISIBLE_DEVICES=0 python ${script} --lr ${(i % 7) / 100} --epochs 3`, cwd: root, startedAt: t + i * 1000, source: 'cli' });
      store.sink.metrics(id, [{ key: 'val_acc', value: 0.5 + (i % 100) / 1000, step: 1, time: t + i * 1000 }, { key: 'loss', value: 1 / (1 + i), step: 1, time: t + i * 1000 }]);
      store.sink.endRun(id, { endedAt: t + i * 1000 + 500, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    const memo = new Map<string, readonly string[]>();
    const time = (f: () => void): number => { const t0 = performance.now(); f(); return performance.now() - t0; };
    let list: ReturnType<Store['listRuns']> = [];
    const listMs = time(() => { list = store.listRuns(); });
    const coldMs = time(() => ScriptRunIndex.build(list, memo));
    let index = ScriptRunIndex.build(list, memo);
    const warmMs = time(() => { index = ScriptRunIndex.build(list, memo); });
    const baselineMs = time(() => baselinesByExperiment(list, store.tagsByRun()));
    const file = path.join(root, 'scripts', 'train_7.py');
    const queries = 1000;
    const queryMs = time(() => {
      for (let i = 0; i < queries; i++) scriptLensSummary(index.runsOf(file), undefined, { format: String });
    }) / queries;
    const missMs = time(() => { for (let i = 0; i < queries; i++) index.runsOf(path.join(root, 'other.py')); }) / queries;
    console.log(`${runs} runs of 50 scripts:`);
    console.log(`  listRuns                      ${listMs.toFixed(1)} ms`);
    console.log(`  index, first build            ${coldMs.toFixed(1)} ms (command analysis of every run)`);
    console.log(`  index, rebuild (store change) ${warmMs.toFixed(1)} ms (commands remembered)`);
    console.log(`  baselines                     ${baselineMs.toFixed(1)} ms`);
    console.log(`  lens query (${index.runsOf(file).length} runs)        ${queryMs.toFixed(3)} ms`);
    console.log(`  file without runs             ${missMs.toFixed(4)} ms`);
    await store.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
