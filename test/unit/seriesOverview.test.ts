import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SeriesOverview } from '../../src/core/store/seriesOverview';
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
      const fresh = new SeriesOverview(500);
      for (const p of chunk(0, 80_100)) fresh.add(p.step, p.value, p.time);
      assert.deepEqual([...tail.steps], [...fresh.toSeries().steps]);
      assert.deepEqual([...tail.values], [...fresh.toSeries().values]);
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
});
