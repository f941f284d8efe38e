// Issue #19 item 4: a damaged database is checked on open, moved aside and salvaged row by row.
// Real store files, damaged on disk the ways a tester found (cut in half, a page overwritten, the tail
// cut), then read through the real CLI (ls, doctor, a new run) and checked against what was recorded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunStart } from '../../src/core/model';
import { loadSqlJs } from '../../src/core/sqlite';
import { Store } from '../../src/core/store/store';
import { checkImage, salvageRows } from '../../src/core/store/storeSalvage';
import { migrate } from '../../src/core/store/schema';
import { builtCli } from './helpers/builtCli';

// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const bin = builtCli('salvage');
const cli = bin.cli;

function exptrack(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input: '', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const quiet = { info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };
const runs = 150;
const runId = (i: number): string => `run-${String(i).padStart(4, '0')}`;
const start = (i: number): RunStart => ({ id: runId(i), experiment: `exp${i % 3}`, name: `name-${i}`, command: `python train.py --seed ${i}`, cwd: '/w', startedAt: 1_700_000_000_000 + i, source: 'cli' });

/** A store of `runs` ended runs with params, tags, a code file each (spreading rows over many pages) and points files. */
async function recordStore(dir: string): Promise<void> {
  const s = await Store.open(dir, { logger: quiet });
  for (let i = 0; i < runs; i++) {
    const id = runId(i);
    s.sink.startRun(start(i));
    s.sink.params(id, { lr: i / 1000, seed: i, opt: 'adam' });
    s.sink.tags(id, { group: `g${i % 5}` });
    s.sink.codeFiles(id, { 'train.py': `# run ${i}\n${'x = 1\n'.repeat(300)}` });
    s.sink.metrics(id, Array.from({ length: 20 }, (_, k) => ({ key: 'loss', step: k, value: i + k / 100, time: k })));
    s.sink.endRun(id, { endedAt: 1_700_000_100_000 + i, exitCode: 0, signal: null, status: 'finished' });
  }
  await s.close();
}

const pageSize = 16384;

/** The three damages of the issue, applied to the file in place. */
const damages: Record<string, (file: string) => void> = {
  'cut in half': (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2 / pageSize) * pageSize),
  'a page in the middle overwritten': (file) => {
    const pages = fs.statSync(file).size / pageSize;
    const fd = fs.openSync(file, 'r+');
    const junk = Buffer.alloc(pageSize);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
    fs.writeSync(fd, junk, 0, junk.length, Math.floor(pages / 2) * pageSize);
    fs.closeSync(fd);
  },
  'the tail cut': (file) => fs.truncateSync(file, fs.statSync(file).size - 2 * pageSize),
};

