// The import readers against files the real writers wrote: ../shared/fixtures/import (MLflow, TensorBoard,
// DVCLive and W&B outputs from public repositories; facts from its README) and test/fixtures/import
// (written by scripts/generateImportFixtures.py with torch's SummaryWriter, tensorboardX and polars;
// facts in the expected.json files it wrote from what it handed the writers).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ImportedRun, ImportSkip } from '../../src/core/import/importedRun';
import { findSources, ImportPathError, readSource } from '../../src/core/import/importSources';
import type { MetricSeries } from '../../src/core/import/metricSeries';
import { crc32c, maskCrc } from '../../src/core/import/checksums';
import { readTfRecords } from '../../src/core/import/tfRecordReader';

const root = path.resolve(__dirname, '..', '..', '..');
const shared = path.resolve(root, '..', 'shared', 'fixtures', 'import');
const ours = path.join(root, 'test', 'fixtures', 'import');

async function importAll(p: string, experiment?: string): Promise<{ runs: ImportedRun[]; skipped: ImportSkip[] }> {
  const runs: ImportedRun[] = [];
  const skipped: ImportSkip[] = [];
  for (const location of findSources(p)) for await (const run of readSource(p, location, { experiment, skip: (s) => skipped.push(s) })) runs.push(run);
  return { runs, skipped };
}

function byId(runs: ImportedRun[], id: string): ImportedRun {
  const r = runs.find((x) => x.sourceId === id || x.sourceId.endsWith(id));
  assert.ok(r, `run ${id} among ${runs.map((x) => x.sourceId).join(', ')}`);
  return r;
}

function series(run: ImportedRun, key: string): MetricSeries {
  const s = run.metrics.get(key);
  assert.ok(s, `metric ${key} among ${[...run.metrics.keys()].join(', ')}`);
  return s;
}

const steps = (s: MetricSeries): number[] => Array.from(s.steps.subarray(0, s.length));
const values = (s: MetricSeries): number[] => Array.from(s.values.subarray(0, s.length));
/** expected.json spells non-finite numbers as strings. */
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-'));
}

