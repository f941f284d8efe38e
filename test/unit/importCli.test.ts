// `exptrack import` end to end through the built CLI: the real-writer fixtures into a fresh store, the
// runs as `ls` and `show` see them, a second import that adds nothing, an import of a source that grew,
// and --dry-run / --json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importedRunId } from '../../src/core/import/importedRunId';
import type { RunDetail, RunSummary } from '../../src/core/model';
import { Store } from '../../src/core/store/store';

const root = path.resolve(__dirname, '..', '..', '..');
const shared = path.resolve(root, '..', 'shared', 'fixtures', 'import');
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-bin-'));
const cli = path.join(binDir, 'cli.js');

function exptrack(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, EXPTRACK_DIR: '' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-ws-'));
}

function ls(cwd: string): RunSummary[] {
  const r = exptrack(['ls', '--json', '--limit', '1000'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunSummary[];
}

function show(cwd: string, id: string): RunDetail {
  const r = exptrack(['show', id, '--json'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunDetail;
}

interface ImportJson { runs: { id: string; outcome: string; points: number; newPoints: number; source: string }[]; skipped: { path: string; reason: string }[]; pointsWritten: number }

/** The run's note, from the store itself (show --json does not print notes). */
async function noteOf(cwd: string, id: string): Promise<string | null | undefined> {
  const store = await Store.open(path.join(cwd, '.exptrack'), { readOnly: true, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  try { return store.getRun(id)?.note; } finally { await store.close(); }
}

function importJson(cwd: string, ...args: string[]): ImportJson {
  const r = exptrack(['import', ...args, '--json'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ImportJson;
}

describe('exptrack import (CLI)', function () {
  this.timeout(300_000);

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
    assert.equal(b.status, 0, 'build the CLI');
  });

  it('imports every source under a folder as runs like any other, once: a second import adds nothing', () => {
    const ws = workspace();
    const first = importJson(ws, shared);
    assert.equal(first.runs.length, 37);
    assert.ok(first.runs.every((r) => r.outcome === 'new'));
    const total = first.runs.reduce((n, r) => n + r.points, 0);
    assert.equal(first.pointsWritten, total);
    const runs = ls(ws);
    assert.equal(runs.length, 37);

    // A run as the source recorded it: MLflow YOLOv8 sgdtest3.
    const id = importedRunId('mlflow', '2131d384168c44b4ad18ca0899fcd51d');
    const run = show(ws, id);
    assert.equal(run.name, 'sgdtest3');
    assert.equal(run.experiment, '/Shared/YOLOv8');
    assert.equal(run.status, 'finished');
    assert.equal(run.startedAt, 1707674428179);
    assert.equal(run.endedAt, 1707674743982);
    assert.equal(run.tags['import.source'], 'mlflow');
    assert.equal(run.tags['import.id'], '2131d384168c44b4ad18ca0899fcd51d');
    assert.equal(run.params.batch, 16);
    assert.equal(run.git?.commit, run.tags['mlflow.source.git.commit']);
    // Step 4 logged twice: the store keeps one point per step, the last one logged.
    assert.equal(run.metrics['metrics/mAP50B'].count, 5);
    assert.equal(run.metrics['metrics/mAP50B'].last, 0.5855075736766523);
    assert.equal(run.metrics['train/box_loss'].last, 1.64043);

    const sql = show(ws, importedRunId('mlflow', '821d9118ed7c4637bb3a0e020cc59e0d'));
    assert.equal(sql.metrics['validation-rmse'].count, 83);
    assert.equal(sql.metrics['validation-rmse'].lastStep, 82);
    const running = ls(ws).filter((r) => r.status === 'interrupted');
    assert.ok(running.some((r) => r.name === 'sneaky-mouse-871' || r.id === importedRunId('mlflow', '42cfa39879d0494c9eb514fccf900ee3')));

    const tb = show(ws, importedRunId('tensorboard', path.join(shared, 'tensorboard', 'pytorch-lightning', 'version_0')));
    assert.equal(tb.tags['import.source'], 'tensorboard');
    assert.equal(tb.metrics.train_accuracy_step.count, 112);
    assert.equal(tb.metrics.test_accuracy.last, 0.6208000183105469);

    const wb = show(ws, importedRunId('wandb', '1xeytjab'));
    assert.equal(wb.experiment, 'VQVAE-Training');
    assert.equal(wb.params.batch_size, 64);
    assert.equal(wb.git?.commit, 'be9946656728feeda8fceba92c74ff4d79e7df5c');

    const counts = new Map(runs.map((r) => [r.id, Object.values(r.metrics).reduce((n, m) => n + m.count, 0)]));
    const again = importJson(ws, shared);
    assert.equal(again.runs.length, 37);
    assert.ok(again.runs.every((r) => r.outcome === 'unchanged'), JSON.stringify(again.runs.filter((r) => r.outcome !== 'unchanged')));
    assert.equal(again.pointsWritten, 0);
    const after = ls(ws);
    assert.equal(after.length, 37);
    for (const r of after) assert.equal(Object.values(r.metrics).reduce((n, m) => n + m.count, 0), counts.get(r.id), r.name);
  });

  it('adds only the new points of a source that grew, and keeps a note the user changed', async () => {
    const ws = workspace();
    const src = path.join(ws, 'src');
    fs.cpSync(path.join(shared, 'mlflow-mlruns', 'v2-ultralytics-yolov8'), src, { recursive: true });
    const runDir = path.join(src, 'mlruns', '596793538227028894', '2131d384168c44b4ad18ca0899fcd51d');
    fs.writeFileSync(path.join(runDir, 'tags', 'mlflow.note.content'), 'from mlflow');
    importJson(ws, src);
    const id = importedRunId('mlflow', '2131d384168c44b4ad18ca0899fcd51d');
    assert.equal(await noteOf(ws, id), 'from mlflow');
    fs.appendFileSync(path.join(runDir, 'metrics', 'train', 'box_loss'), '1707674800000 1.5 5\n1707674800001 nan 6\n');
    fs.writeFileSync(path.join(runDir, 'tags', 'mlflow.note.content'), 'changed in mlflow');
    const second = importJson(ws, src);
    const mine = second.runs.find((r) => r.id === id)!;
    assert.equal(mine.outcome, 'updated');
    assert.equal(mine.newPoints, 2);
    assert.equal(second.pointsWritten, 2);
    const run = show(ws, id);
    assert.equal(run.metrics['train/box_loss'].count, 7);
    assert.equal(run.metrics['train/box_loss'].lastStep, 6);
    assert.ok(Number.isNaN(run.metrics['train/box_loss'].last) || run.metrics['train/box_loss'].last === null);
    assert.equal(await noteOf(ws, id), 'from mlflow', 'a note already in the store is not overwritten');
  });

  it('--dry-run prints runs, points and what is skipped, and writes nothing', () => {
    const ws = workspace();
    const r = exptrack(['import', path.join(shared, 'mlflow-mlruns', 'v2-keras-manual'), '--dry-run'], ws);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^new +\w{16} +mlflow +Fashion_MNIST_Experiment \/ \S+ +4 points$/m);
    assert.match(r.stdout, /run 3a9af4bdab714eb69a4ed7582c387268 is deleted in MLflow/);
    assert.match(r.stdout, /would import 7 run\(s\) \(7 new, 0 updated, 0 unchanged\), 28 point\(s\); 2 item\(s\) skipped; nothing was written/);
    assert.ok(!fs.existsSync(path.join(ws, '.exptrack')), 'no store created');
    const j = importJson(ws, path.join(shared, 'dvclive'), '--dry-run', '--experiment', 'mine');
    assert.equal(j.runs.length, 1);
    assert.equal(j.runs[0].points, 40);
    assert.ok(!fs.existsSync(path.join(ws, '.exptrack')));
  });

  it('round trip: runs exported as an MLflow folder store and imported again are the same runs', async () => {
    const a = workspace();
    for (const src of [path.join(shared, 'mlflow-mlruns', 'v2-ultralytics-yolov8'), path.join(shared, 'mlflow-db', 'mlflow.db'), path.join(shared, 'tensorboard'), path.join(shared, 'wandb'), path.join(shared, 'dvclive'), path.join(root, 'test', 'fixtures', 'import', 'tensorboard', 'torch-edge')]) {
      importJson(a, src);
    }
    const out = path.join(a, 'exported');
    const e = exptrack(['export', '--format', 'mlflow', out], a);
    assert.equal(e.code, 0, e.stderr);
    // MLflow accepts letters, digits, _ - . space and / in names (Python's \\w): ✓ is none of them.
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
    assert.match(e.stderr, /metric "métrique ✓" has a name MLflow does not accept; not exported/);
    assert.ok(fs.existsSync(path.join(out, '0', 'meta.yaml')), 'the Default experiment, as MLflow writes it');
    const b = workspace();
    const back = importJson(b, out);
    assert.deepEqual(back.skipped, []);
    const open = (ws: string): Promise<Store> => Store.open(path.join(ws, '.exptrack'), { readOnly: true, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const [sa, sb] = [await open(a), await open(b)];
    try {
      const runsA = sa.listRuns({ limit: 1000 });
      assert.equal(runsA.length, 28);
      assert.equal(sb.listRuns({ limit: 1000 }).length, runsA.length);
      const strip = (t: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('import.') || k === 'import.user'));
      for (const ra of runsA) {
        const da = sa.getRun(ra.id)!;
        const db = sb.getRun(importedRunId('mlflow', ra.id));
        assert.ok(db, `${ra.name} came back`);
        const what = `${da.experiment} / ${da.name}`;
        for (const k of ['name', 'experiment', 'status', 'startedAt', 'endedAt', 'command', 'note'] as const) assert.deepEqual(db[k], da[k], `${what}: ${k}`);
        assert.deepEqual(db.params, da.params, `${what}: params`);
        assert.equal(db.git?.commit ?? null, da.git?.commit ?? null, `${what}: git`);
        const tb = strip(db.tags);
        for (const [k, v] of Object.entries(strip(da.tags))) assert.equal(tb[k], v, `${what}: tag ${k}`);
        const keys = Object.keys(da.metrics).filter((k) => k !== 'métrique ✓');
        assert.deepEqual(Object.keys(db.metrics).sort(), keys.sort(), `${what}: metric keys`);
        for (const key of keys) {
          const x = sa.series(da.id, key);
          const y = sb.series(db.id, key);
          assert.deepEqual(Array.from(y.steps), Array.from(x.steps), `${what}: ${key} steps`);
          assert.deepEqual(Array.from(y.values), Array.from(x.values), `${what}: ${key} values`);
          assert.deepEqual(Array.from(y.times), Array.from(x.times), `${what}: ${key} times`);
        }
      }
    } finally {
      await sa.close();
      await sb.close();
    }
    const again = exptrack(['export', '--format', 'mlflow', out], a);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
  });

  it('says why when PATH holds nothing to import, and checks its arguments', () => {
    const ws = workspace();
    fs.writeFileSync(path.join(ws, 'notes.txt'), 'x');
    const r = exptrack(['import', ws], ws);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /found no runs in/);
    assert.equal(exptrack(['import'], ws).code, 2);
    assert.equal(exptrack(['import', ws, '--bogus'], ws).code, 2);
    assert.match(exptrack(['import', '--help'], ws).stdout, /usage: exptrack import PATH/);
  });
});
