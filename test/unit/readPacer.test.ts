import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { paceReads, type PacerStats } from '../../src/core/recorder/readPacer';

/**
 * A Node child that writes `count` pieces of `size` bytes to stdout, one write each, `gapUs`
 * microseconds apart (busy-waiting: a training script formatting lines between its writes).
 */
function writer(size: number, count: number, gapUs: number): string {
  return `const fs = require('fs'); for (let i = 0; i < ${count}; i++) { const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < ${gapUs * 1000}n); const b = Buffer.alloc(${size}, 97 + (i % 26)); b[${size} - 1] = 10; let o = 0; while (o < b.length) { try { o += fs.writeSync(1, b, o); } catch (e) { if (e.code !== 'EAGAIN') throw e; } } }`;
}

/** Runs the writer with its stdout paced (or not); returns what arrived, its hash, and the pacer's stats. */
function run(size: number, count: number, gapUs: number, ms: number, onData?: (child: ReturnType<typeof spawn>, chunks: number) => void): Promise<{ bytes: number; sha: string; stats: PacerStats; chunks: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', writer(size, count, gapUs)], { stdio: ['ignore', 'pipe', 'ignore'] });
    const hash = createHash('sha256');
    let bytes = 0;
    let chunks = 0;
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      chunks++;
      hash.update(d);
      onData?.(child, chunks);
    });
    child.stdout.on('error', () => undefined);
    const stats = paceReads(child.stdout, ms);
    child.on('error', reject);
    child.on('close', (code) => resolve({ bytes, sha: hash.digest('hex'), stats, chunks, code }));
  });
}

function expectedSha(size: number, count: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(size, 97 + (i % 26));
    b[size - 1] = 10;
    hash.update(b);
  }
  return hash.digest('hex');
}

describe('readPacer', function () {
  this.timeout(60_000);

  it('reads a block writer in bursts, every byte in order', async () => {
    // 1,000 writes of 8 KB (Python's block size) at ~30 MB/s: read as they come, about 1,000 reads.
    const r = await run(8192, 1000, 250, 2);
    assert.equal(r.code, 0);
    assert.equal(r.bytes, 8192 * 1000);
    assert.equal(r.sha, expectedSha(8192, 1000));
    assert.ok(r.stats.pauses > 0, 'it paused');
    assert.ok(r.chunks < 400, `${r.chunks} reads for 1,000 writes`);
  });

  it('leaves a writer of small pieces alone (a write per line would fill the pipe during a pause)', async () => {
    const r = await run(40, 100_000, 0, 2);
    assert.equal(r.code, 0);
    assert.equal(r.bytes, 40 * 100_000);
    assert.equal(r.sha, expectedSha(40, 100_000));
    // It may try a pause when reads happen to be big, but gives up at once.
    assert.ok(r.stats.pauses <= r.stats.reads / 20, `${r.stats.pauses} pauses in ${r.stats.reads} reads`);
  });

  it('stops cleanly when the stream is destroyed while paused (the reader went away)', async () => {
    let destroyed = false;
    const r = await run(8192, 5000, 50, 5, (child, chunks) => {
      if (chunks === 8 && !destroyed) { destroyed = true; child.stdout!.destroy(); }
    });
    assert.ok(destroyed);
    assert.notEqual(r.code, 0, 'the writer saw its pipe close');
    assert.ok(r.bytes < 8192 * 5000);
  });

  it('does nothing for a stream without a pipe handle, or with no pause asked for', async () => {
    const { Readable } = await import('node:stream');
    const plain = Readable.from(['a', 'b']);
    assert.deepEqual(paceReads(plain, 2), { reads: 0, pauses: 0, backOffs: 0 });
    const r = await run(8192, 50, 0, 0);
    assert.equal(r.bytes, 8192 * 50);
    assert.deepEqual(r.stats, { reads: 0, pauses: 0, backOffs: 0 });
  });
});
