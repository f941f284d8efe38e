import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/cli/cliIo';
import { compare, doctor, exportRuns, ls, show } from '../../src/cli/queryCommands';
import { schemaVersion } from '../../src/core/store/schema';
import { Store } from '../../src/core/store/store';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function io(cwd: string, env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { cwd, env, stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, out: () => out, err: () => err };
}

describe('query commands', () => {
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-query-'));
    const s = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
    s.sink.startRun({ id: 'aaaa1111', experiment: 'mnist', name: 'baseline', command: 'python train.py --lr 3e-4', cwd: root, startedAt: Date.UTC(2026, 0, 1), source: 'cli' });
    s.sink.params('aaaa1111', { lr: 3e-4, opt: 'adam' });
    s.sink.metrics('aaaa1111', [{ key: 'acc', step: 1, value: 0.8, time: 10 }, { key: 'acc', step: 2, value: 0.9, time: 20 }, { key: 'bad', step: 1, value: NaN, time: 10 }]);
    s.sink.git('aaaa1111', { commit: 'abcdef1234567', branch: 'main', remote: 'git@x', dirty: false, snapshot: null });
    s.sink.artifact('aaaa1111', { path: 'model.pt', role: 'output', kind: 'model', sha256: 'ff00', size: 42, mtime: 1 });
    s.sink.endRun('aaaa1111', { endedAt: Date.UTC(2026, 0, 1) + 65_000, exitCode: 0, signal: null, status: 'finished' });
    s.sink.startRun({ id: 'bbbb2222', experiment: 'mnist', name: 'wide, "quoted"\u001b[31m', command: 'python train.py --lr 1e-3', cwd: root, startedAt: Date.UTC(2026, 0, 2), source: 'cli' });
    s.sink.params('bbbb2222', { lr: 1e-3, opt: 'adam', extra: '=cmd()' });
    s.sink.metrics('bbbb2222', [{ key: 'acc', step: 1, value: 0.95, time: 10 }]);
    s.sink.endRun('bbbb2222', { endedAt: Date.UTC(2026, 0, 2) + 1000, exitCode: 1, signal: null, status: 'failed' });
    await s.close();
    fs.mkdirSync(path.join(root, 'sub', 'deeper'), { recursive: true });
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('ls finds the store from a subfolder and prints a table', async () => {
    const t = io(path.join(root, 'sub', 'deeper'));
    assert.equal(await ls([], t), 0);
    const lines = t.out().trim().split('\n');
    assert.match(lines[0], /^ID\s+NAME\s+EXPERIMENT\s+STATUS\s+STARTED\s+DURATION\s+METRICS$/);
    assert.match(lines[1], /^bbbb2222\s+wide, "quoted"\?\[31m\s+mnist\s+failed/);
    assert.ok(!t.out().includes('\u001b'), 'no escape sequences reach the terminal');
    assert.match(lines[2], /aaaa1111\s+baseline\s+mnist\s+finished .* 1m 5s\s+acc=0\.9 bad=NaN$/);
  });

  it('ls --json and --filter, with a pointed filter error', async () => {
    const t = io(root);
    assert.equal(await ls(['--json', '--filter', 'status = failed'], t), 0);
    const runs = JSON.parse(t.out());
    assert.equal(runs.length, 1);
    assert.deepEqual(Object.keys(runs[0]).sort(), ['command', 'cwd', 'durationMs', 'endedAt', 'exitCode', 'experiment', 'id', 'metrics', 'name', 'startedAt', 'status']);
    assert.deepEqual(runs[0].metrics.acc, { last: 0.95, min: 0.95, max: 0.95, count: 1, lastStep: 1 });
    const bad = io(root);
    assert.equal(await ls(['--filter', 'metrics.acc >'], bad), 2);
    assert.equal(bad.err(), "exptrack: filter: expected a value after '>' at column 14\n");
    const usage = io(root);
    assert.equal(await ls(['--bogus'], usage), 2);
    assert.match(usage.err(), /unknown option --bogus\nusage: exptrack ls/);
  });

  it('show --json prints the documented shape, NaN as null, series on request', async () => {
    const t = io(root);
    assert.equal(await show(['baseline', '--json', '--series', 'acc'], t), 0);
    const d = JSON.parse(t.out());
    assert.deepEqual(Object.keys(d), ['id', 'name', 'experiment', 'status', 'exitCode', 'command', 'cwd', 'startedAt', 'endedAt', 'durationMs', 'params', 'metrics', 'tags', 'git', 'environment', 'artifacts', 'series']);
    assert.equal(d.id, 'aaaa1111');
    assert.equal(d.durationMs, 65_000);
    assert.deepEqual(d.params, { lr: 3e-4, opt: 'adam' });
    assert.deepEqual(d.metrics.bad, { last: null, min: null, max: null, count: 1, lastStep: 1 });
    assert.deepEqual(d.git, { commit: 'abcdef1234567', branch: 'main', dirty: false, snapshot: null });
    assert.deepEqual(d.artifacts, [{ path: 'model.pt', role: 'output', kind: 'model', sha256: 'ff00', size: 42 }]);
    assert.deepEqual(d.series, { acc: [[1, 0.8, 10], [2, 0.9, 20]] });
    const plain = io(root);
    assert.equal(await show(['@last~1'], plain), 0);
    assert.match(plain.out(), /^run:\s+aaaa1111  baseline$/m);
    assert.match(plain.out(), /^ {2}acc\s+0\.9 {2}\(min 0\.8, max 0\.9, 2 points, last step 2\)$/m);
  });

  it('show reports unknown and ambiguous runs with exit 1', async () => {
    const t = io(root);
    assert.equal(await show(['nope'], t), 1);
    assert.match(t.err(), /no run matches 'nope'/);
    const none = io(root);
    assert.equal(await show([], none), 2);
  });

  it('compare shows changed params and metric deltas against the first run', async () => {
    const t = io(root);
    assert.equal(await compare(['aaaa', 'bbbb'], t), 0);
    assert.match(t.out(), /\* params\.lr\s+0\.0003\s+0\.001/);
    assert.match(t.out(), / {2}params\.opt\s+adam\s+adam/);
    assert.match(t.out(), /metrics\.acc\s+0\.9\s+0\.95 \(\+0\.05\)/);
    const j = io(root);
    assert.equal(await compare(['aaaa', 'bbbb', '--json'], j), 0);
    const c = JSON.parse(j.out());
    assert.deepEqual(c.changedParams, ['extra', 'lr']);
    assert.deepEqual(c.params.extra, [null, '=cmd()']);
    assert.equal(c.metrics.acc[1].last, 0.95);
    assert.equal(c.baseline, 'aaaa1111');
    assert.equal(await compare(['aaaa'], io(root)), 2);
  });

  it('export writes CSV (quoted, spreadsheet-safe) and JSON', async () => {
    const t = io(root);
    assert.equal(await exportRuns([], t), 0);
    const lines = t.out().trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,name,experiment,status,exitCode,command,cwd,startedAt,endedAt,durationMs,gitCommit,params.extra,params.lr,params.opt,metrics.acc,metrics.bad');
    assert.ok(lines[1].startsWith('aaaa1111,baseline,mnist,finished,0,python train.py --lr 3e-4,'));
    assert.ok(lines[1].endsWith(',,0.0003,adam,0.9,NaN'));
    assert.ok(lines[2].includes(`"wide, ""quoted""\u001b[31m"`));
    assert.ok(lines[2].includes(`,'=cmd(),`));
    const j = io(root);
    assert.equal(await exportRuns(['--format', 'json'], j), 0);
    assert.equal(JSON.parse(j.out()).length, 2);
    assert.equal(await exportRuns(['--format', 'xml'], io(root)), 2);
  });

  it('doctor reports a healthy store and honours EXPTRACK_DIR', async () => {
    const t = io('/', { EXPTRACK_DIR: path.join(root, '.exptrack') });
    assert.equal(await doctor([], t), 0, t.err());
    assert.match(t.out(), /integrity:\s+ok/);
    assert.match(t.out(), /contents:\s+1 experiment\(s\), 2 run\(s\) \(0 running\), 4 metric point\(s\)/);
    assert.match(t.out(), new RegExp(`schema version ${schemaVersion} \\(this exptrack: ${schemaVersion}\\)`));
    const j = io(root);
    assert.equal(await doctor(['--json'], j), 0);
    assert.equal(JSON.parse(j.out()).healthy, true);
  });

  it('ls on a damaged database says so, shows what could be salvaged and what the journals hold', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-query-corrupt-'));
    const dir = path.join(ws, '.exptrack');
    const start = (id: string): Parameters<Store['sink']['startRun']>[0] => ({ id, experiment: 'e', name: id, command: 'python t.py', cwd: ws, startedAt: Date.UTC(2026, 0, 1), source: 'cli' });
    const first = await Store.open(dir, { logger: quiet });
    first.sink.startRun(start('folded1'));
    first.sink.startRun(start('folded2'));
    await first.close();
    // A second writer still recording: its run is in its journal only. Then the database file breaks.
    const writer = await Store.open(dir, { logger: quiet });
    writer.sink.startRun(start('journaled'));
    writer.flushJournal();
    const dbFile = path.join(dir, 'exptrack.db');
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(5000, 7)]);
    fs.writeFileSync(dbFile, garbage);
    try {
      const t = io(ws);
      assert.equal(await ls([], t), 0);
      assert.match(t.out(), /journaled/);
      assert.doesNotMatch(t.out(), /no runs recorded yet/);
      assert.match(t.err(), /is damaged \(.*\); showing the 0 row\(s\) salvaged from it \(0 run\(s\)\) and what the journals hold/);
      assert.match(t.err(), /moves it aside to exptrack\.db\.corrupt-<time>/);
      const none = io(ws);
      assert.equal(await ls(['--experiment', 'other'], none), 0);
      assert.equal(none.out(), 'no runs match\n');
      assert.deepEqual(fs.readFileSync(dbFile), garbage, 'a reader leaves the file as it is');
    } finally {
      await writer.close();
    }
    // Journals folded, and no other run: nothing readable at all.
    fs.writeFileSync(dbFile, garbage);
    const empty = io(ws);
    assert.equal(await ls([], empty), 0);
    assert.equal(empty.out(), `no runs readable in ${dir}\n`);
    assert.match(empty.err(), /is damaged/);
    // Once a writer moved it aside, an empty store says where the earlier runs are.
    await (await Store.open(dir, { logger: quiet })).close();
    const moved = io(ws);
    assert.equal(await ls([], moved), 0);
    assert.match(moved.out(), /^no runs recorded yet in .* since a corrupt database was moved aside: the runs recorded before are in .*exptrack\.db\.corrupt-/);
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('works where nothing was recorded yet', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-query-empty-'));
    const t = io(empty);
    assert.equal(await ls([], t), 0);
    assert.match(t.out(), /no runs recorded yet/);
    assert.ok(!fs.existsSync(path.join(empty, '.exptrack')), 'queries never create the store');
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