describe('import readers: MLflow folder store', () => {
  it('reads MLflow 1.x keras autolog: experiment name, times, user, params, loss series; skips the stray mlruns/mlruns', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'mlflow-mlruns', 'v1-keras-autolog'));
    assert.equal(runs.length, 1);
    const run = byId(runs, 'ed05f9cd599442fe9a0c9222184710b8');
    assert.equal(run.source, 'mlflow');
    assert.equal(run.experiment, 'Speech model simple rnn');
    assert.equal(run.name, 'ed05f9cd599442fe9a0c9222184710b8'); // 1.x: name '' and no mlflow.runName
    assert.equal(run.status, 'finished');
    assert.equal(run.startedAt, 1628697775478);
    assert.equal(run.endedAt, 1628697851678);
    assert.equal(run.user, 'Maelaf ES');
    assert.equal(Object.keys(run.params).length, 20);
    assert.equal(run.params.epochs, 10);
    assert.equal(run.params.opt_learning_rate, 0.002);
    assert.equal(run.params.batch_size, null);
    assert.equal(Object.keys(run.tags).length, 5);
    assert.ok('mlflow.log-model.history' in run.tags);
    const loss = series(run, 'loss');
    assert.deepEqual(steps(loss), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(loss.values[0], 332.6841735839844);
    assert.equal(loss.times[0], 1628697792090);
    assert.equal(loss.values[9], 234.7978057861328);
    assert.equal(loss.times[9], 1628697827236);
    assert.ok(skipped.some((s) => s.path.endsWith(path.join('mlruns', 'mlruns')) && /not an MLflow experiment/.test(s.reason)), JSON.stringify(skipped));
  });

  it('reads metric names with / from nested folders and keeps a step logged twice (YOLOv8, MLflow 2.x)', async () => {
    const { runs } = await importAll(path.join(shared, 'mlflow-mlruns', 'v2-ultralytics-yolov8'));
    assert.deepEqual(runs.map((r) => r.name).sort(), ['adamaxtest', 'adamtest', 'sgdtest3', 'testrun1']);
    const run = byId(runs, '2131d384168c44b4ad18ca0899fcd51d');
    assert.equal(run.experiment, '/Shared/YOLOv8');
    assert.equal(run.name, 'sgdtest3');
    const map = series(run, 'metrics/mAP50B');
    assert.deepEqual(steps(map), [0, 1, 2, 3, 4, 4]);
    assert.equal(map.values[4], 0.58495);
    assert.equal(map.times[4], 1707674731069);
    assert.equal(map.values[5], 0.5855075736766523);
    assert.equal(map.times[5], 1707674743444);
    const box = series(run, 'train/box_loss');
    assert.deepEqual(steps(box), [0, 1, 2, 3, 4]);
    assert.equal(box.values[0], 1.80356);
    assert.equal(box.values[4], 1.64043);
    assert.ok(run.metrics.has('lr/pg0'));
    assert.equal(Object.keys(run.params).length, 105);
    assert.equal(run.params.batch, 16);
    assert.equal(run.params.amp, true);
    assert.equal(run.tags['mlflow.runName'], 'sgdtest3');
    assert.ok(run.command !== null && run.gitCommit !== null || run.tags['mlflow.source.git.commit'] === undefined);
    assert.equal(run.gitCommit, run.tags['mlflow.source.git.commit'] || null);
  });

  it('leaves out runs deleted in MLflow and says so (keras manual logging)', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'mlflow-mlruns', 'v2-keras-manual'));
    // 9 run folders, 2 of them deleted.
    assert.equal(runs.length, 7);
    assert.ok(!runs.some((r) => r.sourceId === '3a9af4bdab714eb69a4ed7582c387268' || r.sourceId === 'c9efc9e12e8d4c7c846d2c2805695cd5'));
    for (const id of ['3a9af4bdab714eb69a4ed7582c387268', 'c9efc9e12e8d4c7c846d2c2805695cd5']) {
      assert.ok(skipped.some((s) => s.reason.includes(id) && /deleted/.test(s.reason)), id);
    }
    for (const r of runs) {
      assert.equal(r.experiment, 'Fashion_MNIST_Experiment');
      assert.deepEqual([...r.metrics.keys()].sort(), ['test_accuracy', 'test_loss', 'val_accuracy', 'val_loss']);
    }
  });

  it('names the run from mlflow.runName; two runs of one experiment (Lightning autolog, 1.27)', async () => {
    const { runs } = await importAll(path.join(shared, 'mlflow-mlruns', 'v1-pytorch-lightning-autolog'));
    assert.equal(runs.length, 2);
    for (const r of runs) { assert.equal(r.name, 'chapter02'); assert.equal(r.experiment, 'dl_model_chapter02'); assert.equal(Object.keys(r.params).length, 12); assert.equal(r.metrics.size, 10); }
    const run = byId(runs, 'a7455f84da244022855a52b3921795f6');
    assert.equal(series(run, 'val_accuracy').values[0], 0.6259999871253967);
    assert.equal(series(run, 'test_accuracy').values[0], 0.6208000183105469);
    assert.equal(series(run, 'train_accuracy_step').values[0], 0.5);
    assert.equal(run.params.betas, '(0.9, 0.999)');
  });

  it('reads two-field lines (MLflow before 1.0), nan and ±inf, and reports a bad line while keeping the rest', async () => {
    // MLflow 0.x wrote `timestamp value`; no MLflow the venv can install writes that layout, so this
    // run folder is laid out by hand, following MLflow's FileStore.
    const dir = tmpDir();
    const exp = path.join(dir, 'mlruns', '0');
    const run = path.join(exp, 'r1');
    fs.mkdirSync(path.join(run, 'metrics'), { recursive: true });
    fs.mkdirSync(path.join(run, 'params'));
    fs.mkdirSync(path.join(run, 'tags'));
    fs.writeFileSync(path.join(exp, 'meta.yaml'), "artifact_location: ./mlruns/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n");
    fs.writeFileSync(path.join(run, 'meta.yaml'), 'artifact_uri: x\nend_time: 20\nexperiment_id: \'0\'\nlifecycle_stage: active\nname: old\nrun_uuid: r1\nstart_time: 10\nstatus: 4\nuser_id: u\n');
    fs.writeFileSync(path.join(run, 'metrics', 'loss'), '1000 0.5\n1001 nan\n1002 inf\n1003 -inf\ngarbage line here too many\n');
    fs.writeFileSync(path.join(run, 'tags', 'mlflow.note.content'), 'a note');
    fs.writeFileSync(path.join(run, 'tags', 'mlflow.source.name'), 'train.py');
    const { runs, skipped } = await importAll(dir);
    assert.equal(runs.length, 1);
    const loss = series(runs[0], 'loss');
    assert.deepEqual(steps(loss), [0, 0, 0, 0]);
    assert.deepEqual(values(loss), [0.5, NaN, Infinity, -Infinity]);
    assert.equal(runs[0].status, 'failed');
    assert.equal(runs[0].note, 'a note');
    assert.equal(runs[0].command, 'train.py');
    assert.ok(skipped.some((s) => /1 line\(s\) not of the form/.test(s.reason)));
  });
});

