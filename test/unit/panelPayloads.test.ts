// The panels' payloads and headline metric (src/core/display), in plain Node over fixture runs and a
// real store: what the Compare, Run and Lineage panels are sent, without a browser.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { headlineKeyOf, headlineMetric } from '../../src/core/metrics/headlineMetric';
import { entryScript, lineageGraphMessage, queryLineage } from '../../src/core/display/lineagePayload';
import { PanelPayloads, runSignature, type DirectionRule } from '../../src/core/display/panelPayloads';
import { LineageQueries } from '../../src/core/lineage/lineageQueries';
import { storeSqlReader } from '../../src/core/lineage/storeSqlReader';
import type { MetricSummary } from '../../src/core/model';
import { Store } from '../../src/core/store/store';
import { defaultLineageQuery } from '../../src/protocol/lineageMessages';
import { FixtureDataSource, loadSnapshot } from '../webview/harness/fixtureDataSource';

const summary = (last: number): MetricSummary => ({ last, min: last, max: last, count: 1, lastStep: 0 });
/** A rule that knows only `loss` (lower) and `acc` (higher), so the tests do not depend on the key-word list. */
const rule: DirectionRule = (key, overrides) => overrides[key] ?? (key.endsWith('loss') ? 'lower' : key.endsWith('accuracy') ? 'higher' : undefined);

describe('panel payloads and headline metric (core)', () => {
  it('summarises a run by validation accuracy, then loss, then its first key', () => {
    assert.equal(headlineMetric({ loss: summary(1), val_acc: summary(0.9), lr: summary(1e-3) })?.[0], 'val_acc');
    assert.equal(headlineMetric({ train_loss: summary(1), 'val/loss': summary(2) })?.[0], 'val/loss');
    assert.equal(headlineMetric({ zeta: summary(1), alpha: summary(2) })?.[0], 'alpha');
    assert.equal(headlineMetric({}), undefined);
    // Several runs: over the keys any of them has.
    assert.equal(headlineKeyOf([{ metrics: { loss: summary(1) } }, { metrics: { eval_accuracy: summary(0.8) } }]), 'eval_accuracy');
    assert.equal(headlineKeyOf([]), null);
  });

  it('sends a run with its best steps by direction, overrides winning, and nothing guessed', () => {
    const runs = loadSnapshot('compareRuns.json');
    const data = new FixtureDataSource(runs);
    const run = data.getRun(runs[0].id)!;
    const payloads = new PanelPayloads(data, rule, () => ({ 'val/accuracy': 'lower' }));
    const directions = payloads.directionsFor([run]);
    assert.deepEqual(directions, { loss: 'lower', 'val/loss': 'lower', 'val/accuracy': 'lower' }, 'lr has no direction');
    const series = payloads.overviewSeries(run);
    const d = payloads.runData(run, series, directions);
    const loss = runs[0].series!.loss;
    const minAt = loss.reduce((best, p) => ((p[1] ?? Infinity) < (best[1] ?? Infinity) ? p : best))[0];
    assert.equal(d.metrics.loss.bestStep, minAt, 'the step of the lowest loss');
    assert.equal(d.metrics.lr.bestStep, null, 'no direction, no best step');
    assert.equal(d.metrics.loss.count, 400);
    assert.notEqual(d.params, run.params, 'a copy, not the store\'s object');
  });

  it('sends the Run panel the environment as the Runs view shows it and the output as a terminal shows it', () => {
    const runs = loadSnapshot('compareRuns.json');
    const data = new FixtureDataSource(runs);
    const run = data.getRun(runs[0].id)!;
    const payloads = new PanelPayloads(data, rule);
    const detail = payloads.runDetailData(run, payloads.overviewSeries(run), payloads.directionsFor([run]));
    assert.equal(detail.environment.python, '3.11.9');
    assert.equal(detail.environment['os.platform'], 'linux');
    assert.equal(detail.environment.packages, 'torch==2.4.1, numpy==2.1.0', 'a short list on one line');
    assert.ok(!detail.outputTail!.includes('\x1b'), 'escapes dropped');
    assert.ok(!detail.outputTail!.includes(' 50%'), 'a redraw replaces the line');
    assert.match(detail.outputTail!, /100%\|##########\| 2\/2/);
  });

  it('changes a run\'s signature when its data moves, not otherwise', () => {
    const [r] = loadSnapshot('compareRuns.json');
    assert.equal(runSignature(JSON.parse(JSON.stringify(r))), runSignature(r));
    const moved = { ...r, metrics: { ...r.metrics, loss: { ...r.metrics.loss, count: 401, lastStep: 400 } } };
    assert.notEqual(runSignature(moved), runSignature(r));
  });

  it('builds the Lineage graph message from a real store: scripts, versions and the duplicate hint', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-payload-'));
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const s = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
    try {
      const sha = (x: string) => createHash('sha256').update(x).digest('hex');
      const t0 = Date.UTC(2026, 10, 1);
      for (const [i, [id, data]] of [['train1', 'v1'], ['train2', 'v2'], ['train3', 'v2']].entries()) {
        s.sink.startRun({ id, experiment: 'train', name: id, command: 'python train.py --lr 0.1', cwd: root, startedAt: t0 + i * 1000, source: 'cli' });
        s.sink.git(id, { commit: null, branch: null, remote: null, dirty: false, snapshot: null });
        s.sink.codeFiles(id, { 'train.py': 'print("train")\n' });
        s.sink.artifact(id, { path: 'data/train.csv', role: 'input', kind: 'dataset', sha256: sha(data), size: 2, mtime: t0 });
        s.sink.endRun(id, { endedAt: t0 + i * 1000 + 500, exitCode: 0, signal: null, status: 'finished' });
      }
      await s.flush();
      const q = new LineageQueries(storeSqlReader(s));
      const target = { type: 'path', path: 'data/train.csv' } as const;
      const g = queryLineage(q, target, defaultLineageQuery)!;
      const m = lineageGraphMessage(g, q, target, defaultLineageQuery);
      assert.equal(m.title, 'data/train.csv (2 versions)');
      const runs = m.nodes.filter((n) => n.type === 'run');
      assert.deepEqual(runs.map((n) => n.id).sort(), ['train1', 'train2', 'train3']);
      assert.ok(runs.every((n) => n.type === 'run' && n.script === 'train.py'));
      const train3 = runs.find((n) => n.id === 'train3');
      assert.equal(train3?.type === 'run' ? train3.duplicateOf?.id : undefined, 'train2', 'same command, same data version');
      assert.equal(queryLineage(q, { type: 'run', runId: 'nope' }, defaultLineageQuery), undefined);
      assert.equal(entryScript('accelerate launch train.py'), 'train.py');
      assert.equal(entryScript('ls -la'), null);
    } finally {
      await s.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
