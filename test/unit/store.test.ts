import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricPoint, RunStart } from '../../src/core/model';
import { JournalAppender } from '../../src/core/store/journalAppender';
import { Store } from '../../src/core/store/store';
import { loadSqlJs } from '../../src/core/sqlite';
import { schemaVersion } from '../../src/core/store/schema';

const madeDirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-store-'));
  madeDirs.push(d);
  return d;
}
after(() => { for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true }); });

function captureLogger(): { logger: { info(m: string): void; warn(m: string): void; error(m: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } };
}

function runStart(id: string, extra: Partial<RunStart> = {}): RunStart {
  return { id, experiment: 'exp', name: `name-${id}`, command: 'python train.py --lr 3e-4', cwd: '/w', startedAt: 1_700_000_000_000, source: 'cli', ...extra };
}

describe('Store', () => {
  let dir: string;
  beforeEach(() => { dir = path.join(tempDir(), '.exptrack'); });

  it('round-trips a run through journal, fold, save and a fresh open', async () => {
    const { logger } = captureLogger();
    const s = await Store.open(dir, { logger });
    s.sink.startRun(runStart('r1'));
    s.sink.params('r1', { lr: 3e-4, opt: 'adam', deep: true, none: null });
    s.sink.metrics('r1', [
      { key: 'loss', step: 0, value: 1.5, time: 1 },
      { key: 'loss', step: 1, value: 0.5, time: 2 },
      { key: 'loss', step: 2, value: 0.9, time: 3 },
      { key: 'acc', step: 2, value: 0.7, time: 3 },
    ]);
    s.sink.tags('r1', { best: 'yes' });
    s.sink.artifact('r1', { path: 'data/train.csv', role: 'input', kind: 'dataset', sha256: 'abc', size: 10, mtime: 5 });
    s.sink.artifact('r1', { path: 'out/model.pt', role: 'output', kind: 'model', sha256: 'def', size: 20, mtime: 6 });
    s.sink.environment('r1', { python: '3.11', os: 'linux' });
    s.sink.git('r1', { commit: 'c0ffee', branch: 'main', remote: null, dirty: true, snapshot: 'snap' });
    s.sink.codeFiles('r1', { 'train.py': 'print(1)\n' });
    s.sink.endRun('r1', { endedAt: 1_700_000_010_000, exitCode: 0, signal: null, status: 'finished' });
    await s.close();
    assert.ok(fs.existsSync(path.join(dir, 'exptrack.db')));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), [], 'a closed writer journal is deleted once folded and saved');

    const r = await Store.open(dir, { readOnly: true, logger });
    const d = r.getRun('r1', { series: ['loss'] })!;
    assert.equal(d.status, 'finished');
    assert.equal(d.exitCode, 0);
    assert.equal(d.durationMs, 10_000);
    assert.deepEqual(d.params, { deep: true, lr: 3e-4, none: null, opt: 'adam' });
    assert.deepEqual(d.metrics.loss, { last: 0.9, min: 0.5, max: 1.5, count: 3, lastStep: 2 });
    assert.deepEqual(d.tags, { best: 'yes' });
    assert.deepEqual(d.git, { commit: 'c0ffee', branch: 'main', remote: null, dirty: true, snapshot: 'snap' });
    assert.deepEqual(d.environment, { python: '3.11', os: 'linux' });
    assert.deepEqual(d.artifacts.map((a) => [a.path, a.role, a.kind, a.sha256]), [['data/train.csv', 'input', 'dataset', 'abc'], ['out/model.pt', 'output', 'model', 'def']]);
    assert.deepEqual(d.series!.loss, [[0, 1.5, 1], [1, 0.5, 2], [2, 0.9, 3]]);
    assert.deepEqual(r.getCodeFiles('r1'), { 'train.py': 'print(1)\n' });
    const arts = r.listArtifacts();
    assert.deepEqual(arts.find((a) => a.path === 'out/model.pt')!.producedBy, ['r1']);
    await r.close();
  });

  it('writes a real SQLite file that another SQLite reads', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.metrics('r1', [{ key: 'loss', step: 1, value: 0.25, time: 9 }]);
    await s.close();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(path.join(dir, 'exptrack.db')));
    assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], schemaVersion);
    // Points live in the run's points files; the catalog keeps the summary and lists the files.
    assert.deepEqual(db.exec('SELECT r.id, k.key, k.last, k.count FROM metric_summary k JOIN runs r ON r.rid = k.run')[0].values, [['r1', 'loss', 0.25, 1]]);
    assert.deepEqual(db.exec('SELECT count(*), sum(rows) FROM point_files')[0].values, [[1, 1]]);
    assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    db.close();
  });

  it('reads a file that a sqlite3 tool switched to WAL mode', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('w1'));
    await s.close();
    const file = path.join(dir, 'exptrack.db');
    const bytes = fs.readFileSync(file);
    bytes[18] = 2;
    bytes[19] = 2;
    fs.writeFileSync(file, bytes);
    const { logger, lines } = captureLogger();
    const r = await Store.open(dir, { logger });
    assert.equal(r.getRun('w1')!.name, 'name-w1');
    assert.equal(lines.filter((l) => l.startsWith('error')).length, 0, 'not treated as corrupt');
    await r.close();
  });

  it('counts a step logged again once and drops its old value from min/max (a resumed run)', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.metrics('r1', [0, 1, 2, 3].map((step) => ({ key: 'loss', step, value: step === 2 ? -100 : 10 - step, time: step })));
    await s.flush();
    // Resumed from the step-1 checkpoint: steps 2 and 3 come again, then training goes on.
    s.sink.metrics('r1', [2, 3, 4].map((step) => ({ key: 'loss', step, value: 5 - step, time: 10 + step })));
    s.sink.metrics('r1', [{ key: 'acc', step: 0, value: 0.1, time: 1 }, { key: 'acc', step: 0, value: 0.2, time: 2 }]);
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    const d = r.getRun('r1')!;
    assert.deepEqual(d.metrics.loss, { last: 1, min: 1, max: 10, count: 5, lastStep: 4 });
    assert.deepEqual(d.metrics.acc, { last: 0.2, min: 0.2, max: 0.2, count: 1, lastStep: 0 });
    await r.close();
  });

  it('a resumed run that logs thousands of steps again (many fold batches) gets exact summaries, folded and saved', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    const n = 20_000;
    s.sink.metrics('r1', Array.from({ length: n }, (_, step) => ({ key: 'loss', step, value: step === 100 ? 1e6 : 1, time: step })));
    await s.flush();
    // Resumed from step 50: steps 50..n-1 again (step 100's spike replaced), then 500 new steps.
    s.sink.metrics('r1', Array.from({ length: n - 50 + 500 }, (_, i) => ({ key: 'loss', step: 50 + i, value: 2, time: n + i })));
    await s.flush();
    assert.deepEqual(s.getRun('r1')!.metrics.loss, { last: 2, min: 1, max: 2, count: n + 500, lastStep: n + 499 }, 'the writer');
    const reader = await Store.open(dir, { readOnly: true });
    assert.deepEqual(reader.getRun('r1')!.metrics.loss, { last: 2, min: 1, max: 2, count: n + 500, lastStep: n + 499 }, 'a reader of the saved file');
    await reader.close();
    await s.close();
  });

  it('keeps NaN and ±Infinity in metrics, summaries and params', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.params('r1', { a: NaN, b: Infinity, c: -Infinity });
    s.sink.metrics('r1', [
      { key: 'x', step: 0, value: NaN, time: 1 },
      { key: 'x', step: 1, value: Infinity, time: 2 },
      { key: 'x', step: 2, value: -Infinity, time: 3 },
      { key: 'x', step: 3, value: 2, time: 4 },
      { key: 'y', step: 0, value: NaN, time: 1 },
    ]);
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    const d = r.getRun('r1', { series: ['x'] })!;
    assert.deepEqual(d.series!.x.map((p) => p[1]), [NaN, Infinity, -Infinity, 2]);
    assert.deepEqual(d.metrics.x, { last: 2, min: -Infinity, max: Infinity, count: 4, lastStep: 3 });
    assert.ok(Number.isNaN(d.metrics.y.last) && Number.isNaN(d.metrics.y.min) && Number.isNaN(d.metrics.y.max));
    assert.ok(Number.isNaN(d.params.a as number));
    assert.equal(d.params.b, Infinity);
    assert.equal(d.params.c, -Infinity);
    const ser = r.series('r1', 'x');
    assert.ok(Number.isNaN(ser.values[0]));
    assert.equal(ser.values[1], Infinity);
    await r.close();
  });

  it('sees data before any save: a second process view folds live journals in memory', async () => {
    const w = await Store.open(dir, { logger: captureLogger().logger });
    w.sink.startRun(runStart('live'));
    w.sink.metrics('live', [{ key: 'loss', step: 1, value: 3, time: 1 }]);
    await new Promise((r) => setTimeout(r, 80)); // the journal timer writes within ~50 ms
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.getRun('live')!.metrics.loss.last, 3);
    assert.equal(r.getRun('live')!.status, 'running');
    await r.close();
    await w.close();
  });

  it('marks the running runs of a writer that is gone as interrupted', async () => {
    const j = path.join(dir, 'journal');
    fs.mkdirSync(j, { recursive: true });
    // A writer whose pid cannot exist on this host.
    const lines = [
      { t: 'w', writer: 'ghost', pid: 2 ** 30, host: os.hostname(), time: 1 },
      { t: 'start', run: runStart('g1') },
      { t: 'm', r: 'g1', k: ['loss'], p: [0, 1, 0.5, 1] },
    ].map((x) => JSON.stringify(x)).join('\n') + '\n{"t":"m","r":"g1","k":["lo';
    fs.writeFileSync(path.join(j, 'ghost.jsonl'), lines);
    const { logger, lines: log } = captureLogger();
    const s = await Store.open(dir, { logger });
    const d = s.getRun('g1')!;
    assert.equal(d.status, 'interrupted');
    assert.equal(d.metrics.loss.last, 0.5);
    await s.flush();
    assert.ok(!fs.existsSync(path.join(j, 'ghost.jsonl')), 'the gone writer journal is deleted after the save');
    assert.ok(log.some((l) => l.includes('incomplete last line')));
    await s.close();
  });

  it('folds the last lines a writer wrote just before it exited, instead of marking its run interrupted', async () => {
    // The race: a reader measures a journal, folds it (yielding on the way), finds its writer gone;
    // meanwhile the writer appended its run's end and exited. Those lines must still be folded.
    const j = path.join(dir, 'journal');
    fs.mkdirSync(j, { recursive: true });
    const f = path.join(j, 'quitter.jsonl');
    // 50k points in under 1 MB: read in one chunk, and applying them takes the fold past its 10 ms
    // budget, so it yields to the event loop after its last read.
    const points = Array.from({ length: 200 }, (_, i) => JSON.stringify({ t: 'm', r: 'q1', k: ['loss'], p: Array.from({ length: 250 }, (_2, n) => [0, i * 250 + n, 1, 1]).flat() }));
    const content = [{ t: 'w', writer: 'quitter', pid: 2 ** 30, host: os.hostname(), time: 1 }, { t: 'start', run: runStart('q1') }]
      .map((x) => JSON.stringify(x)).concat(points).join('\n') + '\n';
    const { logger, lines: log } = captureLogger();
    const s = await Store.open(dir, { logger, readOnly: true });
    try {
      fs.writeFileSync(f, content);
      assert.ok(content.length < 1 << 20);
      const folding = s.refresh();
      // Runs at the fold's first yield: after it read the journal, before it decides the writer is done.
      setImmediate(() => fs.appendFileSync(f, `${JSON.stringify({ t: 'end', r: 'q1', e: { status: 'finished', exitCode: 0, signal: null, endedAt: 9 } })}\n${JSON.stringify({ t: 'x', time: 9 })}\n`));
      await folding;
      await s.refresh();
      const d = s.getRun('q1')!;
      assert.equal(d.status, 'finished', log.join('\n'));
      assert.equal(d.metrics.loss.count, 50_000);
      assert.ok(!log.some((l) => l.includes('marked interrupted')), log.join('\n'));
    } finally {
      await s.close();
    }
  });

  it('leaves a journal of a newer format alone, says so once, and folds it no further', async () => {
    const j = path.join(dir, 'journal');
    fs.mkdirSync(j, { recursive: true });
    const f = path.join(j, 'future.jsonl');
    const content = [
      { t: 'w', writer: 'future', pid: 2 ** 30, host: os.hostname(), time: 1, v: 99 },
      { t: 'start', run: runStart('f1') },
      { t: 'm2', r: 'f1', whatever: 'a record this code cannot read' },
    ].map((x) => JSON.stringify(x)).join('\n') + '\n';
    fs.writeFileSync(f, content);
    const { logger, lines: log } = captureLogger();
    const s = await Store.open(dir, { logger });
    assert.equal(s.getRun('f1'), undefined, 'nothing of it folded');
    await s.refresh();
    await s.flush();
    await s.close();
    assert.equal(fs.readFileSync(f, 'utf8'), content, 'the journal is kept as it was');
    assert.equal(log.filter((l) => l.includes('future.jsonl has format 99')).length, 1, log.join('\n'));
    // This code's own journals say which format they are in.
    const w = await Store.open(dir, { logger: captureLogger().logger });
    const own = fs.readdirSync(j).filter((n) => n !== 'future.jsonl').map((n) => JSON.parse(fs.readFileSync(path.join(j, n), 'utf8').split('\n')[0]));
    assert.ok(own.length >= 1 && own.every((h) => h.t === 'w' && h.v === 1), JSON.stringify(own));
    await w.close();
  });

  it('does not lose a torn last line that completes later', async () => {
    const j = path.join(dir, 'journal');
    fs.mkdirSync(j, { recursive: true });
    const f = path.join(j, 'other.jsonl');
    fs.writeFileSync(f, `${JSON.stringify({ t: 'w', writer: 'other', pid: process.pid, host: os.hostname(), time: 1 })}\n${JSON.stringify({ t: 'start', run: runStart('t1') })}\n{"t":"m","r":"t1","k":["loss"],"p":[0,1,`);
    const s = await Store.open(dir, { logger: captureLogger().logger });
    assert.deepEqual(s.getRun('t1')!.metrics, {});
    fs.appendFileSync(f, '0.125,5]}\n');
    assert.equal(await s.refresh(), true);
    assert.equal(s.getRun('t1')!.metrics.loss.last, 0.125);
    await s.flush();
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.getRun('t1')!.metrics.loss.count, 1, 'applied once');
    await r.close();
  });

  it('never applies a journal twice across saves, reopen and refold', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger, writerId: 'w1' });
    s.sink.startRun(runStart('r1'));
    for (let i = 0; i < 5; i++) {
      s.sink.metrics('r1', [{ key: 'loss', step: i, value: i, time: i }]);
      await s.flush();
    }
    const other = await Store.open(dir, { logger: captureLogger().logger, writerId: 'w2' });
    await other.flush();
    assert.equal(other.getRun('r1')!.metrics.loss.count, 5);
    await other.close();
    await s.refresh();
    assert.equal(s.getRun('r1')!.metrics.loss.count, 5);
    await s.close();
  });

  it('moves a corrupt database aside, says so once, and records on', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'exptrack.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(5000, 7)]));
    const { logger, lines } = captureLogger();
    const s = await Store.open(dir, { logger });
    const errors = lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /corrupt.*moved to exptrack\.db\.corrupt-/);
    assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('exptrack.db.corrupt-')).length, 2, 'the file and its salvage report');
    assert.equal(fs.readdirSync(dir).filter((f) => /^exptrack\.db\.corrupt-.*\.salvage\.txt$/.test(f)).length, 1);
    s.sink.startRun(runStart('after'));
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.listRuns().length, 1);
    assert.equal(r.doctor().corruptFiles.length, 1);
    await r.close();
  });

  it('refuses a database newer than the code and leaves it untouched', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec('CREATE TABLE future (x); PRAGMA user_version = 99');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'exptrack.db');
    fs.writeFileSync(file, db.export());
    db.close();
    const before = fs.readFileSync(file);
    await assert.rejects(Store.open(dir, { logger: captureLogger().logger }), /schema version 99, newer than this exptrack understands \(3\).*left untouched/);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'lock released');
  });

  it('resolves ids, prefixes, names, @last and @last~N with clear errors', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('abc111', { name: 'baseline', startedAt: 1 }));
    s.sink.startRun(runStart('abc222', { name: 'wide', startedAt: 2 }));
    s.sink.startRun(runStart('def333', { name: 'wide', startedAt: 3 }));
    await s.flush();
    assert.equal(s.resolveRun('abc111'), 'abc111');
    assert.equal(s.resolveRun('abc1'), 'abc111');
    assert.equal(s.resolveRun('baseline'), 'abc111');
    assert.equal(s.resolveRun('@last'), 'def333');
    assert.equal(s.resolveRun('@last~2'), 'abc111');
    assert.throws(() => s.resolveRun('abc'), /'abc' is ambiguous, it matches 2 runs/);
    assert.throws(() => s.resolveRun('wide'), /ambiguous/);
    assert.throws(() => s.resolveRun('zzz'), /no run matches 'zzz'/);
    assert.throws(() => s.resolveRun('@last~3'), /no run @last~3: there are 3 runs/);
    await s.close();
  });

  it('lists runs newest first with summaries, by experiment, filter and limit', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    for (let i = 0; i < 5; i++) {
      s.sink.startRun(runStart(`r${i}`, { experiment: i % 2 ? 'odd' : 'even', startedAt: 1000 + i }));
      s.sink.metrics(`r${i}`, [{ key: 'acc', step: 1, value: i / 10, time: 1 }]);
    }
    s.sink.endRun('r3', { endedAt: 2000, exitCode: 1, signal: null, status: 'failed' });
    await s.flush();
    assert.deepEqual(s.listRuns().map((r) => r.id), ['r4', 'r3', 'r2', 'r1', 'r0']);
    assert.deepEqual(s.listRuns({ experiment: 'odd' }).map((r) => r.id), ['r3', 'r1']);
    assert.deepEqual(s.listRuns({ limit: 2 }).map((r) => r.id), ['r4', 'r3']);
    assert.deepEqual(s.listRuns({ filter: 'metrics.acc >= 0.2 and not status = failed' }).map((r) => r.id), ['r4', 'r2']);
    assert.equal(s.listRuns()[1].metrics.acc.last, 0.3);
    assert.deepEqual(s.listExperiments().map((e) => [e.name, e.runs]), [['even', 3], ['odd', 2]]);
    await s.close();
  });

  it('renames, tags, notes and deletes through the journal, visible at once and after reopen', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    s.sink.startRun(runStart('r2'));
    s.sink.metrics('r2', [{ key: 'loss', step: 1, value: 1, time: 1 }]);
    await s.flush();
    const events: string[][] = [];
    s.onDidChange((e) => events.push(e.runs));
    s.renameRun('r1', 'better <b>"name"</b>');
    s.setTags('r1', { best: 'yes', drop: 'x' });
    s.setTags('r1', { drop: null });
    s.setNote('r1', '# why\nbecause');
    s.deleteRun('r2');
    assert.equal(s.getRun('r1')!.name, 'better <b>"name"</b>');
    assert.deepEqual(s.getRun('r1')!.tags, { best: 'yes' });
    assert.equal(s.getRun('r1')!.note, '# why\nbecause');
    assert.equal(s.getRun('r2'), undefined);
    assert.ok(events.length >= 5);
    assert.throws(() => s.renameRun('nope', 'x'), /no run nope/);
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.getRun('r1')!.name, 'better <b>"name"</b>');
    assert.deepEqual(r.getRun('r1')!.tags, { best: 'yes' });
    assert.equal(r.getRun('r2'), undefined);
    assert.equal(r.listRuns().length, 1);
    await r.close();
  });

  it('does not bring back a deleted run when an older journal is folded later', async () => {
    const a = await Store.open(dir, { logger: captureLogger().logger, writerId: 'a' });
    a.sink.startRun(runStart('r1'));
    await a.flush();
    a.deleteRun('r1');
    await a.close();
    // A journal holding r1's start, folded after the delete.
    const j = path.join(dir, 'journal', 'late.jsonl');
    fs.writeFileSync(j, `${JSON.stringify({ t: 'start', run: runStart('r1') })}\n${JSON.stringify({ t: 'x', time: 1 })}\n`);
    const b = await Store.open(dir, { logger: captureLogger().logger });
    assert.equal(b.getRun('r1'), undefined);
    await b.close();
  });

  it('takes bad input without throwing: 10,000 keys, odd names, huge strings, garbage', async () => {
    const { logger, lines } = captureLogger();
    const s = await Store.open(dir, { logger });
    const weird = `name with spaces 'single' "double" <script>alert(1)</script> & ünïcödé 🚀`;
    s.sink.startRun(runStart('r1', { name: weird, experiment: weird }));
    const points: MetricPoint[] = [];
    for (let i = 0; i < 10_000; i++) points.push({ key: `key_${i} ${weird}`, step: 0, value: i, time: 1 });
    s.sink.metrics('r1', points);
    s.sink.params('r1', { [weird]: weird, huge: 'x'.repeat(5_000_000) });
    s.sink.metrics('r1', [{ key: '', step: 1, value: 1, time: 1 }, { key: 'ok', step: NaN, value: 1, time: 1 }, null as unknown as MetricPoint, { key: 'ok', step: 1, value: 'no' as unknown as number, time: 1 }]);
    s.sink.metrics(undefined as unknown as string, points);
    s.sink.params('r1', null as unknown as Record<string, string>);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    s.sink.environment('r1', circular);
    s.sink.endRun('r1', { endedAt: 5, exitCode: null, signal: 'SIGKILL', status: 'bogus' as never });
    await s.close();
    assert.ok(lines.some((l) => l.includes('skipped 4 metric point(s)')));
    const r = await Store.open(dir, { readOnly: true });
    const d = r.getRun('r1')!;
    assert.equal(Object.keys(d.metrics).length, 10_000);
    assert.equal(d.name, weird);
    assert.equal(d.experiment, weird);
    assert.equal((d.params.huge as string).length, 5_000_000);
    assert.equal(d.params[weird], weird);
    assert.equal(d.status, 'finished');
    assert.equal(r.listRuns({ filter: `name ~ "<script>"` }).length, 1);
    await r.close();
  });

  it('downsamples long series keeping extremes and the exact last point', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('r1'));
    const pts: MetricPoint[] = [];
    for (let i = 0; i < 100_000; i++) pts.push({ key: 'loss', step: i, value: i === 5_000 ? 1e9 : i === 77_777 ? -1e9 : Math.sin(i), time: i });
    s.sink.metrics('r1', pts);
    await s.flush();
    const full = s.series('r1', 'loss');
    assert.equal(full.steps.length, 100_000);
    const ds = s.series('r1', 'loss', { maxPoints: 500 });
    assert.ok(ds.steps.length <= 502 && ds.steps.length > 400, `${ds.steps.length}`);
    assert.ok(ds.values.includes(1e9) && ds.values.includes(-1e9));
    assert.equal(ds.steps[ds.steps.length - 1], 99_999);
    assert.equal(ds.values[ds.values.length - 1], Math.sin(99_999));
    const window = s.series('r1', 'loss', { fromStep: 10, toStep: 19 });
    assert.deepEqual(Array.from(window.steps), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.equal(s.getRun('r1')!.metrics.loss.count, 100_000);
    await s.close();
  });

  it('reports integrity, journals, sizes and schema version in doctor()', async () => {
    const s = await Store.open(dir, { logger: captureLogger().logger, writerId: 'doc' });
    s.sink.startRun(runStart('r1'));
    await s.flush();
    const d = s.doctor();
    assert.deepEqual(d.integrity, ['ok']);
    assert.equal(d.schemaVersion, schemaVersion);
    assert.equal(d.runs, 1);
    assert.equal(d.runningRuns, 1);
    assert.ok(d.dbBytes! > 0);
    const own = d.journals.find((j) => j.writer === 'doc')!;
    assert.equal(own.alive, true);
    assert.equal(own.pendingBytes, 0);
    assert.equal(own.pid, process.pid);
    assert.equal(d.lock, null);
    await s.close();
  });

  it('keeps every point and a clean file while the database outgrows its in-memory headroom', async function () {
    this.timeout(60_000);
    const s = await Store.open(dir, { logger: captureLogger().logger });
    s.sink.startRun(runStart('big'));
    let n = 0;
    for (let round = 0; round < 16; round++) {
      const pts: MetricPoint[] = [];
      for (let i = 0; i < 100_000; i++, n++) pts.push({ key: `k${n % 10}`, step: Math.floor(n / 10), value: n, time: n });
      s.sink.metrics('big', pts);
      // Points no longer grow the catalog: code snapshots do (1.5 MB a round, the rows of 16 runs).
      s.sink.startRun(runStart(`code${round}`));
      s.sink.codeFiles(`code${round}`, { 'train.py': `# ${round}\n${'x'.repeat(1_500_000)}` });
      // The first 800k points in one fold (it outgrows the headroom between commits, not at a save),
      // the rest saved round by round.
      if (round >= 7) await s.flush();
    }
    assert.ok(s.doctor().dbBytes! > 16 * 1024 * 1024, 'past the first headroom');
    assert.equal(s.getRun('big')!.metrics.k3.count, 160_000);
    assert.deepEqual(s.doctor().integrity, ['ok']);
    await s.close();
    const SQL = await loadSqlJs();
    const file = fs.readFileSync(path.join(dir, 'exptrack.db'));
    const db = new SQL.Database(file);
    assert.equal(db.exec('PRAGMA integrity_check')[0].values[0][0], 'ok');
    assert.equal(Number(db.exec('PRAGMA page_count')[0].values[0][0]) * Number(db.exec('PRAGMA page_size')[0].values[0][0]), file.length, 'no padding saved');
    assert.equal(db.exec('SELECT sum(rows) FROM point_files')[0].values[0][0], 1_600_000);
    assert.equal(db.exec('SELECT count(*) FROM code_files')[0].values[0][0], 16);
    db.close();
  });

  it('removes the temp files of a save or a lock change that a crash interrupted, once old', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const old = new Date(Date.now() - 120_000);
    const leftovers = ['.exptrack.db.tmp-deadwriter', 'lock.new-123-abc', 'lock.stale-123-def'].map((f) => path.join(dir, f));
    for (const f of leftovers) {
      fs.writeFileSync(f, 'half written');
      fs.utimesSync(f, old, old);
    }
    const recent = path.join(dir, 'lock.new-456-ghi'); // another process may be taking the lock right now
    fs.writeFileSync(recent, '{}');
    const s = await Store.open(dir, { logger: captureLogger().logger });
    await s.flush();
    assert.deepEqual(leftovers.filter((f) => fs.existsSync(f)), []);
    assert.equal(fs.existsSync(recent), true);
    await s.close();
  });

  it('keeps the last good file and retries when a save fails', async () => {
    const { logger, lines } = captureLogger();
    const s = await Store.open(dir, { logger });
    s.sink.startRun(runStart('r1'));
    await s.flush();
    const file = path.join(dir, 'exptrack.db');
    const good = fs.readFileSync(file);
    // Simulate a failing write: a directory where the temp file goes.
    const tmp = path.join(dir, `.exptrack.db.tmp-${s.writerId}`);
    fs.mkdirSync(tmp);
    s.sink.startRun(runStart('r2'));
    await s.flush();
    assert.deepEqual(fs.readFileSync(file), good);
    assert.equal(lines.filter((l) => l.startsWith('error') && l.includes('could not save')).length, 1);
    assert.equal(s.listRuns().length, 2, 'still in memory and in the journal');
    assert.ok(s.doctor().problems.some((p) => /saving has failed since .*journals hold everything/.test(p)), 'doctor says so');
    fs.rmdirSync(tmp);
    await s.flush();
    assert.deepEqual(s.doctor().problems, [], 'and stops saying so once a save succeeds');
    await s.close();
    const r = await Store.open(dir, { readOnly: true });
    assert.equal(r.listRuns().length, 2);
    await r.close();
  });

  it('a journal-only writer (exptrack run) goes on in new files past its size; its running run stays running and nothing is lost', async () => {
    const { logger, lines: warnings } = captureLogger();
    const a = JournalAppender.open(dir, logger, { rotateBytes: 8 * 1024 });
    a.sink.startRun(runStart('long'));
    for (let b = 0; b < 40; b++) {
      a.sink.metrics('long', Array.from({ length: 100 }, (_, i) => ({ key: i % 2 ? 'acc' : 'loss', step: b * 50 + (i >> 1), value: b + i / 1000, time: 1 })));
    }
    a.flush();
    const files = fs.readdirSync(path.join(dir, 'journal')).sort();
    assert.ok(files.length >= 10, `rotated into ${files.length} file(s)`);
    assert.ok(files.every((f) => f.startsWith(a.writerId)), files.join(' '));
    // The editor folds meanwhile: every point, the run still running (its writer lives on in the newest file).
    const s = await Store.open(dir, { logger });
    await s.flush();
    const live = s.getRun('long')!;
    assert.equal(live.status, 'running');
    assert.equal(live.metrics.loss.count, 2000);
    assert.equal(live.metrics.acc.count, 2000);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')).filter((f) => f.startsWith(a.writerId)), [path.basename(a.file)], 'full files are deleted once folded and saved');
    a.sink.endRun('long', { endedAt: 1_700_000_010_000, exitCode: 0, signal: null, status: 'finished' });
    a.close();
    await s.refresh();
    await s.flush();
    assert.equal(s.getRun('long')!.status, 'finished');
    assert.equal(s.getRun('long')!.metrics.loss.count, 2000);
    await s.close();
    assert.deepEqual(warnings.filter((w) => !w.startsWith('info')), []);
  });

  it('a journal deleted under a journal-only writer is written again from memory: the newest metric records, the older points counted and the run tagged', async () => {
    const { logger, lines: messages } = captureLogger();
    // 1 MB kept: 200 records of 1,000 points (~8.6 MB of lines) overflow it, and one record is longer than all of it.
    const a = JournalAppender.open(dir, logger, { keptMetricBytes: 1024 * 1024 });
    a.sink.startRun(runStart('big'));
    const perRecord = 1000;
    const records = 200;
    for (let r = 0; r < records; r++) {
      const f = new Float64Array(perRecord * 4);
      for (let i = 0; i < perRecord; i++) f.set([0, r * perRecord + i, Math.sin(r + i), 1], i * 4);
      a.sink.metricColumns!('big', r === 150 ? Array.from({ length: 40_000 }, (_, k) => `key_${k}_${'x'.repeat(20)}`).fill('loss', 0, 1) : ['loss'], f);
    }
    a.flush();
    fs.rmSync(path.join(dir, 'journal'), { recursive: true });
    a.sink.endRun('big', { endedAt: 1_700_000_010_000, exitCode: 0, signal: null, status: 'finished' });
    a.close();
    const said = messages.find((m) => m.startsWith('error '));
    const lost = Number(/; (\d+) older metric points were no longer in memory and are lost/.exec(said ?? '')?.[1]);
    assert.ok(lost > 150 * perRecord && lost < records * perRecord, said);
    const s = await Store.open(dir, { logger });
    const run = s.getRun('big')!;
    assert.equal(run.status, 'finished');
    assert.equal(run.metrics.loss.count + lost, perRecord * records, 'every point is journaled again or counted as lost');
    assert.equal(run.metrics.loss.lastStep, perRecord * records - 1, 'the newest are kept');
    assert.match(run.tags['exptrack.incomplete'], new RegExp(`^${lost} metric points were lost when the journal was deleted`));
    await s.close();
  });
});