describe('import readers: MLflow SQL store (mlflow.db)', () => {
  it('reads experiments, runs by status, params, metrics with their latest_metrics, and datasets as inputs', async () => {
    const file = path.join(shared, 'mlflow-db', 'mlflow.db');
    const before = fs.readFileSync(file);
    const { runs } = await importAll(file);
    assert.equal(runs.length, 17);
    const statuses = runs.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 'finished').length, 13);
    assert.equal(statuses.filter((s) => s === 'failed').length, 3);
    const running = runs.filter((r) => r.status === 'running');
    assert.equal(running.length, 1);
    assert.ok(running[0].sourceId.startsWith('42cfa398'));
    assert.equal(running[0].endedAt, null);
    assert.equal(runs.reduce((n, r) => n + [...r.metrics.values()].reduce((m, s) => m + s.length, 0), 0), 272);
    assert.equal(runs.reduce((n, r) => n + Object.keys(r.params).length, 0), 97);
    assert.deepEqual([...new Set(runs.map((r) => r.experiment))].sort(), ['my-experiment-1', 'nyc-taxi-experiment']);
    const grouse = byId(runs, '821d9118ed7c4637bb3a0e020cc59e0d');
    assert.equal(grouse.name, 'powerful-grouse-119');
    const rmse = series(grouse, 'validation-rmse');
    assert.equal(rmse.length, 83);
    // The README's figures are sqlite3's 15 significant digits.
    assert.equal(Number(rmse.values[0].toPrecision(15)), 5.17635708354924);
    assert.equal(Number(rmse.values[82].toPrecision(15)), 4.97822567246642);
    assert.equal(rmse.steps[82], 82);
    assert.equal(rmse.times[82], 1717605748705);
    assert.equal(Object.keys(grouse.params).length, 12);
    assert.equal(grouse.params.max_depth, 33);
    assert.equal(series(byId(runs, '92025337761b47258bb509b166789a29'), 'validation-rmse').length, 166);
    assert.equal(runs.reduce((n, r) => n + r.inputs.length, 0), 4);
    assert.deepEqual(fs.readFileSync(file), before, 'the database file is not written');
  });

  it('turns is_nan rows into NaN and ±DBL_MAX into ±Infinity, as MLflow stores them', async () => {
    const { loadSqlJs } = await import('../../src/core/sqlite');
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(path.join(shared, 'mlflow-db', 'mlflow.db')));
    const id = '821d9118ed7c4637bb3a0e020cc59e0d';
    db.run("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ('edge', 0, 1, ?, 0, 1), ('edge', 1.7976931348623157e308, 2, ?, 1, 0), ('edge', -1.7976931348623157e308, 3, ?, 2, 0)", [id, id, id]);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'mlflow.db'), db.export());
    db.close();
    const { runs } = await importAll(dir);
    assert.deepEqual(values(series(byId(runs, id), 'edge')), [NaN, Infinity, -Infinity]);
  });
});

