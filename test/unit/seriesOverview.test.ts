import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { overviewMinSavedPoints, overviewPoints } from '../../src/core/store/overviewCache';
import { SeriesOverview } from '../../src/core/store/seriesOverview';
import { loadSqlJs } from '../../src/core/sqlite';
import { Store } from '../../src/core/store/store';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('series overview (growing min/max buckets)', () => {
  it('stays within the point budget, keeps every bucket extreme, the exact last point and NaN gaps', () => {
    const ov = new SeriesOverview(200);
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const v = i === 31_337 ? 1e6 : i === 77_777 ? -1e6 : i === 50_000 ? NaN : Math.sin(i / 500);
      values.push(v);
      ov.add(i, v, 1000 + i);
    }
    const s = ov.toSeries();
    assert.ok(s.steps.length <= 200 && s.steps.length > 100, `${s.steps.length} points`);
    assert.ok([...s.steps].every((x, i) => i === 0 || x > s.steps[i - 1]), 'steps increase');
    assert.equal(s.steps[0], 0);
    assert.equal(s.steps[s.steps.length - 1], 99_999);
    assert.equal(s.values[s.values.length - 1], values[99_999]);
    assert.ok([...s.values].includes(1e6) && [...s.values].includes(-1e6), 'spikes survive');
    assert.ok([...s.values].some((v) => Number.isNaN(v)), 'the NaN gap shows');
    assert.equal(s.times[s.steps.indexOf(31_337)], 1000 + 31_337);
  });

  it('gives the store the same overview whether built at once or extended as a live run grows', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-ov-')), '.exptrack');
    const store = await Store.open(dir, { logger: quiet });
    try {
      store.sink.startRun({ id: 'live', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      const chunk = (from: number, n: number) => Array.from({ length: n }, (_, j) => ({ key: 'loss', step: from + j, value: Math.cos((from + j) / 97) * (1 + (from + j) / 1e4), time: from + j }));
      store.sink.metrics('live', chunk(0, 30_000));
      await store.flush();
      const early = store.series('live', 'loss', { maxPoints: 500 });
      assert.equal(early.steps[early.steps.length - 1], 29_999);
      store.sink.metrics('live', chunk(30_000, 50_000));
      await store.flush();
      let t = performance.now();
      const grown = store.series('live', 'loss', { maxPoints: 500 });
      const incrementalMs = performance.now() - t;
      store.sink.metrics('live', chunk(80_000, 100));
      await store.flush();
      t = performance.now();
      const tail = store.series('live', 'loss', { maxPoints: 500 });
      const tailMs = performance.now() - t;
      t = performance.now();
      store.series('live', 'loss', { maxPoints: 500 });
      const unchangedMs = performance.now() - t;
      console.log(`      unchanged read: ${unchangedMs.toFixed(2)} ms`);
      // The store keeps one overview at the panels' budget and derives smaller ones from it.
      const fresh = new SeriesOverview(overviewPoints);
      for (const p of chunk(0, 80_100)) fresh.add(p.step, p.value, p.time);
      assert.deepEqual([...tail.steps], [...fresh.toSeries(500).steps]);
      assert.deepEqual([...tail.values], [...fresh.toSeries(500).values]);
      assert.ok(grown.steps.length <= 500 && tail.steps[tail.steps.length - 1] === 80_099);
      console.log(`      live read of 100 new points on an 80k-point series: ${tailMs.toFixed(1)} ms (50k new: ${incrementalMs.toFixed(1)} ms)`);
      // A rewritten step (not an append) makes the overview rebuild from the table.
      store.sink.metrics('live', [{ key: 'loss', step: 10, value: 1e9, time: 10 }]);
      await store.flush();
      assert.ok([...store.series('live', 'loss', { maxPoints: 500 }).values].includes(1e9));
      // Ranges still read the table at full resolution.
      const range = store.series('live', 'loss', { maxPoints: 5000, fromStep: 100, toStep: 199 });
      assert.equal(range.steps.length, 100);
    } finally {
      await store.close();
    }
  });

  it('restores from a snapshot and grows on exactly as if never saved', () => {
    const value = (i: number): number => (i % 7919 === 0 ? NaN : Math.sin(i / 300) + (i === 12_345 ? 50 : 0));
    const whole = new SeriesOverview(300);
    const first = new SeriesOverview(300);
    for (let i = 0; i < 40_000; i++) { whole.add(i * 3, value(i), i); first.add(i * 3, value(i), i); }
    const restored = SeriesOverview.restore(300, first.snapshot())!;
    assert.ok(restored, 'a snapshot restores');
    assert.equal(restored.count, 40_000);
    assert.equal(restored.lastStep, 39_999 * 3);
    assert.deepEqual([...restored.toSeries().values], [...whole.toSeries().values], 'as saved, before growing');
    for (let i = 40_000; i < 90_000; i++) { whole.add(i * 3, value(i), i); restored.add(i * 3, value(i), i); }
    for (const col of ['steps', 'values', 'times'] as const) assert.deepEqual([...restored.points()[col]], [...whole.points()[col]], col);
    assert.equal(SeriesOverview.restore(300, new Float64Array([7, 0, 1, 0, 0])), undefined, 'another format is refused');
    assert.equal(SeriesOverview.restore(100, whole.snapshot()), undefined, 'a snapshot for a bigger budget is refused');
  });

  it('saves overviews of long series with the file, charts a reopened store from them, and drops them when steps go back', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-ov-')), '.exptrack');
    const n = Math.ceil((overviewMinSavedPoints + 1) / 1000) * 1000;
    const pts = (from: number, count: number, key = 'loss') => Array.from({ length: count }, (_, j) => ({ key, step: from + j, value: Math.cos((from + j) / 97) + ((from + j) === 4321 ? 9 : 0), time: 1000 + from + j }));
    let store = await Store.open(dir, { logger: quiet });
    store.sink.startRun({ id: 'r', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
    for (let s = 0; s < n; s += 1000) store.sink.metrics('r', [...pts(s, 1000), ...pts(s, 1000, 'acc')]);
    store.sink.metrics('r', pts(0, overviewMinSavedPoints - 1, 'short'));
    await store.flush();
    const before = store.series('r', 'loss', { maxPoints: 2000 });
    await store.close();

    const SQL = await loadSqlJs();
    const rows = (): { key: string; count: number }[] => {
      const db = new SQL.Database(fs.readFileSync(path.join(dir, 'exptrack.db')));
      try {
        return (db.exec('SELECT k.name, o.count FROM metric_overviews o JOIN metric_keys k ON k.id = o.key ORDER BY k.name')[0]?.values ?? [])
          .map(([key, count]) => ({ key: String(key), count: Number(count) }));
      } finally { db.close(); }
    };
    // Saved by the writer that folded the points, without any chart having asked.
    assert.deepEqual(rows(), [{ key: 'acc', count: n }, { key: 'loss', count: n }], 'long series saved, the short one not');

    store = await Store.open(dir, { logger: quiet });
    try {
      const cold = store.series('r', 'loss', { maxPoints: 2000 });
      assert.deepEqual([...cold.steps], [...before.steps]);
      assert.deepEqual([...cold.values], [...before.values]);
      assert.ok([...cold.values].includes(Math.cos(4321 / 97) + 9), 'the spike is in the saved overview');
      // Step 10 logged again (a resumed run): the saved overview no longer describes the series.
      store.sink.metrics('r', [{ key: 'loss', step: 10, value: -77, time: 5 }]);
      await store.flush();
      assert.ok([...store.series('r', 'loss', { maxPoints: 2000 }).values].includes(-77), 'rebuilt from the table');
    } finally {
      await store.close();
    }
    assert.deepEqual(rows().map((r) => r.key), ['acc', 'loss'], 'the rebuilt overview is saved again');
    store = await Store.open(dir, { logger: quiet });
    try {
      assert.ok([...store.series('r', 'loss', { maxPoints: 2000 }).values].includes(-77));
      store.deleteRun('r');
      await store.flush();
    } finally {
      await store.close();
    }
    assert.deepEqual(rows(), [], 'a deleted run takes its overviews with it');
  });
});
