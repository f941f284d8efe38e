import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSqlJs } from '../../src/core/sqlite';
import { PointsFileIndex } from '../../src/core/store/pointsFile';
import { Store } from '../../src/core/store/store';
import { writeV2Store } from './fixtures/v2Store';
import { builtCli } from './helpers/builtCli';

const child = path.join(__dirname, 'fixtures', 'storeMigrate.child.js');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const madeDirs: string[] = [];
after(() => { for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true }); });

const keyNames = ['acc', 'loss', 'lr', 'val/loss'];

/** The value a v2 store holds at (run, key, step); NaN and ±Infinity included. */
function valueAt(r: number, k: number, step: number): number {
  if (step === 7) return NaN;
  if (step === 8 && k === 1) return Infinity;
  return r * 1000 + k + step / 1e4;
}

function writeV2(dir: string, runs: number, steps: number): Promise<void> {
  return writeV2Store(dir, { runs, keys: keyNames, steps, valueAt });
}

/**
 * Where every point is, read from the files on disk as they are (not through the store): the
 * catalog's `metrics` rows and the points files the catalog lists. Counts per "run/key/step".
 */
async function pointsOnDisk(dir: string): Promise<{ counts: Map<string, number>; inRows: number; inFiles: number; values: Map<string, number> }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(dir, 'exptrack.db')));
  const counts = new Map<string, number>();
  const values = new Map<string, number>();
  const add = (id: string, key: string, step: number, value: number): void => {
    const k = `${id}/${key}/${step}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    values.set(k, value);
  };
  let inRows = 0;
  for (const [id, key, step, value] of db.exec('SELECT r.id, k.name, m.step, m.value FROM metrics m JOIN runs r ON r.rid = m.run JOIN metric_keys k ON k.id = m.key')[0]?.values ?? []) {
    add(String(id), String(key), Number(step), value === null ? NaN : Number(value));
    inRows++;
  }
  let inFiles = 0;
  const hasFiles = db.exec("SELECT 1 FROM sqlite_master WHERE name = 'point_files'").length > 0;
  for (const [id, file] of hasFiles ? db.exec('SELECT r.id, p.file FROM point_files p JOIN runs r ON r.rid = p.run')[0]?.values ?? [] : []) {
    const ix = PointsFileIndex.read(path.join(dir, String(file)));
    for (const key of ix.keys()) {
      const p = ix.read(key);
      for (let i = 0; i < p.steps.length; i++) add(String(id), key, p.steps[i], p.values[i]);
      inFiles += p.steps.length;
    }
  }
  db.close();
  return { counts, inRows, inFiles, values };
}

function assertEveryPointOnce(state: Awaited<ReturnType<typeof pointsOnDisk>>, runs: number, steps: number, moment: string): void {
  assert.equal(state.counts.size, runs * keyNames.length * steps, `${moment}: every point is somewhere`);
  for (const [k, n] of state.counts) assert.equal(n, 1, `${moment}: ${k} is in ${n} places`);
  for (let r = 1; r <= runs; r++) {
    for (const step of [0, 7, 8, steps - 1]) {
      keyNames.forEach((key, k) => assert.ok(Object.is(state.values.get(`run${r}/${key}/${step}`), valueAt(r, k, step)), `${moment}: run${r}/${key}/${step}`));
    }
  }
}

/** Starts the migrating child; resolves when it printed `open`. */
function startMigrator(dir: string): { proc: ReturnType<typeof spawn>; opened: Promise<void>; exited: Promise<number | null>; out: () => string } {
  const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let resolveOpen: () => void;
  const opened = new Promise<void>((r) => { resolveOpen = r; });
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('open\n')) resolveOpen(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { resolveOpen(); resolve(code); }));
  return { proc, opened, exited, out: () => out };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** A points file of the migration (seq 0) on disk, listed or not. */
function migratedFileExists(dir: string): boolean {
  let runDirs: string[];
  try { runDirs = fs.readdirSync(path.join(dir, 'runs')); } catch { return false; }
  return runDirs.some((r) => { try { return fs.readdirSync(path.join(dir, 'runs', r)).some((f) => /^p000000-.*\.parquet$/.test(f)); } catch { return false; } });
}

describe('Migration of a schema-v2 store', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-migrate-')); madeDirs.push(d); dir = path.join(d, '.exptrack'); });

  it('moves every point to points files in the background; readers see them all meanwhile; the catalog shrinks', async () => {
    const runs = 6;
    const steps = 3000;
    await writeV2(dir, runs, steps);
    const v2Bytes = fs.statSync(path.join(dir, 'exptrack.db')).size;
    const reader = await Store.open(dir, { logger: quiet, readOnly: true });
    assert.equal(reader.doctor().migration?.runsLeft, runs, 'doctor shows what is left');
    const v2File = fs.statSync(path.join(dir, 'exptrack.db'));
    const writer = await Store.open(dir, { logger: quiet, migrate: false });
    // Reads through the writer before the migration: every point, read from the old file on disk.
    for (let r = 1; r <= runs; r++) assert.equal(writer.series(`run${r}`, 'loss').steps.length, steps);
    assert.deepEqual([...writer.series('run2', 'acc').steps.slice(0, 3)], [0, 1, 2]);
    // A run recorded meanwhile is folded (shown) but not saved over the old file, the only place of its points.
    writer.sink.startRun({ id: 'during', experiment: 'v2', name: 'during', command: 'x', cwd: '', startedAt: Date.now(), source: 'cli' });
    writer.sink.metrics('during', [{ key: 'loss', step: 0, value: 0.5, time: Date.now() }, { key: 'loss', step: 1, value: 0.25, time: Date.now() }]);
    writer.sink.endRun('during', { endedAt: Date.now(), exitCode: 0, signal: null, status: 'finished' });
    await writer.flush();
    assert.equal(writer.getRun('during')!.metrics.loss.count, 2);
    const untouched = fs.statSync(path.join(dir, 'exptrack.db'));
    assert.deepEqual([untouched.ino, untouched.size, untouched.mtimeMs], [v2File.ino, v2File.size, v2File.mtimeMs], 'the old file is untouched until the migration ends');
    await writer.close();
    const migrator = await Store.open(dir, { logger: quiet });
    assert.equal(await migrator.finishMigration(), true);
    assert.equal(migrator.doctor().migration, null);
    await migrator.close();
    const writerAfter = await Store.open(dir, { logger: quiet });
    assert.equal(writerAfter.getRun('during')!.metrics.loss.count, 2, 'the run recorded meanwhile is saved with the migrated catalog');
    assert.deepEqual([...writerAfter.series('during', 'loss').values], [0.5, 0.25]);
    await writerAfter.close();
    // The reader opened before the migration still reads every point (its catalog lists the rows).
    const s = reader.series('run3', 'val/loss');
    assert.equal(s.steps.length, steps);
    assert.ok(Number.isNaN(s.values[7]));
    await reader.close();
    const state = await pointsOnDisk(dir);
    assert.equal(state.inRows, 0, 'no point left in the catalog');
    const during = [...state.counts.keys()].filter((k) => k.startsWith('during/'));
    assert.deepEqual(during, ['during/loss/0', 'during/loss/1']);
    for (const k of during) state.counts.delete(k);
    assertEveryPointOnce(state, runs, steps, 'after');
    const v3Bytes = fs.statSync(path.join(dir, 'exptrack.db')).size;
    assert.ok(v3Bytes < v2Bytes / 4, `catalog ${v3Bytes} bytes after, ${v2Bytes} before`);
    const again = await Store.open(dir, { logger: quiet, readOnly: true });
    assert.equal(again.getRun('run2')!.metrics.loss.count, steps);
    assert.equal(again.series('run2', 'loss', { maxPoints: 100 }).steps.at(-1), steps - 1);
    await again.close();
  });

  describe('through the CLI', () => {
    const bin = builtCli('migrate');
    before(() => bin.build());
    after(() => bin.remove());

    it('ls and show read the old file; a run migrates it (in its process, or exptrack _fold for a big one); doctor shows what is left until then', async () => {
      const runs = 5;
      const steps = 4000;
      await writeV2(dir, runs, steps);
      const ws = path.dirname(dir);
      const cli = (...args: string[]) => spawnSync(process.execPath, [bin.cli, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, EXPTRACK_DIR: '' } });
      const ls = cli('ls');
      assert.equal(ls.status, 0, ls.stderr);
      for (let r = 1; r <= runs; r++) assert.match(ls.stdout, new RegExp(`run${r}\\b`));
      const doctor = cli('doctor').stdout;
      assert.match(doctor, new RegExp(`migration: +${runs} run\\(s\\) \\(~${runs * keyNames.length * steps} points\\) still in exptrack.db`));
      assert.match(doctor, /schema version 2 \(this exptrack: 3\)/, 'the file on disk is still v2');
      const shown = cli('show', 'run3', '--json');
      assert.equal(shown.status, 0, shown.stderr);
      const run = cli('run', '--name', 'after', '--', process.execPath, '-e', 'console.log("loss=0.5")');
      assert.equal(run.status, 0, run.stderr);
      // The fold of this small store runs in the run's process, or in a detached exptrack _fold: wait for it.
      const until = Date.now() + 60_000;
      while (/migration:/.test(cli('doctor').stdout) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      assert.doesNotMatch(cli('doctor').stdout, /migration:/);
      assert.match(cli('doctor').stdout, /schema version 3 \(this exptrack: 3\)/);
      const state = await pointsOnDisk(dir);
      assert.equal(state.inRows, 0);
      const after = [...state.counts.keys()].filter((k) => k.includes('/loss/') && !k.startsWith('run'));
      assert.equal(after.length, 1, 'the new run is saved with the migrated catalog');
      for (const k of after) state.counts.delete(k);
      assertEveryPointOnce(state, runs, steps, 'after the CLI migrated it');
    });
  });

  it('kill -9 of the migrating process at several moments: every point exactly once, in the old place or the new', async () => {
    const runs = 12;
    const steps = 2000;
    await writeV2(dir, runs, steps);
    const moments: { name: string; when: (m: ReturnType<typeof startMigrator>) => Promise<boolean> }[] = [
      { name: 'while opening', when: async () => { await new Promise((r) => setTimeout(r, 30)); return true; } },
      { name: 'right after open', when: async (m) => { await m.opened; return true; } },
      // The file of a run is on disk, the catalog that lists it is not saved yet.
      { name: 'first migrated file written', when: async (m) => { await m.opened; return waitFor(() => migratedFileExists(dir), 20_000); } },
      { name: 'after a catalog save', when: async (m) => {
        await m.opened;
        const t = fs.statSync(path.join(dir, 'exptrack.db')).mtimeMs;
        return waitFor(() => { try { return fs.statSync(path.join(dir, 'exptrack.db')).mtimeMs !== t; } catch { return false; } }, 20_000);
      } },
      { name: '900 ms in', when: async (m) => { await m.opened; await new Promise((r) => setTimeout(r, 900)); return true; } },
    ];
    const killed: string[] = [];
    for (const moment of moments) {
      const m = startMigrator(dir);
      const reached = await moment.when(m);
      const finished = m.out().includes('done\n');
      m.proc.kill('SIGKILL');
      await m.exited;
      if (reached && !finished) killed.push(moment.name);
      assertEveryPointOnce(await pointsOnDisk(dir), runs, steps, `killed ${moment.name}`);
      // The store opens and reads (both places) after every kill.
      const r = await Store.open(dir, { logger: quiet, readOnly: true });
      assert.equal(r.series(`run${runs}`, 'acc').steps.length, steps, `killed ${moment.name}: readable`);
      await r.close();
      console.log(`      killed ${moment.name}: ${(await pointsOnDisk(dir)).inRows} point(s) still in the catalog`);
      if ((await pointsOnDisk(dir)).inRows === 0) break;
    }
    assert.ok(killed.length >= 3, `killed mid-migration at: ${killed.join(', ')}`);
    // Resumed to the end by the next writer.
    const last = startMigrator(dir);
    assert.equal(await last.exited, 0, last.out());
    assert.match(last.out(), /done/);
    const state = await pointsOnDisk(dir);
    assert.equal(state.inRows, 0);
    assertEveryPointOnce(state, runs, steps, 'resumed');
  });
});
