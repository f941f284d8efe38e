// Issue #19 item 6: journals are folded and read in bounded chunks whatever their size. The bounds
// are parameters (a 4 GB journal has no place in a test): small ones here show they are respected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJournalChunk, readRunPoints } from '../../src/core/store/journalReader';
import { encodeFloats } from '../../src/core/store/journalRecord';
import { thisHost } from '../../src/core/store/processInfo';
import { lockPath, StoreLock } from '../../src/core/store/storeLock';
import { Store } from '../../src/core/store/store';

const quiet = { info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };
const points = 60_000;
const perRecord = 1000;
const keys = ['loss', 'acc'];
const limits = { foldChunkBytes: 4096, foldPendingPoints: 5000, pointsFileRows: 12_000 };

/** A journal of a writer that is gone (a dead pid): one run of `points` points over two keys. */
function writeJournal(dir: string): string {
  fs.mkdirSync(path.join(dir, 'journal'), { recursive: true });
  const writer = `${thisHost}-999999-big`;
  const file = path.join(dir, 'journal', `${writer}.jsonl`);
  const lines = [
    JSON.stringify({ t: 'w', writer, pid: 999999, host: thisHost, time: 1, v: 1 }),
    JSON.stringify({ t: 'start', run: { id: 'big', experiment: 'e', name: 'big', command: 'c', cwd: '/', startedAt: 1, source: 'cli' } }),
  ];
  for (let at = 0; at < points; at += perRecord) {
    const f = new Float64Array(perRecord * 4);
    for (let i = 0; i < perRecord; i++) {
      const n = at + i;
      f.set([n % 2, n >> 1, n, n * 10], i * 4);
    }
    lines.push(`{"t":"m","r":"big","k":${JSON.stringify(keys)},"b":"${encodeFloats(f)}"}`);
  }
  lines.push(JSON.stringify({ t: 'end', r: 'big', e: { endedAt: 2, exitCode: 0, signal: null, status: 'finished' } }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Every point of the run as recorded: key k has steps 0..points/2-1, value = 2*step + k. */
function expected(key: string): number[] {
  const k = keys.indexOf(key);
  return Array.from({ length: points / 2 }, (_, s) => 2 * s + k);
}

describe('journals folded in bounded chunks (issue #19 item 6)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-chunks-')), '.exptrack'); });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('reads a journal a chunk at a time: never more than the bound, or one line when a line is longer', () => {
    const file = writeJournal(dir);
    const size = fs.statSync(file).size;
    let offset = 0;
    let chunks = 0;
    let lines = 0;
    for (;;) {
      const c = readJournalChunk(file, offset, 4096);
      const bytes = c.end - offset;
      // A metric line is ~43 KB, longer than the bound: a chunk then grows to hold it, no further.
      const longest = Math.max(0, ...c.lines.map((l) => l.length + 1));
      assert.ok(bytes <= Math.max(4096, 2 * longest), `chunk of ${bytes} bytes (${c.lines.length} lines, longest ${longest})`);
      lines += c.lines.length;
      chunks++;
      offset = c.end;
      if (c.atEof) break;
    }
    assert.equal(offset, size);
    assert.equal(lines, 2 + points / perRecord + 1);
    assert.ok(chunks >= points / perRecord);
  });

  it('a fold holding the lock saves on the way: points files of bounded size, every point kept', async () => {
    writeJournal(dir);
    const s = await Store.open(dir, { logger: quiet, limits });
    await s.close();
    const r = await Store.open(dir, { readOnly: true, logger: quiet });
    const files = r.all('SELECT rows FROM point_files ORDER BY seq').map((x) => Number(x.rows));
    console.log(`      ${points} points folded with at most ${limits.foldPendingPoints} pending: files of ${files.join(', ')} points`);
    assert.ok(files.length > 1, 'saved more than once during the fold');
    for (const n of files) assert.ok(n <= limits.pointsFileRows, `a file of ${n} points (bound ${limits.pointsFileRows})`);
    assert.equal(files.reduce((a, b) => a + b, 0), points);
    const d = r.getRun('big', { series: keys })!;
    assert.equal(d.status, 'finished');
    assert.deepEqual(d.metrics.loss, { last: points - 2, min: 0, max: points - 2, count: points / 2, lastStep: points / 2 - 1 });
    for (const k of keys) assert.deepEqual(d.series![k].map((p) => p[1]), expected(k));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), [], 'the journal is retired once folded and saved');
    await r.close();
  });

  it('a reader keeps at most the bound in memory and reads the rest from the journal again when asked', async () => {
    const file = writeJournal(dir);
    const r = await Store.open(dir, { readOnly: true, logger: quiet, limits });
    const image = (r as unknown as { image: { points: { pendingPoints(): number; spilled: Set<number> } } }).image;
    assert.ok(image.points.pendingPoints() <= limits.foldPendingPoints + perRecord, `pending ${image.points.pendingPoints()}`);
    assert.equal(image.points.spilled.size, 1);
    const d = r.getRun('big', { series: keys })!;
    assert.equal(d.metrics.acc.count, points / 2);
    for (const k of keys) assert.deepEqual(d.series![k].map((p) => p[1]), expected(k));
    assert.equal(r.series('big', 'loss', { maxPoints: 100 }).steps.length <= 102, true);
    // The same read straight from the journal, in small chunks.
    const again = readRunPoints([{ file, from: 0, to: fs.statSync(file).size }], 'big', 'acc', 4096);
    assert.deepEqual(Array.from(again.values), expected('acc'));
    await r.close();
    assert.ok(!fs.existsSync(path.join(dir, 'exptrack.db')), 'a reader writes nothing');
  });

  it('a writer that spilled without the lock folds again and saves everything once it gets the lock', async () => {
    writeJournal(dir);
    const other = new StoreLock(lockPath(dir), 'someone-else');
    assert.ok(other.tryAcquire());
    const s = await Store.open(dir, { logger: quiet, limits });
    assert.equal(s.getRun('big', { series: ['acc'] })!.series!.acc.length, points / 2, 'complete while spilled');
    other.release();
    await s.close();
    const r = await Store.open(dir, { readOnly: true, logger: quiet });
    const rows = r.all('SELECT sum(rows) AS n FROM point_files')[0].n;
    assert.equal(Number(rows), points, 'every point saved');
    const d = r.getRun('big', { series: keys })!;
    for (const k of keys) assert.deepEqual(d.series![k].map((p) => p[1]), expected(k));
    await r.close();
  });
});
