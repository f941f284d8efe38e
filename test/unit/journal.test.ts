import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJournalChunk } from '../../src/core/store/journalReader';
import { decodeFloats, encodeFloats } from '../../src/core/store/journalRecord';
import { JournalWriter } from '../../src/core/store/journalWriter';
import { Store } from '../../src/core/store/store';
import { lockState, readLock, StoreLock } from '../../src/core/store/storeLock';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const madeDirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-journal-'));
  madeDirs.push(d);
  return d;
};
after(() => { for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('journal and lock', () => {
  describe('readJournalChunk', () => {
    it('returns complete lines and leaves a torn tail for later', () => {
      const f = path.join(tmp(), 'j.jsonl');
      fs.writeFileSync(f, 'a\nbb\nccc');
      const c = readJournalChunk(f, 0);
      assert.deepEqual(c.lines, ['a', 'bb']);
      assert.equal(c.end, 5);
      assert.equal(c.tail, 3);
      assert.equal(c.atEof, true);
      fs.appendFileSync(f, 'c\n');
      assert.deepEqual(readJournalChunk(f, c.end).lines, ['cccc']);
      assert.deepEqual(readJournalChunk(f, 10).lines, []);
    });

    it('reads a line longer than its chunk size, and chunks a long file', () => {
      const f = path.join(tmp(), 'j.jsonl');
      const long = 'x'.repeat(10_000);
      fs.writeFileSync(f, `${long}\nshort\n`);
      const lines: string[] = [];
      let offset = 0;
      let reads = 0;
      for (;;) {
        const c = readJournalChunk(f, offset, 100);
        lines.push(...c.lines);
        offset = c.end;
        reads++;
        if (c.atEof) break;
      }
      assert.deepEqual(lines, [long, 'short']);
      assert.equal(offset, long.length + 7);
      const g = path.join(path.dirname(f), 'many.jsonl');
      fs.writeFileSync(g, 'line\n'.repeat(1000));
      const first = readJournalChunk(g, 0, 100);
      assert.equal(first.lines.length, 20, 'about maxBytes per read');
      assert.equal(first.atEof, false);
      assert.ok(reads >= 1);
    });

    it('keeps multi-byte characters whole', () => {
      const f = path.join(tmp(), 'j.jsonl');
      fs.writeFileSync(f, '"ünï🚀"\n"é"\n');
      const c = readJournalChunk(f, 0, 3);
      assert.deepEqual(c.lines, ['"ünï🚀"']);
      assert.deepEqual(readJournalChunk(f, c.end).lines, ['"é"']);
    });
  });

  it('encodes metric floats losslessly, NaN and ±Infinity included', () => {
    const v = new Float64Array([0, 1, NaN, 1.7e12, 1, -0.5, Infinity, 2, 2, 1e-300, -Infinity, 3]);
    assert.deepEqual(Array.from(decodeFloats(encodeFloats(v))), Array.from(v));
  });

  describe('StoreLock', () => {
    it('is exclusive and released', () => {
      const f = path.join(tmp(), 'lock');
      const a = new StoreLock(f, 'a');
      const b = new StoreLock(f, 'b');
      assert.equal(a.tryAcquire(), true);
      assert.equal(b.tryAcquire(), false);
      assert.equal(JSON.parse(fs.readFileSync(f, 'utf8')).writer, 'a');
      assert.equal(a.stillHeld(), true);
      a.release();
      assert.equal(fs.existsSync(f), false);
      assert.equal(b.tryAcquire(), true);
      b.release();
    });

    it('breaks a lock whose pid is dead on this host, or that is too old', () => {
      const f = path.join(tmp(), 'lock');
      fs.writeFileSync(f, JSON.stringify({ writer: 'ghost', pid: 2 ** 30, host: os.hostname(), time: Date.now() }));
      assert.equal(lockState(f)!.stale, true);
      const a = new StoreLock(f, 'a');
      assert.equal(a.tryAcquire(), true);
      a.release();
      // Alive (our own pid) but not refreshed for two minutes.
      fs.writeFileSync(f, JSON.stringify({ writer: 'old', pid: process.pid, host: os.hostname(), time: Date.now() - 120_000 }));
      const old = new Date(Date.now() - 120_000);
      fs.utimesSync(f, old, old);
      assert.equal(new StoreLock(f, 'b').tryAcquire(), true);
    });

    it('puts the lock in place whole and leaves no helper file behind', () => {
      const d = tmp();
      const f = path.join(d, 'lock');
      const a = new StoreLock(f, 'a');
      for (let i = 0; i < 200; i++) {
        assert.equal(a.tryAcquire(), true);
        assert.equal(readLock(f)?.writer, 'a');
        a.release();
      }
      assert.deepEqual(fs.readdirSync(d), []);
    });

    it('respects a fresh lock of a live process and an unreadable lock for a few seconds', () => {
      const f = path.join(tmp(), 'lock');
      fs.writeFileSync(f, JSON.stringify({ writer: 'live', pid: process.pid, host: os.hostname(), time: Date.now() }));
      assert.equal(new StoreLock(f, 'a').tryAcquire(), false);
      assert.equal(fs.readFileSync(f, 'utf8').includes('live'), true);
      fs.writeFileSync(f, '');
      assert.equal(new StoreLock(f, 'a').tryAcquire(), false, 'being created right now');
      const old = new Date(Date.now() - 10_000);
      fs.utimesSync(f, old, old);
      assert.equal(new StoreLock(f, 'a').tryAcquire(), true, 'its creator died half-way');
    });

    it('close() waits briefly for a busy lock so the file ends up holding everything', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const s = await Store.open(dir, { logger: quiet });
      const lock = path.join(dir, 'lock');
      fs.writeFileSync(lock, JSON.stringify({ writer: 'other', pid: process.pid, host: os.hostname(), time: Date.now() }));
      s.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      setTimeout(() => fs.unlinkSync(lock), 300);
      await s.close();
      assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), []);
      const r = await Store.open(dir, { readOnly: true });
      assert.equal(r.getRun('r1')!.status, 'interrupted', 'closed without an end: interrupted');
      await r.close();
    });

    it('a store that cannot get the lock keeps journaling and reads current data', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const s = await Store.open(dir, { logger: quiet });
      await s.flush();
      fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ writer: 'other', pid: process.pid, host: os.hostname(), time: Date.now() }));
      const dbBefore = fs.statSync(path.join(dir, 'exptrack.db')).mtimeMs;
      s.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      await s.flush();
      assert.equal(s.getRun('r1')!.status, 'running', 'folded into memory');
      assert.equal(fs.statSync(path.join(dir, 'exptrack.db')).mtimeMs, dbBefore, 'not saved without the lock');
      fs.unlinkSync(path.join(dir, 'lock'));
      await s.close();
      const r = await Store.open(dir, { readOnly: true });
      assert.equal(r.getRun('r1')!.name, 'n');
      await r.close();
    });
  });

  describe('durability and liveness', () => {
    it('puts a point on disk within ~100 ms without any flush', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const s = await Store.open(dir, { logger: quiet, writerId: 'w' });
      const j = path.join(dir, 'journal', 'w.jsonl');
      const before = fs.statSync(j).size;
      const t0 = Date.now();
      s.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      // ~50 ms timer; the bound is loose because a loaded test machine delays timers.
      while (fs.statSync(j).size === before && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 5));
      assert.ok(fs.statSync(j).size > before, 'written without a flush');
      await s.close();
    });

    it('writes buffered lines on process.exit() through the exit hook', () => {
      const dir = path.join(tmp(), '.exptrack');
      const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'journalExit.child.js'), dir, 'exited'], { encoding: 'utf8' });
      assert.equal(r.status, 3, r.stderr);
      const files = fs.readdirSync(path.join(dir, 'journal'));
      assert.equal(files.length, 1);
      const text = fs.readFileSync(path.join(dir, 'journal', files[0]), 'utf8');
      assert.ok(text.includes('"t":"start"') && text.includes('"t":"m"'), text);
    });

    it('shows another writer’s runs live to a watching store and emits changes', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const viewer = await Store.open(dir, { logger: quiet, watchMs: 100 });
      const seen: string[] = [];
      let reloads = 0;
      viewer.onDidChange((e) => { seen.push(...e.runs); if (e.reloaded) reloads++; });
      const writer = await Store.open(dir, { logger: quiet });
      writer.sink.startRun({ id: 'live1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      writer.sink.metrics('live1', [{ key: 'loss', step: 1, value: 2, time: 1 }]);
      const t0 = Date.now();
      while (!viewer.getRun('live1')?.metrics.loss && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(viewer.getRun('live1')?.metrics.loss.last, 2);
      // ~250 ms when idle (journal timer + watch poll); loose because of loaded test machines.
      assert.ok(Date.now() - t0 < 3000);
      // The change event follows the fold that made the data readable: give it a moment.
      const t1 = Date.now();
      while (!(seen.includes('live1') || reloads > 0) && Date.now() - t1 < 2000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(seen.includes('live1') || reloads > 0, 'told: the run changed, or the whole file was reloaded');
      await writer.close();
      await viewer.close();
    });

    it('leaves saving other writers’ lines to them while they are alive', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const a = await Store.open(dir, { logger: quiet, writerId: 'a' });
      a.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      await a.flush();
      const b = await Store.open(dir, { logger: quiet, writerId: 'b' });
      a.sink.metrics('r1', [{ key: 'loss', step: 1, value: 1, time: 1 }]);
      a.flushJournal();
      await b.refresh();
      assert.equal(b.getRun('r1')!.metrics.loss.last, 1, 'b sees it');
      assert.equal(b.doctor().lastSave, null, 'but does not save a’s lines');
      await a.close();
      await b.close();
      const r = await Store.open(dir, { readOnly: true });
      assert.equal(r.getRun('r1')!.metrics.loss.last, 1, 'the file holds everything once both closed');
      await r.close();
      assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), []);
    });

    it('a read-only store writes nothing at all', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const w = await Store.open(dir, { logger: quiet, writerId: 'w' });
      w.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      w.flushJournal();
      const snapshot = (): string => JSON.stringify(fs.readdirSync(dir, { recursive: true }).map(String).sort().map((f) => {
        const st = fs.statSync(path.join(dir, f));
        return [f, st.size, st.mtimeMs];
      }));
      const before = snapshot();
      const r = await Store.open(dir, { readOnly: true });
      assert.equal(r.getRun('r1')!.status, 'running');
      assert.throws(() => r.renameRun('r1', 'x'), /read-only/);
      await r.refresh();
      await r.close();
      assert.equal(snapshot(), before);
      await w.close();
    });

    it('rotates a big journal once folded, handing its running runs over', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const s = await Store.open(dir, { logger: quiet, writerId: 'rot', rotateJournalBytes: 2000 });
      s.sink.startRun({ id: 'long', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      for (let i = 0; i < 50; i++) s.sink.metrics('long', [{ key: 'loss', step: i, value: i, time: i }]);
      await s.flush();
      await s.flush(); // the first save lets the fully folded journal rotate; the next folds its close
      const files = fs.readdirSync(path.join(dir, 'journal'));
      assert.deepEqual(files, ['rot~0001.jsonl']);
      s.sink.metrics('long', [{ key: 'loss', step: 50, value: 50, time: 50 }]);
      await s.flush();
      const d = s.getRun('long')!;
      assert.equal(d.status, 'running', 'handed over, not interrupted');
      assert.equal(d.metrics.loss.count, 51);
      s.sink.endRun('long', { endedAt: 2, exitCode: 0, signal: null, status: 'finished' });
      await s.close();
      assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), []);
    });

    it('never shares a journal file: a writer id given twice gets a fresh file', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const a = await Store.open(dir, { logger: quiet, writerId: 'same' });
      const b = await Store.open(dir, { logger: quiet, writerId: 'same' });
      assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')).sort(), ['same-2.jsonl', 'same.jsonl']);
      a.sink.startRun({ id: 'ra', experiment: 'e', name: 'a', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      await a.close();
      b.sink.startRun({ id: 'rb', experiment: 'e', name: 'b', command: 'c', cwd: '/', startedAt: 2, source: 'test' });
      await b.close();
      const r = await Store.open(dir, { readOnly: true });
      assert.deepEqual(r.listRuns().map((x) => x.id), ['rb', 'ra']);
      await r.close();
    });

    it('reports a journal write failure (disk full) once and keeps the lines', function () {
      if (!fs.existsSync('/dev/full')) this.skip();
      const errors: string[] = [];
      const w = new JournalWriter('/dev/full', { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) }, () => undefined);
      w.append('{"t":"x","time":1}');
      assert.equal(w.flushSync(), false);
      w.append('{"t":"x","time":2}');
      assert.equal(w.flushSync(), false);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /disk full: cannot write the journal \/dev\/full; recording is kept in memory \(up to 64 MB/);
      assert.ok(w.pending > 30);
      w.close();
    });

    it('does not open a closed store twice and keeps close idempotent', async () => {
      const dir = path.join(tmp(), '.exptrack');
      const s = await Store.open(dir, { logger: quiet });
      await Promise.all([s.close(), s.close()]);
      await s.close();
      assert.throws(() => s.listRuns(), /closed/);
      s.sink.startRun({ id: 'late', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
    });
  });
});