describe('import readers: a damaged mlflow.db', () => {
  it('reports a SQLite file cut short instead of failing, and reads other sources beside it', async () => {
    const dir = tmpDir();
    const bytes = fs.readFileSync(path.join(shared, 'mlflow-db', 'mlflow.db'));
    fs.writeFileSync(path.join(dir, 'mlflow.db'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    fs.cpSync(path.join(shared, 'dvclive', 'dvclive'), path.join(dir, 'dvclive'), { recursive: true });
    const { runs, skipped } = await importAll(dir);
    assert.ok(skipped.some((s) => s.path.endsWith('mlflow.db')), JSON.stringify(skipped));
    assert.ok(runs.some((r) => r.source === 'dvclive'));
  });
});

describe('import readers: TensorBoard', () => {
  it('reads simple_value scalars (Keras callback, TF 2.5) and reports the non-scalar plugins', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'tensorboard', 'keras-callback-tf2.5'));
    assert.equal(runs.length, 1);
    const loss = series(runs[0], 'epoch_loss');
    assert.deepEqual(steps(loss), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(loss.values[0], 332.6841735839844);
    assert.equal(loss.values[9], 234.7978057861328);
    assert.ok(skipped.some((s) => /graph_keras_model/.test(s.reason)));
  });

  it('reads tensor scalars of the scalars plugin (tf.summary, TF 2.1): metadata only on a tag\'s first value', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'tensorboard', 'tf2-summary-api'));
    assert.equal(runs.length, 2);
    const custom = runs.find((r) => r.name.startsWith('custom'))!;
    const logloss = series(custom, 'logloss');
    assert.equal(logloss.length, 50);
    assert.equal(logloss.values[0], 0.7653785347938538);
    assert.equal(logloss.values[49], 0.01093563623726368);
    assert.equal(series(custom, 'metrics').values[49], 0.9881635308265686);
    assert.equal(custom.metrics.size, 2);
    assert.ok(skipped.some((s) => /200 value\(s\) of the "histograms" plugin/.test(s.reason)));
    const logs = runs.find((r) => r.name.startsWith('logs'))!;
    assert.deepEqual(values(series(logs, 'loss')).map((v, i) => (i === 0 || i === 4 ? v : 0)), [0.4627838134765625, 0, 0, 0, 0.15886694192886353]);
    assert.equal(series(logs, 'val_loss').values[4], 0.2875218689441681);
  });

  it('merges a folder\'s event files into one run and reads Lightning\'s hparams.yaml as params', async () => {
    const { runs } = await importAll(path.join(shared, 'tensorboard', 'pytorch-lightning'));
    assert.equal(runs.length, 1);
    const run = runs[0];
    const acc = series(run, 'train_accuracy_step');
    assert.equal(acc.length, 112);
    assert.equal(acc.steps[0], 49);
    assert.equal(acc.steps[111], 5599);
    assert.equal(acc.values[0], 0.25);
    assert.equal(acc.values[111], 0.75);
    assert.equal(series(run, 'val_accuracy').values[0], 0.6259999871253967);
    assert.equal(series(run, 'val_accuracy').steps[0], 5624);
    assert.equal(series(run, 'test_accuracy').values[0], 0.6208000183105469);
    assert.equal(series(run, 'test_accuracy').steps[0], 5625);
    assert.equal(series(run, 'train_accuracy_epoch').values[0], 0.5777778029441833);
    assert.ok(Object.keys(run.params).length > 0);
  });

  it('keeps NaN, ±Inf, steps past 2^31 and 2^32, unicode tags (torch SummaryWriter, tensorboardX, new_style doubles)', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(ours, 'tensorboard', 'expected.json'), 'utf8')) as { runs: Record<string, Record<string, { steps?: number[]; values?: (number | string)[] }>> };
    const { runs, skipped } = await importAll(path.join(ours, 'tensorboard'));
    for (const name of ['torch-edge', 'torch-new-style', 'tensorboardx', 'tensorboardx/pair/train', 'tensorboardx/pair/val']) {
      const run = runs.find((r) => r.name === name);
      assert.ok(run, `run ${name} among ${runs.map((r) => r.name).join(', ')}`);
      for (const [key, want] of Object.entries(expected.runs[name])) {
        const s = series(run, key);
        assert.deepEqual(steps(s), want.steps, `${name} ${key} steps`);
        assert.deepEqual(values(s), want.values!.map(num), `${name} ${key} values`);
      }
      if (!name.includes('pair')) {
        assert.ok(!run.metrics.has('weights') && !run.metrics.has('notes'), 'histograms and text are not metrics');
        assert.ok(skipped.some((s) => s.path.endsWith(name) && /histograms/.test(s.reason)), `${name}: the histogram is reported`);
      }
    }
  });

  it('remembers a tag\'s plugin from its first value: tensor scalars without metadata after it are still scalars', async () => {
    // Every writer the venv has repeats the metadata on each value; TensorBoard's own reader (and
    // tf.summary's C++ writer in later versions) send it once. This file is torch's new_style file
    // with the metadata removed from every value but a tag's first, records re-framed.
    const srcDir = path.join(ours, 'tensorboard', 'torch-new-style');
    const file = fs.readdirSync(srcDir)[0];
    const seen = new Set<string>();
    const out: Buffer[] = [];
    let stripped = 0;
    const problem = readTfRecords(path.join(srcDir, file), (bytes, from, to) => {
      const data = bytes.subarray(from, to);
      const event = rebuild(Buffer.from(data), (f, b) => f !== 5 ? b : rebuild(b, (vf, vb) => vf !== 1 ? vb : rebuild(vb, (ff, fb, all) => {
        if (ff !== 9) return fb;
        const tag = all.find((x) => x.field === 1)!.bytes.toString('utf8');
        if (!seen.has(tag)) { seen.add(tag); return fb; }
        stripped++;
        return null;
      })));
      const head = Buffer.alloc(12);
      head.writeUInt32LE(event.length, 0);
      head.writeUInt32LE(maskCrc(crc32c(head, 0, 8)), 8);
      const tail = Buffer.alloc(4);
      tail.writeUInt32LE(maskCrc(crc32c(event)), 0);
      out.push(head, event, tail);
    });
    assert.equal(problem, null);
    assert.ok(stripped > 10, `${stripped} values lost their metadata`);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, file), Buffer.concat(out));
    const want = (await importAll(srcDir)).runs[0];
    const got = (await importAll(dir)).runs[0];
    assert.deepEqual([...got.metrics.keys()].sort(), [...want.metrics.keys()].sort());
    for (const [k, s] of want.metrics) assert.deepEqual(values(got.metrics.get(k)!), values(s), k);
  });

  it('reads 100k points of one tag (torch SummaryWriter)', async () => {
    const dir = tmpDir();
    const src = path.join(ours, 'tensorboard', 'torch-100k');
    for (const f of fs.readdirSync(src)) fs.writeFileSync(path.join(dir, f.replace(/\.gz$/, '')), zlib.gunzipSync(fs.readFileSync(path.join(src, f))));
    const { runs, skipped } = await importAll(dir);
    assert.deepEqual(skipped, []);
    const s = series(runs[0], 'train/loss');
    assert.equal(s.length, 100_000);
    assert.equal(s.values[0], 0);
    assert.equal(s.steps[99_999], 99_999);
    assert.equal(s.values[99_999], Math.fround(0.999));
  });

  it('ends a file at a truncated record or a bad checksum, keeps what came before, and reports it; garbage is reported', async () => {
    const file = fs.readdirSync(path.join(ours, 'tensorboard', 'torch-edge'))[0];
    const bytes = fs.readFileSync(path.join(ours, 'tensorboard', 'torch-edge', file));
    const whole = (await importAll(path.join(ours, 'tensorboard', 'torch-edge'))).runs[0];
    const total = [...whole.metrics.values()].reduce((n, s) => n + s.length, 0);

    const truncated = tmpDir();
    // The scalars come first (records 1-23, bytes 72 to ~1270), then a histogram and a text summary.
    fs.writeFileSync(path.join(truncated, file), bytes.subarray(0, 700));
    const t = await importAll(truncated);
    const kept = [...t.runs[0].metrics.values()].reduce((n, s) => n + s.length, 0);
    assert.ok(kept > 0 && kept < total, `${kept} of ${total} points kept`);
    assert.ok(t.skipped.some((s) => /truncated record/.test(s.reason) && /before it were imported/.test(s.reason)), JSON.stringify(t.skipped));
    // What was kept is exactly the start of each series.
    for (const [k, s] of t.runs[0].metrics) assert.deepEqual(values(s), values(whole.metrics.get(k)!).slice(0, s.length));

    const flipped = tmpDir();
    const bad = Buffer.from(bytes);
    bad[500] ^= 0xff;
    fs.writeFileSync(path.join(flipped, file), bad);
    const f = await importAll(flipped);
    assert.ok(f.skipped.some((s) => /checksum/.test(s.reason)), JSON.stringify(f.skipped));
    const keptF = [...f.runs[0].metrics.values()].reduce((n, s) => n + s.length, 0);
    assert.ok(keptF > 0 && keptF < total);

    const garbage = tmpDir();
    fs.writeFileSync(path.join(garbage, 'events.out.tfevents.123.host'), Buffer.from('this is not a TFRecord file at all, just text\n'.repeat(10)));
    const g = await importAll(garbage);
    assert.equal(g.runs[0].metrics.size, 0);
    assert.ok(g.skipped.some((s) => /checksum|truncated/.test(s.reason)));
  });
});

