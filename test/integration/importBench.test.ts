// Benchmark, run by `npm run bench` only (EXPTRACK_BENCH=1): "Import Runs…" of 1M points (a CSV of
// 100,000 steps x 10 metrics) in the real extension host, with the longest stalls of the host's event
// loop while it runs, beside the same window idle. The import itself runs in a worker thread; what the
// host does meanwhile is fold the worker's journal into its own store, as for any CLI run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';

const bench = process.env.EXPTRACK_BENCH === '1' ? describe : describe.skip;
const TICK_MS = 20;

/** Event-loop stalls (ms past the tick) while `work` runs. */
async function stalls(work: () => Promise<unknown>): Promise<number[]> {
  const lags: number[] = [];
  let last = performance.now();
  const ticker = setInterval(() => { const now = performance.now(); lags.push(now - last - TICK_MS); last = now; }, TICK_MS);
  try { await work(); } finally { clearInterval(ticker); }
  return lags.sort((a, b) => b - a);
}

const worst = (lags: number[]): string => `worst ${lags.slice(0, 5).map((x) => x.toFixed(0)).join(', ')} ms, ${lags.filter((x) => x > 200).length} over 200 ms`;

bench('bench: Import Runs… of 1M points in the editor', function () {
  this.timeout(600_000);

  it('prints the import time and the extension host\'s longest stalls', async () => {
    await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-import-')), 'big.csv');
    const lines = [`step,${Array.from({ length: 10 }, (_, i) => `m${i}`).join(',')}`];
    for (let s = 0; s < 100_000; s++) lines.push(`${s},${Array.from({ length: 10 }, (_, i) => Math.sin(s + i).toFixed(5)).join(',')}`);
    fs.writeFileSync(file, lines.join('\n'));
    const idle = await stalls(() => new Promise((r) => setTimeout(r, 10_000)));
    let seconds = 0;
    const during = await stalls(async () => {
      const t0 = performance.now();
      await vscode.commands.executeCommand('exptrack.importRuns', { path: file, experiment: 'bench-import' });
      seconds = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 5_000)); // the window's store settling after the import
    });
    console.log(`    BENCH import-in-editor: 1,000,000 points in ${seconds.toFixed(1)} s; extension host event loop: idle ${worst(idle)}; during the import ${worst(during)}`);
  });
});