describe('a damaged database is moved aside and salvaged (issue #19 item 4)', function () {
  this.timeout(180_000);
  let ws: string;
  let dir: string;

  before(() => bin.build());
  after(() => bin.remove());
  beforeEach(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-salvage-')));
    dir = path.join(ws, '.exptrack');
  });
  afterEach(() => fs.rmSync(ws, { recursive: true, force: true }));

  for (const [how, damage] of Object.entries(damages)) {
    it(`${how}: ls and doctor say so, a new run moves it aside, every readable row is kept`, async () => {
      await recordStore(dir);
      const file = path.join(dir, 'exptrack.db');
      const pages = fs.statSync(file).size / pageSize;
      assert.ok(pages >= 20, `the store spans many pages (${pages})`);
      damage(file);
      const damaged = fs.readFileSync(file);

      // Readers: what could be salvaged, and a clear word on stderr; the file is left as it is.
      const ls = exptrack(['ls', '--json', '--limit', '1000'], ws);
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stderr, /exptrack\.db is damaged .*salvaged/);
      const seen = JSON.parse(ls.stdout) as { id: string }[];
      const doctor = exptrack(['doctor'], ws);
      assert.equal(doctor.code, 1, 'doctor says it needs attention');
      assert.match(doctor.stdout, /problem: .*exptrack\.db is damaged/);
      assert.deepEqual(fs.readFileSync(file), damaged, 'readers leave the file alone');

      // A writer: moved aside with a report, the salvaged rows saved, its run recorded on top.
      const run = exptrack(['run', '--name', 'after', '--', process.execPath, '-e', 'console.log("step=1 loss=0.25")'], ws);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /was corrupt [^\n]*moved to exptrack\.db\.corrupt-.*salvaged/);
      const aside = fs.readdirSync(dir).filter((f) => /^exptrack\.db\.corrupt-[^.]+$/.test(f));
      assert.equal(aside.length, 1);
      assert.deepEqual(fs.readFileSync(path.join(dir, aside[0])), damaged, 'the damaged file is kept as it was');
      const report = fs.readFileSync(path.join(dir, `${aside[0]}.salvage.txt`), 'utf8');
      assert.match(report, /Salvaged into the new exptrack\.db: \d+ row\(s\)/);
      console.log(`      ${how}, the report:\n${report.replace(/^/gm, '        ')}`);

      const SQL = await loadSqlJs();
      const saved = new SQL.Database(fs.readFileSync(file));
      assert.deepEqual(checkImage(saved), [], 'the saved file passes its check');
      saved.close();

      const after = exptrack(['ls', '--json', '--limit', '1000'], ws);
      assert.equal(after.code, 0, after.stderr);
      assert.equal(after.stderr, '', 'nothing to say once moved aside');
      const list = JSON.parse(after.stdout) as { id: string; name: string; status: string; metrics: Record<string, { last: number }> }[];
      assert.ok(list.some((r) => r.name === 'after' && r.status === 'finished'), 'the new run is recorded');
      const salvaged = list.filter((r) => r.id.startsWith('run-'));
      assert.deepEqual(salvaged.map((r) => r.id).sort(), seen.filter((r) => r.id.startsWith('run-')).map((r) => r.id).sort(), 'the writer kept what the readers saw');
      assert.ok(salvaged.length > 0, 'something was salvaged');
      const doc = exptrack(['doctor'], ws);
      assert.match(doc.stdout, /moved aside: exptrack\.db\.corrupt-[^,\s]+ \(/);
      assert.match(doc.stdout, /salvaged: .*(could not be recovered|every row was recovered), see exptrack\.db\.corrupt-.*\.salvage\.txt/);
      assert.match(doc.stdout, /integrity:\s+ok/);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), [], 'journals do not pile up');

      // What was salvaged is what was recorded (no value from a damaged page), points files included.
      const store = await Store.open(dir, { readOnly: true, logger: quiet });
      let whole = 0;
      for (const r of salvaged) {
        const i = Number(r.id.slice(4));
        const d = store.getRun(r.id, { series: ['loss'] })!;
        if (d.tags['exptrack.salvaged'] === undefined) {
          assert.equal(d.name, `name-${i}`);
          assert.equal(d.command, `python train.py --seed ${i}`);
          assert.equal(d.status, 'finished');
        }
        if (Object.keys(d.params).length) assert.deepEqual(d.params, { lr: i / 1000, seed: i, opt: 'adam' });
        if (d.metrics.loss) {
          assert.deepEqual(d.metrics.loss, { last: i + 0.19, min: i, max: i + 0.19, count: 20, lastStep: 19 });
          assert.deepEqual(d.series!.loss.map((p) => p[1]), Array.from({ length: 20 }, (_, k) => i + k / 100));
        }
        if (Object.keys(d.params).length && d.metrics.loss && d.tags.group === `g${i % 5}` && d.status === 'finished') whole++;
      }
      console.log(`      ${how}: ${salvaged.length}/${runs} runs salvaged, ${whole} whole`);
      if (how !== 'cut in half') assert.ok(salvaged.length >= runs * 0.7, `most runs are salvaged (${salvaged.length})`);
      await store.close();
    });
  }

  it('not a database at all: the points files stay listed under placeholder runs, which a journal restores', async () => {
    await recordStore(dir);
    const file = path.join(dir, 'exptrack.db');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(fs.statSync(file).size, 7)]));
    const errors: string[] = [];
    const s = await Store.open(dir, { logger: { ...quiet, error: (m) => errors.push(m) } });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /moved to exptrack\.db\.corrupt-/);
    const runs = s.listRuns({ limit: 1000 });
    assert.equal(runs.length, 150, 'a placeholder for every run with a points file');
    const d = s.getRun(runId(7), { series: ['loss'] })!;
    assert.equal(d.tags['exptrack.salvaged'] !== undefined, true);
    assert.equal(d.experiment, 'salvaged');
    assert.deepEqual(d.metrics.loss, { last: 7.19, min: 7, max: 7.19, count: 20, lastStep: 19 });
    assert.deepEqual(d.series!.loss.map((p) => p[1]), Array.from({ length: 20 }, (_, k) => 7 + k / 100));
    // A journal still holding the run's start record gives the placeholder its real fields back.
    s.sink.startRun(start(7));
    await s.flush();
    const back = s.getRun(runId(7))!;
    assert.equal(back.name, 'name-7');
    assert.equal(back.experiment, 'exp1');
    assert.equal(back.tags['exptrack.salvaged'], undefined);
    assert.equal(back.metrics.loss.count, 20);
    await s.close();
  });

  it('a statement failing as on a damaged image reloads the file, checked, and never saves that image', async () => {
    const problems: string[] = [];
    const s = await Store.open(dir, { logger: { ...quiet, warn: (m) => problems.push(m) } });
    s.sink.startRun(start(1));
    await s.flush();
    const file = path.join(dir, 'exptrack.db');
    const good = fs.readFileSync(file);
    // Damage the image in memory only: the runs table now points past the end of the file.
    const image = (s as unknown as { image: { db: { exec(sql: string): { values: unknown[][] }[] } } }).image;
    const cookie = Number(image.db.exec('PRAGMA schema_version')[0].values[0][0]);
    image.db.exec(`PRAGMA writable_schema = ON; UPDATE sqlite_master SET rootpage = 100000 WHERE name = 'runs'; PRAGMA schema_version = ${cookie + 1}; PRAGMA writable_schema = OFF`);
    s.sink.startRun(start(2));
    await s.flush();
    assert.ok(problems.some((p) => /malformed.*reloading and checking it/.test(p)), problems.join('\n'));
    assert.deepEqual(fs.readFileSync(file), good, 'the damaged image was not saved');
    await s.flush();
    assert.deepEqual(s.listRuns().map((r) => r.id).sort(), [runId(1), runId(2)]);
    await s.close();
    const SQL = await loadSqlJs();
    const saved = new SQL.Database(fs.readFileSync(file));
    assert.deepEqual(checkImage(saved), []);
    saved.close();
    assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('exptrack.db.corrupt-')).length, 0, 'the file itself was sound: nothing moved aside');
  });

  it('reads past a damaged page: rows on either side of it are kept', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec('PRAGMA page_size = 1024; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    db.exec('BEGIN');
    for (let i = 1; i <= 2000; i++) db.run('INSERT INTO t VALUES (?, ?)', [i, `row ${i} ${'.'.repeat(100)}`]);
    db.exec('COMMIT');
    const image = db.export();
    db.close();
    // Find a leaf page holding rows of the middle, and overwrite it.
    const text = Buffer.from(image);
    const at = text.indexOf('row 1000 ');
    const page = Math.floor(at / 1024);
    text.fill(0x5a, page * 1024, (page + 1) * 1024);
    const damaged = new SQL.Database(text);
    assert.notDeepEqual(checkImage(damaged), []);
    const into = new SQL.Database();
    into.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const r = salvageRows(damaged, into, path.join(ws, 'none'));
    const ids = (into.exec('SELECT id FROM t ORDER BY id')[0]?.values ?? []).map((v) => Number(v[0]));
    assert.ok(ids.includes(1) && ids.includes(2000), 'rows before and after the damaged page');
    assert.ok(!ids.includes(1000), 'the rows of the damaged page are gone');
    assert.ok(ids.length >= 1980, `only about a page of rows is lost (${ids.length})`);
    assert.equal(r.lost.length, 1);
    assert.match(r.lost[0], /table t: rows after rowid \d+ up to rowid \d+ are unreadable/);
    for (const id of ids) assert.equal(String(into.exec('SELECT body FROM t WHERE id = ?', [id])[0].values[0][0]), `row ${id} ${'.'.repeat(100)}`);
    damaged.close();
    into.close();
  });

  it('recreates a run whose own row is lost, so its rows stay reachable and its rid is never reused', async () => {
    const SQL = await loadSqlJs();
    const from = new SQL.Database();
    migrate(from, 'x');
    from.run("INSERT INTO experiments (id, name, created_at) VALUES (1, 'e', 0)");
    from.run("INSERT INTO runs (rid, id, experiment_id, name, command, cwd, source, status, started_at) VALUES (7, 'r7', 1, 'n', 'c', '/', 'cli', 'finished', 1)");
    from.run("INSERT INTO params (run, key, value, type) VALUES (7, 'lr', '0.1', 'number'), (9, 'lr', '0.2', 'number')");
    const into = new SQL.Database();
    migrate(into, 'x');
    const r = salvageRows(from, into, path.join(ws, 'none'));
    assert.equal(r.recreatedRuns, 1);
    const row = into.exec("SELECT r.id, r.status, e.name, t.key FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN tags t ON t.run = r.rid WHERE r.rid = 9")[0].values[0];
    assert.deepEqual(row, ['salvaged-9', 'interrupted', 'salvaged', 'exptrack.salvaged']);
    from.close();
    into.close();
  });
});
