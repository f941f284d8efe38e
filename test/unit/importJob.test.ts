// The import job both `exptrack import` and the editor's "Import Runs…" run: stopped between runs, it
// keeps the runs it wrote whole and writes nothing of the rest; importing again completes it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runImportJob } from '../../src/core/import/importJob';
import { Store } from '../../src/core/store/store';

const root = path.resolve(__dirname, '..', '..', '..');
const mlflowDb = path.resolve(root, '..', 'shared', 'fixtures', 'import', 'mlflow-db', 'mlflow.db');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('import job', function () {
  this.timeout(120_000);

  it('stops between runs when asked: the runs written are whole, the others absent; importing again adds the rest', async () => {
    const storeDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-job-')), '.exptrack');
    const full = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-job-')), '.exptrack');
    const all = await runImportJob({ root: mlflowDb, storeDir: full, logger: quiet });
    assert.ok(all.runs.length >= 5, `${all.runs.length} runs in the fixture`);

    const seen: string[] = [];
    const stopped = await runImportJob({ root: mlflowDb, storeDir, logger: quiet, shouldStop: () => seen.length >= 2, onRun: (r) => seen.push(r.id) });
    assert.equal(stopped.cancelled, true);
    assert.deepEqual(stopped.runs.map((r) => r.id), seen);
    assert.equal(seen.length, 2);

    const [partial, complete] = [await Store.open(storeDir, { readOnly: true, logger: quiet }), await Store.open(full, { readOnly: true, logger: quiet })];
    try {
      assert.deepEqual(partial.listRuns().map((r) => r.id).sort(), [...seen].sort(), 'only the runs written before the stop');
      for (const id of seen) {
        const [a, b] = [partial.getRun(id)!, complete.getRun(id)!];
        assert.deepEqual([a.status, a.params, a.metrics, a.endedAt], [b.status, b.params, b.metrics, b.endedAt], `${b.name} is whole`);
      }
    } finally {
      await partial.close();
      await complete.close();
    }

    const rest = await runImportJob({ root: mlflowDb, storeDir, logger: quiet });
    assert.equal(rest.cancelled, false);
    assert.deepEqual(rest.runs.map((r) => r.outcome).sort(), all.runs.map((r) => (seen.includes(r.id) ? 'unchanged' : 'new')).sort());
  });
});
