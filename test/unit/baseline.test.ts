import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASELINE_TAG, baselineOf, baselinesByExperiment, clearBaseline, setBaseline } from '../../src/core/explain/baseline';
import { Store } from '../../src/core/store/store';
import { EXPERIMENT_BASELINE_TAG } from '../../src/protocol/explainMessages';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const made: string[] = [];
after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

async function storeWithRuns(): Promise<{ dir: string; store: Store }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-baseline-'));
  made.push(root);
  const dir = path.join(root, '.exptrack');
  const store = await Store.open(dir, { logger: quiet });
  for (const [i, [id, experiment]] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b']].entries()) {
    store.sink.startRun({ id, experiment, name: id, command: 'python train.py', cwd: root, startedAt: 1000 + i, source: 'cli' });
    store.sink.endRun(id, { endedAt: 2000 + i, exitCode: 0, signal: null, status: 'finished' });
  }
  await store.flush();
  return { dir, store };
}

describe('baselines', () => {
  it('keeps one baseline per experiment and leaves other experiments alone', async () => {
    const { store } = await storeWithRuns();
    try {
      assert.equal(baselineOf(store, 'a'), undefined);
      assert.deepEqual(setBaseline(store, 'a1'), []);
      setBaseline(store, 'b1');
      assert.equal(baselineOf(store, 'a'), 'a1');
      assert.deepEqual(setBaseline(store, 'a2'), ['a1']);
      assert.equal(baselineOf(store, 'a'), 'a2');
      assert.equal(baselineOf(store, 'b'), 'b1');
      assert.deepEqual(store.getRun('a1')!.tags, {});
      assert.equal(store.getRun('a2')!.tags[BASELINE_TAG], '1');
      assert.deepEqual(clearBaseline(store, 'a'), ['a2']);
      assert.equal(baselineOf(store, 'a'), undefined);
      assert.equal(baselineOf(store, 'b'), 'b1');
      assert.throws(() => setBaseline(store, 'nope'), /no run nope/);
    } finally {
      await store.close();
    }
  });

  it('is journaled: another process opening the store sees the same baseline', async () => {
    const { dir, store } = await storeWithRuns();
    setBaseline(store, 'a3');
    const reader = await Store.open(dir, { logger: quiet, readOnly: true });
    try {
      assert.equal(baselineOf(reader, 'a'), 'a3');
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('names the tag as the webviews read it', () => {
    assert.equal(BASELINE_TAG, EXPERIMENT_BASELINE_TAG);
  });

  it('settles on the most recently started run when two carry the tag', () => {
    const run = (id: string, startedAt: number) => ({ id, experiment: 'e', startedAt }) as never;
    const tags = new Map([['x', { [BASELINE_TAG]: '1' }], ['y', { [BASELINE_TAG]: '1' }], ['z', { [BASELINE_TAG]: '0' }]]);
    assert.equal(baselinesByExperiment([run('x', 5), run('y', 9), run('z', 12)], tags).get('e'), 'y');
  });
});