interface Field { field: number; bytes: Buffer }

/** A message's length-delimited fields rebuilt through `edit` (null drops one); other fields kept as they were. */
function rebuild(msg: Buffer, edit: (field: number, bytes: Buffer, all: Field[]) => Buffer | null): Buffer {
  const varint = (b: Buffer, p: number): [number, number] => { let v = 0, m = 1; for (;;) { const x = b[p++]; v += (x & 0x7f) * m; if (x < 128) return [v, p]; m *= 128; } };
  const enc = (n: number): number[] => { const o: number[] = []; while (n >= 128) { o.push((n % 128) | 128); n = Math.floor(n / 128); } o.push(n); return o; };
  const parts: { field: number; wire: number; raw: Buffer; bytes: Buffer }[] = [];
  for (let p = 0; p < msg.length;) {
    const start = p;
    const [tag, q] = varint(msg, p);
    const field = Math.floor(tag / 8), wire = tag % 8;
    p = q;
    if (wire === 0) p = varint(msg, p)[1];
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else { const [len, r] = varint(msg, p); parts.push({ field, wire, raw: msg.subarray(start, r + len), bytes: msg.subarray(r, r + len) }); p = r + len; continue; }
    parts.push({ field, wire, raw: msg.subarray(start, p), bytes: Buffer.alloc(0) });
  }
  const all = parts.filter((x) => x.wire === 2).map(({ field, bytes }) => ({ field, bytes }));
  return Buffer.concat(parts.flatMap((x) => {
    if (x.wire !== 2) return [x.raw];
    const b = edit(x.field, x.bytes, all);
    return b === null ? [] : [Buffer.from([...enc(x.field * 8 + 2), ...enc(b.length)]), b];
  }));
}

