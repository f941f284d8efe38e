// `exptrack export --format dvclive|parquet DIR` through the built CLI: the real-writer fixtures
// imported, exported, and read back: DVCLive folders imported again give the same runs; the Parquet
// files read by the real pyarrow, polars and DuckDB hold every run and every point.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { folderName } from '../../src/core/export/dvcliveWriter';
import { Store } from '../../src/core/store/store';
import { python, testPython } from './helpers/testPython';

const root = path.resolve(__dirname, '..', '..', '..');
const shared = path.resolve(root, '..', 'shared', 'fixtures', 'import');
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-export-bin-'));
const cli = path.join(binDir, 'cli.js');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function exptrack(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, EXPTRACK_DIR: '' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const workspace = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-export-ws-'));
const open = (ws: string): Promise<Store> => Store.open(path.join(ws, '.exptrack'), { readOnly: true, logger: quiet });

/** A workspace holding the fixtures of every source, edge cases included (NaN, ±Inf, steps past 2^32, unicode). */
function importedWorkspace(): string {
  const ws = workspace();
  for (const src of [path.join(shared, 'mlflow-mlruns', 'v2-ultralytics-yolov8'), path.join(shared, 'mlflow-db', 'mlflow.db'), path.join(shared, 'tensorboard'),
    path.join(shared, 'wandb'), path.join(shared, 'dvclive'), path.join(root, 'test', 'fixtures', 'import', 'tensorboard', 'torch-edge')]) {
    const r = exptrack(['import', src], ws);
    assert.equal(r.code, 0, r.stderr);
  }
  return ws;
}

describe('exptrack export --format dvclive | parquet', function () {
  this.timeout(300_000);
  let source: string;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
    assert.equal(b.status, 0, 'build the CLI');
    source = importedWorkspace();
  });

  it('round trip: runs exported as DVCLive folders and imported again are the same runs', async () => {
    const out = path.join(source, 'dvclive-export');
    const e = exptrack(['export', '--format', 'dvclive', out], source);
    assert.equal(e.code, 0, e.stderr);
    // DVCLive's layout as DVCLive writes it: a folder per run, a .tsv per metric headed by its name.
    const yolo = path.join(out, '_Shared_YOLOv8', 'adamtest');
    assert.match(e.stderr, /"\/Shared\/YOLOv8" \/ "adamtest"\) is in the folder _Shared_YOLOv8\/adamtest/, 'a name that cannot be a folder is reported');
    assert.equal(fs.readFileSync(path.join(yolo, 'plots', 'metrics', 'train', 'box_loss.tsv'), 'utf8').split('\n')[0], 'timestamp\tstep\tbox_loss');
    assert.deepEqual(fs.readFileSync(path.join(yolo, 'dvc.yaml'), 'utf8').split('\n').slice(0, 4), ['params:', '- params.yaml', 'metrics:', '- metrics.json']);
    const latest = JSON.parse(fs.readFileSync(path.join(yolo, 'metrics.json'), 'utf8')) as Record<string, Record<string, number>>;
    assert.equal(typeof latest.train.box_loss, 'number', 'train/box_loss nested as DVCLive nests it');

    const back = workspace();
    const r = exptrack(['import', out, '--json'], back);
    assert.equal(r.code, 0, r.stderr);
    const [sa, sb] = [await open(source), await open(back)];
    try {
      const byLocation = new Map(sb.listRuns({ limit: 1000 }).map((s) => { const d = sb.getRun(s.id)!; return [d.tags['import.location'], d]; }));
      let compared = 0;
      let expected = 0;
      let points = 0;
      for (const ra of sa.listRuns({ limit: 1000 })) {
        const da = sa.getRun(ra.id)!;
        const dir = [path.join(out, folderName(da.experiment), folderName(da.name)), path.join(out, folderName(da.experiment), `${folderName(da.name)}-${da.id}`)]
          .find((d) => byLocation.has(d));
        const what = `${da.experiment} / ${da.name}`;
        if (Object.keys(da.metrics).length || Object.keys(da.params).length) expected++;
        if (!dir) {
          // Only runs with nothing DVCLive holds (no metric, no param) do not come back.
          assert.deepEqual([Object.keys(da.metrics).length, Object.keys(da.params).length], [0, 0], `${what} came back`);
          continue;
        }
        const db = byLocation.get(dir)!;
        assert.equal(db.experiment, folderName(da.experiment), `${what}: experiment`);
        assert.equal(db.name, path.basename(dir), `${what}: name`);
        if (folderName(da.name) === da.name && folderName(da.experiment) === da.experiment && !dir.endsWith(da.id)) {
          assert.deepEqual([db.experiment, db.name], [da.experiment, da.name], `${what}: the same name`);
        }
        assert.deepEqual(db.params, da.params, `${what}: params`);
        assert.deepEqual(Object.keys(db.metrics).sort(), Object.keys(da.metrics).sort(), `${what}: metric keys`);
        for (const key of Object.keys(da.metrics)) {
          const x = sa.series(da.id, key);
          const y = sb.series(db.id, key);
          assert.deepEqual(Array.from(y.steps), Array.from(x.steps), `${what}: ${key} steps`);
          assert.deepEqual(Array.from(y.values), Array.from(x.values), `${what}: ${key} values`);
          assert.deepEqual(Array.from(y.times), Array.from(x.times), `${what}: ${key} times`);
          points += x.steps.length;
        }
        compared++;
      }
      assert.equal(compared, expected, 'every run with a metric or a param came back');
      assert.ok(compared > 20, `${compared} runs compared`);
      // NaN, ±Infinity and steps past 2^32 (torch-edge) made the trip.
      const edge = [...byLocation.values()].find((d) => Object.keys(d.metrics).some((k) => sb.series(d.id, k).values.some((v) => Number.isNaN(v))));
      assert.ok(edge, 'a run with NaN values came back');
      assert.ok(points > 1000, `${points} points compared`);
    } finally {
      await sa.close();
      await sb.close();
    }
    const again = exptrack(['export', '--format', 'dvclive', out], source);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
  });

  it('Parquet: runs.parquet and points.parquet hold every run and point; pyarrow, polars and DuckDB read them', async function () {
    const py = testPython();
    if (!py) {
      if (process.env.CI) assert.fail('no Python with pyarrow, polars and duckdb: set EXPTRACK_TEST_PYTHON or create .venv-test (see .ci/run)');
      this.skip();
    }
    const out = path.join(source, 'parquet-export');
    const e = exptrack(['export', '--format', 'parquet', out, '--experiment', 'my-experiment-1'], source);
    assert.equal(e.code, 0, e.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['points.parquet', 'runs.parquet']);
    const sa = await open(source);
    try {
      const runs = sa.listRuns({ experiment: 'my-experiment-1' }).map((r) => sa.getRun(r.id)!);
      assert.equal(runs.length, 2);
      // The runs table: one row per run, its fields, params, the last metric values, tags; times as UTC timestamps; nulls where a run has no value.
      const table = JSON.parse(python(py!, `
import json, pyarrow.parquet as pq
t = pq.read_table('runs.parquet')
print(json.dumps({'types': {f.name: str(f.type) for f in t.schema}, 'rows': [{k: (v.timestamp() * 1000 if hasattr(v, 'timestamp') else v) for k, v in r.items()} for r in t.to_pylist()]}))`, out)) as
        { types: Record<string, string>; rows: Record<string, unknown>[] };
      assert.equal(table.types.startedAt, 'timestamp[ms, tz=UTC]');
      assert.equal(table.types.name, 'string');
      assert.equal(table.types['metrics.accuracy'], 'double');
      assert.equal(table.rows.length, 2);
      for (const d of runs) {
        const row = table.rows.find((x) => x.id === d.id)!;
        assert.ok(row, d.name);
        assert.deepEqual([row.name, row.experiment, row.status, row.startedAt, row.endedAt, row.command], [d.name, d.experiment, d.status, d.startedAt, d.endedAt, d.command]);
        for (const [k, v] of Object.entries(d.params)) assert.equal(row[`params.${k}`], typeof v === 'number' || v === null ? v : String(v), `params.${k}`);
        for (const [k, v] of Object.entries(d.tags)) assert.equal(row[`tags.${k}`], v, `tags.${k}`);
        assert.equal(row['metrics.accuracy'], d.metrics.accuracy?.last ?? null, 'a run without the metric holds null');
      }
    } finally {
      await sa.close();
    }

    // Every point of every run, as the store holds it (NaN, ±Inf, steps past 2^32 included).
    const all = path.join(source, 'parquet-all');
    assert.equal(exptrack(['export', '--format', 'parquet', all], source).code, 0);
    const s = await open(source);
    try {
      // Every run's row (37, nulls scattered over them: params a run lacks), as pyarrow reads it.
      const rows = JSON.parse(python(py!, `
import json, pyarrow.parquet as pq
print(json.dumps([{k: (v.timestamp() * 1000 if hasattr(v, 'timestamp') else v) for k, v in r.items()} for r in pq.read_table('runs.parquet').to_pylist()]))`, all)
        .replace(/\bNaN\b/g, 'null').replace(/-?Infinity\b/g, 'null')) as Record<string, unknown>[];
      const stored = s.listRuns({ limit: 1000 });
      assert.equal(rows.length, stored.length);
      for (const r of stored) {
        const d = s.getRun(r.id)!;
        const row = rows.find((x) => x.id === d.id)!;
        assert.deepEqual([row.name, row.experiment, row.startedAt, row.endedAt, row.gitCommit], [d.name, d.experiment, d.startedAt, d.endedAt, d.git?.commit ?? null], d.name);
        for (const [k, v] of Object.entries(row)) {
          if (k.startsWith('params.')) assert.equal(v === null ? undefined : String(v), k.slice(7) in d.params && d.params[k.slice(7)] !== null ? String(d.params[k.slice(7)]) : undefined, `${d.name}: ${k}`);
          if (k.startsWith('tags.')) assert.equal(v ?? undefined, d.tags[k.slice(5)], `${d.name}: ${k}`);
        }
      }
      const expected: Record<string, number[]> = {};
      let total = 0;
      for (const r of s.listRuns({ limit: 1000 })) {
        for (const key of Object.keys(r.metrics)) {
          const x = s.series(r.id, key);
          total += x.steps.length;
          expected[`${r.id}\u0000${key}`] = [x.steps.length, x.steps[x.steps.length - 1], x.values.filter((v) => Number.isNaN(v)).length, x.values.filter((v) => v === Infinity).length];
        }
      }
      const got = JSON.parse(python(py!, `
import json, math, polars as pl
df = pl.read_parquet('points.parquet')
out = {}
for (run, key), g in df.group_by(['run', 'key']):
    v = g['value'].to_list()
    out[run + '\\u0000' + key] = [g.height, g.sort('step')['step'].to_list()[-1], sum(1 for x in v if math.isnan(x)), sum(1 for x in v if x == math.inf)]
print(json.dumps(out))`, all)) as Record<string, number[]>;
      assert.deepEqual(got, expected);
      assert.ok(total > 1000 && Object.values(expected).some((e) => e[2] > 0) && Object.values(expected).some((e) => e[1] > 2 ** 32), 'NaN and steps past 2^32 are among them');
      assert.equal(python(py!, "import duckdb; print(duckdb.sql(\"SELECT count(*) FROM 'points.parquet' p JOIN 'runs.parquet' r ON p.run = r.id\").fetchone()[0])", all), String(total));
    } finally {
      await s.close();
    }
  });
});
