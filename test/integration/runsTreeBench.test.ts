// Benchmark, run by `npm run bench` only (EXPTRACK_BENCH=1): the Runs tree's children for 10,000 runs
// in the real extension host, printed beside a bare SQL select of the same rows.
import * as vscode from 'vscode';
import { storeSqlReader } from '../../src/core/lineage/storeSqlReader';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';

const RUNS = 10_000;
const bench = process.env.EXPTRACK_BENCH === '1' ? describe : describe.skip;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

bench('bench: Runs tree with 10,000 runs', function () {
  this.timeout(600_000);

  it('prints the time to produce every run item', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const { store } = await ext.stores.get(folder);
    // Other benches of the same window may have recorded runs into this workspace before.
    const before = store.listRuns().length;
    const t0 = Date.now();
    for (let i = 0; i < RUNS; i++) {
      const id = `bench-${String(i).padStart(6, '0')}`;
      store.sink.startRun({ id, experiment: `exp-${i % 20}`, name: `run-${i}`, command: `python3 train.py --lr ${i}`, cwd: folder.uri.fsPath, startedAt: 1_700_000_000_000 + i * 1000, source: 'cli' });
      store.sink.params(id, { lr: i / 1000, batch: 32 });
      store.sink.metrics(id, [{ key: 'val_acc', value: (i % 100) / 100, step: 1, time: 1_700_000_000_000 + i * 1000 },
        { key: 'loss', value: 1 / (i + 1), step: 1, time: 1_700_000_000_000 + i * 1000 }]);
      store.sink.endRun(id, { endedAt: 1_700_000_000_500 + i * 1000, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    console.log(`    setup: ${RUNS} runs recorded and folded in ${Date.now() - t0} ms`);

    const tree = ext.runsTree;
    const items = async (): Promise<number> => {
      let n = 0;
      const groups = await tree.getChildren();
      for (const g of groups) {
        tree.getTreeItem(g);
        for (const r of await tree.getChildren(g as RunsNode)) { tree.getTreeItem(r); n++; }
      }
      return n;
    };
    const sql = storeSqlReader(store);
    const bare = () => sql.all(`SELECT r.id, r.name, r.status, r.command, r.started_at, r.ended_at, e.name AS experiment,
      s.key, s.last, s.min, s.max, s.count, s.last_step FROM runs r JOIN experiments e ON e.id = r.experiment_id
      LEFT JOIN metric_summary s ON s.run = r.rid ORDER BY r.started_at DESC`).length;
    const listTimes: number[] = [];
    for (let i = 0; i < 5; i++) { const t = performance.now(); store.listRuns(); listTimes.push(performance.now() - t); }
    console.log(`    store.listRuns() alone: ${median(listTimes).toFixed(1)} ms`);
    const treeTimes: number[] = [];
    const sqlTimes: number[] = [];
    let count = 0;
    for (let i = 0; i < 7; i++) {
      let t = performance.now(); count = await items(); treeTimes.push(performance.now() - t);
      t = performance.now(); bare(); sqlTimes.push(performance.now() - t);
    }
    console.log(`    BENCH runs-tree: ${count} run items (grouped by experiment) in ${median(treeTimes).toFixed(1)} ms median of 7 ` +
      `(target <= 100 ms); bare SQL select of the same rows ${median(sqlTimes).toFixed(1)} ms`);
    if (count !== before + RUNS) throw new Error(`expected ${before + RUNS} runs in the tree, got ${count}`);
  });
});