describe('import readers: W&B', () => {
  it('reads history from the .wandb binary, config, summary, metadata and git; reports the file\'s truncated tail', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'wandb'));
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.equal(run.source, 'wandb');
    assert.equal(run.sourceId, '1xeytjab');
    assert.equal(run.params.batch_size, 64);
    assert.equal(run.params.learning_rate, 0.000225);
    assert.equal(run.params.num_epochs, 10);
    assert.equal(run.params.num_embeddings, 512);
    assert.equal(run.params.embedding_dim, 64);
    assert.equal(run.params.hidden_dim, 256);
    assert.equal(run.params.beta, 0.25);
    assert.ok(!Object.keys(run.params).some((k) => k.startsWith('_wandb')));
    assert.equal(run.startedAt, Date.parse('2025-03-15T08:45:00.395Z'));
    assert.equal(run.gitCommit, 'be9946656728feeda8fceba92c74ff4d79e7df5c');
    assert.match(run.command ?? '', /trainer\.py/);
    const loss = series(run, 'train_loss');
    // Steps 0..83 are in the binary; the summary's _step 85 says one more row was logged, in the
    // record the file ends inside (reported below).
    assert.equal(loss.steps[0], 0);
    assert.equal(loss.steps[loss.length - 1], 83);
    assert.ok(loss.length >= 80);
    assert.ok(run.metrics.has('train_reconstruction_loss'));
    assert.ok(![...run.metrics.keys()].some((k) => k.startsWith('_')));
    assert.ok(skipped.some((s) => /ends inside a record/.test(s.reason)));
  });

  it('skips a damaged block of the .wandb file and reads on from the next one', async () => {
    const src = path.join(shared, 'wandb', 'run-20250315_164500-1xeytjab');
    const dir = path.join(tmpDir(), 'wandb', 'run-20250315_164500-1xeytjab');
    fs.cpSync(src, dir, { recursive: true });
    const file = path.join(dir, 'run-1xeytjab.wandb');
    const whole = (await importAll(dir)).runs[0];
    const bytes = fs.readFileSync(file);
    bytes[32768 + 5000] ^= 0xff; // inside the second block
    fs.writeFileSync(file, bytes);
    const { runs, skipped } = await importAll(dir);
    assert.ok(skipped.some((s) => /checksum/.test(s.reason) && /next block/.test(s.reason)), JSON.stringify(skipped));
    const n = series(runs[0], 'train_loss').length;
    const before = series(whole, 'train_loss').length;
    assert.ok(n < before && n > 0, `${n} of ${before}`);
    // Rows after the damaged block are still there.
    assert.equal(series(runs[0], 'train_loss').steps[n - 1], 83);
  });
});

