import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/core/store/store';

const child = path.join(__dirname, 'fixtures', 'storeWriter.child.js');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Starts a writer child; resolves its last `journaled` count as it goes. */
function startWriter(dir: string, runId: string, count: number, batch: number, flushEvery = 10): { proc: ChildProcess; journaled: () => number; exited: Promise<number | null>; stderr: () => string } {
  const proc = spawn(process.execPath, [child, dir, runId, String(count), String(batch), String(flushEvery)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = 0;
  let buf = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) { const m = /^journaled (\d+)$/.exec(l); if (m) last = Number(m[1]); }
  });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, journaled: () => last, exited, stderr: () => err };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Store across processes', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-proc-')), '.exptrack'); });
  afterEach(() => { fs.rmSync(path.dirname(dir), { recursive: true, force: true }); });

  it('loses nothing journaled when a writer is killed with SIGKILL at random moments', async () => {
    const reported = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const runId = `kill${round}`;
      const w = startWriter(dir, runId, 10_000_000, 200, 1 + (round % 3) * 5);
      await waitFor(() => w.journaled() > 0, 20_000);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
      w.proc.kill('SIGKILL');
      await w.exited;
      reported.set(runId, w.journaled());
    }
    const s = await Store.open(dir, { logger: quiet });
    for (const [runId, n] of reported) {
      const d = s.getRun(runId);
      assert.ok(d, `${runId} present`);
      assert.equal(d.status, 'interrupted', `${runId} of a killed writer is interrupted`);
      const series = s.series(runId, 'x');
      assert.ok(series.steps.length >= n, `${runId}: ${series.steps.length} points stored, ${n} reported journaled`);
      // Steps are 0..k-1 with no gap and no duplicate; the summary counted each point once.
      for (let i = 0; i < series.steps.length; i++) assert.equal(series.steps[i], i);
      assert.equal(d.metrics.x.count, series.steps.length, `${runId}: summary count matches the rows (no double fold)`);
      assert.equal(d.metrics.x.last, (series.steps.length - 1) * 0.5);
    }
    await s.flush();
    await s.close();
    const left = fs.readdirSync(path.join(dir, 'journal'));
    assert.deepEqual(left, [], 'journals of dead writers are deleted once folded and saved');
  });

  it('loses nothing when several concurrent writers are killed at once, some mid-fold or mid-save', async () => {
    const writers = [0, 1, 2].map((i) => startWriter(dir, `multi${i}`, 10_000_000, 300, 1 + i * 2));
    await waitFor(() => writers.every((w) => w.journaled() > 0), 20_000);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    for (const w of writers) w.proc.kill('SIGKILL');
    await Promise.all(writers.map((w) => w.exited));
    const s = await Store.open(dir, { logger: quiet, readOnly: true });
    writers.forEach((w, i) => {
      const series = s.series(`multi${i}`, 'x');
      assert.ok(series.steps.length >= w.journaled(), `multi${i}: ${series.steps.length} stored, ${w.journaled()} reported journaled`);
      for (let k = 0; k < series.steps.length; k++) assert.equal(series.steps[k], k);
      assert.equal(s.getRun(`multi${i}`)!.metrics.x.count, series.steps.length);
      assert.equal(s.getRun(`multi${i}`)!.status, 'interrupted');
    });
    assert.deepEqual(s.doctor().integrity, ['ok']);
    await s.close();
  });

  it('merges several concurrent writer processes with nothing missing and nothing doubled', async () => {
    const n = 20_000;
    const writers = [0, 1, 2, 3].map((i) => startWriter(dir, `c${i}`, n, 250, 3));
    const codes = await Promise.all(writers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0, 0, 0], writers.map((w) => w.stderr()).join('\n'));
    const s = await Store.open(dir, { logger: quiet, readOnly: true });
    for (let i = 0; i < 4; i++) {
      const d = s.getRun(`c${i}`)!;
      assert.equal(d.status, 'finished');
      assert.deepEqual(d.metrics.x, { last: (n - 1) * 0.5, min: 0, max: (n - 1) * 0.5, count: n, lastStep: n - 1 });
      assert.equal(s.series(`c${i}`, 'x').steps.length, n);
    }
    assert.deepEqual(s.doctor().integrity, ['ok']);
    await s.close();
    // Everything is in the file itself once nobody records.
    const r = await Store.open(dir, { logger: quiet, readOnly: true });
    assert.equal(r.listRuns().length, 4);
    await r.close();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'journal')), []);
  });
});
