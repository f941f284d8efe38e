import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunStart } from '../../src/core/model';
import { encodePointsFile, PointsFileError, PointsFileIndex } from '../../src/core/store/pointsFile';
import { liveCompaction } from '../../src/core/store/pointsStore';
import { Store } from '../../src/core/store/store';
import { python, testPython } from './helpers/testPython';

const madeDirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-points-'));
  madeDirs.push(d);
  return d;
}
after(() => { for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true }); });

function captureLogger(): { logger: { info(m: string): void; warn(m: string): void; error(m: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } };
}

function runStart(id: string): RunStart {
  return { id, experiment: 'exp', name: id, command: 'python train.py', cwd: '/w', startedAt: 1_700_000_000_000, source: 'cli' };
}

const root = path.resolve(__dirname, '..', '..', '..');

/** Points files of a run: the listed ones (`*.parquet`, not hidden). */
function pointsFiles(dir: string, run: string): string[] {
  try { return fs.readdirSync(path.join(dir, 'runs', run)).filter((f) => f.endsWith('.parquet') && !f.startsWith('.')).sort(); } catch { return []; }
}

describe('Points files', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = path.join(tempDir(), '.exptrack'); });

  it('encodes and decodes a file: NaN and ±Infinity, unicode names, a series over several row groups', () => {
    const n = (1 << 20) + 5;
    const big = { key: 'big', steps: new Float64Array(n).map((_, i) => i), values: new Float64Array(n).map((_, i) => i / 2), times: new Float64Array(n).fill(7) };
    const odd = { key: 'ünï/🚀 loss', steps: Float64Array.from([1, 2, 3]), values: Float64Array.from([NaN, Infinity, -Infinity]), times: Float64Array.from([1, 2, 3]) };
    const file = path.join(tempDir(), 'a.parquet');
    fs.writeFileSync(file, encodePointsFile('rün', [big, odd]));
    const ix = PointsFileIndex.read(file);
    assert.equal(ix.run, 'rün');
    assert.deepEqual(ix.keys(), ['big', 'ünï/🚀 loss']);
    assert.deepEqual([...ix.read('ünï/🚀 loss').values], [NaN, Infinity, -Infinity]);
    const b = ix.read('big');
    assert.equal(b.steps.length, n);
    assert.equal(b.values[n - 1], (n - 1) / 2);
    assert.equal(ix.read('none').steps.length, 0);
  });

  it('says a torn, truncated or foreign file is unreadable instead of reading garbage', () => {
    const file = path.join(tempDir(), 'a.parquet');
    const bytes = encodePointsFile('r', [{ key: 'k', steps: Float64Array.from([1]), values: Float64Array.from([2]), times: Float64Array.from([3]) }]);
    for (const cut of [0, 5, 40, bytes.length - 1]) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      assert.throws(() => PointsFileIndex.read(file), PointsFileError, `cut at ${cut}`);
    }
    fs.writeFileSync(file, 'PAR1 not really PAR1');
    assert.throws(() => PointsFileIndex.read(file), /unreadable/);
  });

  it('keeps bulk points out of the catalog: one file per run once it ended, listed in point_files', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    for (let round = 0; round < 3; round++) {
      s.sink.metrics('r1', Array.from({ length: 1000 }, (_, i) => ({ key: i % 2 ? 'acc' : 'loss', step: round * 500 + (i >> 1), value: i, time: i })));
      await s.flush();
    }
    assert.equal(pointsFiles(dir, 'r1').length, 3, 'a live run: one new file per save');
    s.sink.endRun('r1', { endedAt: 1, exitCode: 0, signal: null, status: 'finished' });
    await s.close();
    assert.equal(pointsFiles(dir, 'r1').length, 1, 'an ended run: compacted into one file; the replaced ones are hidden');
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.series('r1', 'loss').steps.length, 1500);
    assert.deepEqual(r.getRun('r1')!.metrics.acc, { last: 999, min: 1, max: 999, count: 1500, lastStep: 1499 });
    assert.equal(r.doctor().metricPoints, 3000);
    assert.equal(r.doctor().pointFiles.files, 1);
    await r.close();
  });

  it('a points file deleted or damaged: a clear message, the rest of the run readable, never compacted away', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.params('r1', { lr: 0.1 });
    s.sink.metrics('r1', [1, 2, 3].map((step) => ({ key: 'loss', step, value: step, time: step })));
    await s.flush();
    s.sink.metrics('r1', [4, 5].map((step) => ({ key: 'loss', step, value: step, time: step })));
    await s.flush();
    const [first, second] = pointsFiles(dir, 'r1');
    fs.truncateSync(path.join(dir, 'runs', 'r1', second), 30);
    const log = captureLogger();
    const r = await Store.open(dir, { readOnly: true, logger: log.logger });
    assert.deepEqual([...r.series('r1', 'loss').steps], [1, 2, 3], 'the readable file still reads');
    assert.equal(r.getRun('r1')!.params.lr, 0.1);
    assert.equal(r.getRun('r1')!.metrics.loss.count, 5, 'the summary is in the catalog');
    const d = r.doctor();
    assert.match(d.pointFiles.unreadable.join('\n'), new RegExp(`${second}.*torn or truncated`));
    assert.ok(d.problems.some((p) => p.includes(second)), d.problems.join('\n'));
    assert.ok(log.lines.some((l) => l.startsWith('warn') && l.includes(second) && l.includes('the rest of the run is')), log.lines.join('\n'));
    await r.close();
    // The run ends: its files are not merged over the damaged one, which stays for inspection.
    s.sink.endRun('r1', { endedAt: 1, exitCode: 0, signal: null, status: 'finished' });
    await s.close();
    assert.deepEqual(pointsFiles(dir, 'r1'), [first, second]);
    fs.unlinkSync(path.join(dir, 'runs', 'r1', first));
    const r2 = await Store.open(dir, { readOnly: true, logger: captureLogger().logger });
    assert.deepEqual([...r2.series('r1', 'loss').steps], []);
    assert.match(r2.doctor().pointFiles.unreadable.join('\n'), new RegExp(`${first}.*missing`));
    await r2.close();
  });

  it('ignores what a crash left in a run folder (a temp file, an unlisted file) and removes it once old', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.metrics('r1', [{ key: 'loss', step: 1, value: 1, time: 1 }]);
    await s.close();
    const runDir = path.join(dir, 'runs', 'r1');
    const bytes = encodePointsFile('r1', [{ key: 'loss', steps: Float64Array.from([1, 2]), values: Float64Array.from([9, 9]), times: Float64Array.from([1, 2]) }]);
    const torn = path.join(runDir, '.p000009-abcdef.parquet.tmp-deadwriter');
    const orphan = path.join(runDir, 'p000009-abcdef.parquet');
    fs.writeFileSync(torn, bytes.subarray(0, 50));
    fs.writeFileSync(orphan, bytes);
    const r = await Store.open(dir, { readOnly: true });
    assert.deepEqual([...r.series('r1', 'loss').values], [1], 'only listed files are part of the store');
    await r.close();
    const old = new Date(Date.now() - 120_000);
    for (const f of [torn, orphan]) fs.utimesSync(f, old, old);
    const w = await Store.open(dir, { logger: captureLogger().logger });
    await w.close();
    assert.equal(fs.existsSync(torn), false);
    assert.equal(fs.existsSync(orphan), false);
    assert.equal(pointsFiles(dir, 'r1').length, 1);
  });

  it('never deletes a file the saved catalog lists, even hidden as replaced by a compaction that was not saved', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.metrics('r1', [{ key: 'loss', step: 1, value: 1, time: 1 }]);
    await s.close();
    const [name] = pointsFiles(dir, 'r1');
    const hidden = path.join(dir, 'runs', 'r1', `.${name}.replaced`);
    fs.renameSync(path.join(dir, 'runs', 'r1', name), hidden);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(hidden, old, old);
    const w = await Store.open(dir, { logger: captureLogger().logger });
    assert.deepEqual([...w.series('r1', 'loss').values], [1], 'read where it was moved');
    await w.close();
    assert.ok(fs.existsSync(hidden));
  });

  it('a points file that cannot be written: nothing saved, points kept and readable, doctor says so, saved later', async () => {
    const { logger, lines } = captureLogger();
    const s = await Store.open(dir, { logger });
    s.sink.startRun(runStart('r1'));
    await s.flush();
    // The run's folder cannot be created: a file is in its place.
    fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'runs', 'r1'), 'in the way');
    s.sink.metrics('r1', [1, 2].map((step) => ({ key: 'loss', step, value: step, time: step })));
    await s.flush();
    assert.deepEqual([...s.series('r1', 'loss').steps], [1, 2], 'still readable from memory');
    assert.equal(lines.filter((l) => l.startsWith('error') && l.includes('writing its points files')).length, 1, lines.join('\n'));
    assert.ok(s.doctor().problems.some((p) => p.includes('saving has failed since')));
    const r = await Store.open(dir, { readOnly: true, logger: captureLogger().logger });
    assert.deepEqual([...r.series('r1', 'loss').steps], [1, 2], 'another process folds them from the journal');
    // `exptrack doctor` in another process sees the writer's failure too (its failure note).
    assert.ok(r.doctor().problems.some((p) => p.startsWith(`writer ${s.writerId}`) && p.includes('could not save')), r.doctor().problems.join('\n'));
    await r.close();
    fs.unlinkSync(path.join(dir, 'runs', 'r1'));
    await s.flush();
    const recovered = await Store.open(dir, { readOnly: true, logger: captureLogger().logger });
    assert.deepEqual(recovered.doctor().problems, [], 'the note goes once a save succeeds');
    await recovered.close();
    await s.close();
    const r2 = await Store.open(dir, { readOnly: true });
    assert.deepEqual([...r2.series('r1', 'loss').steps], [1, 2]);
    assert.equal(r2.doctor().pointFiles.files, 1);
    await r2.close();
  });

  it('deletes a run\'s points files with the run', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.metrics('r1', [{ key: 'loss', step: 1, value: 1, time: 1 }]);
    await s.flush();
    s.deleteRun('r1');
    await s.flush();
    const file = path.join(dir, 'runs', 'r1', pointsFiles(dir, 'r1')[0]);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(file, old, old);
    await s.close();
    const w = await Store.open(dir, { logger: captureLogger().logger });
    await w.close();
    assert.deepEqual(pointsFiles(dir, 'r1'), []);
  });

  it('pyarrow, polars and DuckDB read a run\'s points and the whole workspace\'s in one line each', async function () {
    const py = testPython();
    if (!py) {
      if (process.env.CI) assert.fail('no Python with pyarrow, polars and duckdb: set EXPTRACK_TEST_PYTHON or create .venv-test (see .ci/run)');
      this.skip();
    }
    const s = await Store.open(dir, { logger: captureLogger().logger });
    for (const id of ['a', 'b']) {
      s.sink.startRun(runStart(id));
      s.sink.metrics(id, Array.from({ length: 100 }, (_, i) => ({ key: i % 2 ? 'acc' : 'train/loss', step: i >> 1, value: i === 2 ? NaN : i, time: 1_700_000_000_000 + i })));
      await s.flush();
      s.sink.metrics(id, [{ key: 'train/loss', step: 50, value: 0.5, time: 1 }]);
      if (id === 'a') s.sink.endRun(id, { endedAt: 1, exitCode: 0, signal: null, status: 'finished' });
      await s.flush();
    }
    await s.close();
    // What the recorder keeps beside the points files must not get in the way of these lines.
    for (const id of ['a', 'b']) fs.writeFileSync(path.join(dir, 'runs', id, 'output.log'), 'epoch 1 loss 0.5\n');
    const ws = path.dirname(dir);
    // The lines docs/storage.md shows.
    assert.equal(python(py!, "import glob, pyarrow.parquet as pq; t = pq.read_table(glob.glob('.exptrack/runs/a/*.parquet')); print(t.num_rows, t.schema.names, sorted(set(t.column('key').to_pylist())))", ws),
      "101 ['run', 'key', 'step', 'value', 'time'] ['acc', 'train/loss']");
    assert.equal(python(py!, "import polars as pl; df = pl.read_parquet('.exptrack/runs/*/*.parquet'); print(df.height, df.filter((pl.col('run') == 'b') & (pl.col('key') == 'train/loss')).sort('step')['value'].to_list()[-2:], df['value'].is_nan().sum())", ws),
      '202 [98.0, 0.5] 2');
    assert.equal(python(py!, "import duckdb; print(duckdb.sql(\"SELECT run, count(*), max(step) FROM '.exptrack/runs/*/*.parquet' WHERE key = 'acc' GROUP BY run ORDER BY run\").fetchall())", ws),
      "[('a', 50, 49.0), ('b', 50, 49.0)]");
  });
});

describe('Live compaction', () => {
  it('merges size tiers: a long live run keeps few files and each point is rewritten O(log n) times, not at every compaction', () => {
    let files: { seq: number; file: string; rows: number }[] = [];
    let rewritten = 0;
    let maxFiles = 0;
    const saves = 5000;
    for (let seq = 1; seq <= saves; seq++) {
      const replaces = liveCompaction(files, 1000);
      const rows = replaces.reduce((a, f) => a + f.rows, 0) + 1000;
      if (replaces.length) rewritten += rows;
      files = [...files.filter((f) => !replaces.includes(f)), { seq, file: `p${seq}`, rows }];
      maxFiles = Math.max(maxFiles, files.length);
    }
    const total = saves * 1000;
    assert.equal(files.reduce((a, f) => a + f.rows, 0), total, 'no point lost or counted twice');
    assert.ok(maxFiles <= 16, `${maxFiles} files at most`);
    // Rewriting the newest 15 files whatever their size (what it did) rewrote the whole run every 16 saves: ~total * saves / 32.
    assert.ok(rewritten <= total * Math.log2(saves), `${rewritten} rows rewritten for ${total} points`);
  });
});