describe('import readers: DVCLive', () => {
  it('reads the .tsv series (value column headed by the metric name), metrics.json and params.yaml', async () => {
    const { runs, skipped } = await importAll(path.join(shared, 'dvclive'));
    assert.deepEqual(skipped, []);
    assert.equal(runs.length, 1);
    const run = runs[0];
    const loss = series(run, 'train/loss');
    assert.equal(loss.length, 20);
    assert.equal(loss.steps[0], 49);
    assert.equal(loss.steps[19], 999);
    assert.equal(loss.values[0], 0.07851636409759521);
    assert.equal(loss.values[19], 0.05616318807005882);
    const epoch = series(run, 'epoch');
    assert.equal(epoch.length, 20);
    assert.deepEqual(values(epoch), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    assert.deepEqual([...run.metrics.keys()].sort(), ['epoch', 'train/loss']);
    assert.deepEqual(run.params, { encoder_size: 64, lr: 0.001 });
  });
});

describe('import readers: CSV/TSV (written by polars)', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(ours, 'csv', 'expected.json'), 'utf8')) as { runs: Record<string, Record<string, { steps: number[]; values: (number | string)[] }>> };
  const check = (run: ImportedRun, want: Record<string, { steps: number[]; values: (number | string)[] }>): void => {
    assert.deepEqual([...run.metrics.keys()].sort(), Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) {
      assert.deepEqual(steps(series(run, k)), w.steps, k);
      assert.deepEqual(values(series(run, k)), w.values.map(num), k);
    }
  };

  it('wide: a row per step, a column per metric; an empty cell is no point; a text column is reported', async () => {
    const { runs, skipped } = await importAll(path.join(ours, 'csv', 'wide.csv'));
    assert.equal(runs.length, 1);
    check(runs[0], expected.runs['wide.csv']);
    assert.ok(skipped.some((s) => /phase/.test(s.reason)));
  });

  it('long: run, key, step, value, a run per run value', async () => {
    const { runs } = await importAll(path.join(ours, 'csv', 'long.tsv'));
    assert.equal(runs.length, 2);
    check(runs.find((r) => r.name === 'a')!, expected.runs['long.tsv#a']);
    check(runs.find((r) => r.name === 'b')!, expected.runs['long.tsv#b']);
  });
});

describe('import readers: what PATH holds', () => {
  it('finds every source under a folder, and refuses a folder or file with none', async () => {
    const kinds = findSources(shared).map((s) => `${s.kind}${s.format ? `:${s.format}` : ''}`);
    assert.deepEqual([...new Set(kinds)].sort(), ['dvclive', 'mlflow:folder', 'mlflow:sql', 'tensorboard', 'wandb']);
    const empty = tmpDir();
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'x');
    assert.throws(() => findSources(empty), ImportPathError);
    assert.throws(() => findSources(path.join(empty, 'notes.txt')), ImportPathError);
    assert.throws(() => findSources(path.join(empty, 'missing')), ImportPathError);
  });

  it('puts every run in the experiment given', async () => {
    const { runs } = await importAll(path.join(shared, 'mlflow-mlruns', 'v2-ultralytics-yolov8'), 'mine');
    assert.ok(runs.length === 4 && runs.every((r) => r.experiment === 'mine'));
  });
});
