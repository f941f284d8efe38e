// The metric parser's fast path (lines of an already-seen shape) must give exactly what the general
// path gives: every point (key, value, step, line, time) and every counter, for every fixture log
// at every chunking the parser tests use, and for logs made to hit its edges.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricBatch } from '../../src/core/metrics/metricBatch';
import { MetricParser, type MetricParserOptions, type ParsedMetric } from '../../src/core/metrics/metricParser';

// The repository's fixture logs, and the team's shared ones beside the checkout (where CI has them too).
const FIXTURE_DIRS = [{ dir: path.join(process.cwd(), 'test', 'fixtures', 'logs'), label: 'repo' }, { dir: path.resolve(process.cwd(), '..', 'shared', 'fixtures', 'logs'), label: 'shared' }].filter((d) => fs.existsSync(d.dir));
const CHUNK_SIZES = [undefined, 1, 2, 3, 7, 64, 4093, 65536];

interface Parse { points: string[]; stats: Record<string, number> }

function parse(input: Uint8Array, chunkSize: number | undefined, fastPath: boolean, options: MetricParserOptions = {}): Parse {
  let t = 0;
  const parser = new MetricParser({ ...options, now: () => ++t, fastPath });
  const out: ParsedMetric[] = [];
  if (chunkSize === undefined) out.push(...parser.push(input));
  else for (let i = 0; i < input.length; i += chunkSize) out.push(...parser.push(input.slice(i, i + chunkSize)));
  out.push(...parser.end());
  // Object.is spelling: NaN, -0 and the infinities must match exactly too.
  const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  return { points: out.map((p) => `${p.key}|${num(p.value)}|${num(p.step)}|${p.line}|${p.time}`), stats: { ...parser.stats } };
}

/** The points of pushInto()/endInto() (the recorder's way: into small batches), as `key|value|step|time`. */
function parseBatched(input: Uint8Array, chunkSize: number | undefined, options: MetricParserOptions = {}): string[] {
  let t = 0;
  const parser = new MetricParser({ ...options, now: () => ++t });
  const out: string[] = [];
  const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  const take = (b: MetricBatch): void => {
    const { keys, f } = b.drain();
    for (let o = 0; o < f.length; o += 4) out.push(`${keys[f[o]]}|${num(f[o + 2])}|${num(f[o + 1])}|${f[o + 3]}`);
  };
  // Small on purpose: batches fill up and are taken mid-chunk, mid-line.
  const batch = new MetricBatch(7, take);
  if (chunkSize === undefined) parser.pushInto(input, batch);
  else for (let i = 0; i < input.length; i += chunkSize) parser.pushInto(input.slice(i, i + chunkSize), batch);
  parser.endInto(batch);
  take(batch);
  return out;
}

/**
 * Asserts both paths agree on `input` at every chunk size, and that the points pushed into batches
 * are the same; returns how many lines the fast path read.
 */
function assertSame(input: Uint8Array, label: string, options: MetricParserOptions = {}): number {
  let fastLines = 0;
  for (const size of CHUNK_SIZES) {
    const general = parse(input, size, false, options);
    const fast = parse(input, size, true, options);
    assert.equal(general.stats.fastLines, 0);
    fastLines = Math.max(fastLines, fast.stats.fastLines);
    const { fastLines: _f, ...fastStats } = fast.stats;
    const { fastLines: _g, ...generalStats } = general.stats;
    assert.deepEqual(fast.points, general.points, `${label}, chunk size ${size ?? 'whole'}`);
    assert.deepEqual(fastStats, generalStats, `${label}, chunk size ${size ?? 'whole'}: counters`);
    const withoutLine = general.points.map((p) => p.split('|')).map(([k, v, st, _line, time]) => `${k}|${v}|${st}|${time}`);
    assert.deepEqual(parseBatched(input, size, options), withoutLine, `${label}, chunk size ${size ?? 'whole'}: into batches`);
  }
  return fastLines;
}

describe('MetricParser fast path', () => {
  const logs = FIXTURE_DIRS.flatMap((d) => fs.readdirSync(d.dir).filter((f) => f.endsWith('.log')).sort().map((f) => ({ file: path.join(d.dir, f), label: `${d.label}/${f}` })));
  let fastOnFixtures = 0;

  it('has fixture logs to compare on', () => {
    assert.ok(logs.length >= 20, `only ${logs.length} fixture logs`);
  });

  for (const log of logs) {
    it(`gives what the general path gives on ${log.label}, at every chunk size`, () => {
      fastOnFixtures += assertSame(fs.readFileSync(log.file), log.label);
    });
  }

  it('was taken on the fixture logs (so the comparison above means something)', () => {
    assert.ok(fastOnFixtures >= 50, `fast path read ${fastOnFixtures} fixture lines`);
  });

  it('is taken for a long log of one shape, and still agrees', () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`step=${i} loss=${(1 / (i + 1)).toFixed(6)} acc=${((i % 1000) / 1000).toFixed(4)}`);
    const fast = assertSame(Buffer.from(lines.join('\n') + '\n'), 'k=v lines');
    assert.ok(fast > 2900, `fast path read ${fast} of 3000 lines`);
    const piped: string[] = [];
    for (let i = 0; i < 3000; i++) piped.push(`epoch: ${i} | loss: ${(1 / (i + 1)).toFixed(5)} | val_acc: ${(i / 3000).toFixed(3)}`);
    assert.ok(assertSame(Buffer.from(piped.join('\r\n') + '\r\n'), 'k: v | k: v lines, CRLF') >= 0);
    assert.ok(assertSame(Buffer.from(piped.join('\n') + '\n'), 'k: v | k: v lines') > 2900);
  });

  it('agrees on chunks whose text and bytes are out of step (a 4-byte character split across chunks, a 2-byte one later)', () => {
    const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `step=${from + i} loss=0.${from + i} acc=0.5\n`).join('');
    const emoji = Buffer.from('\u{1F600}\n');
    // The second chunk starts with the emoji's last byte (two chars of text from one byte) and has an
    // é (one char from two bytes): as many chars as bytes, but not char for byte in between.
    const chunks = [Buffer.concat([Buffer.from(lines(0, 50)), emoji.subarray(0, 3)]), Buffer.concat([emoji.subarray(3), Buffer.from(lines(50, 50) + 'é\n' + lines(100, 50))])];
    assert.equal(chunks[1].toString('utf8').length + 1, chunks[1].length, 'the second chunk decodes (with the carried bytes) to as many chars as it has bytes');
    const run = (fastPath: boolean): { points: string[]; fastLines: number } => {
      const parser = new MetricParser({ now: () => 1, fastPath });
      const out = [...parser.push(chunks[0]), ...parser.push(chunks[1]), ...parser.end()];
      return { points: out.map((p) => `${p.key}|${p.value}|${p.step}|${p.line}`), fastLines: parser.stats.fastLines };
    };
    const fast = run(true);
    assert.deepEqual(fast.points, run(false).points);
    assert.equal(fast.points.length, 300);
    assert.ok(fast.fastLines > 100, `fast path read ${fast.fastLines} lines`);
  });

  it('agrees at its edges: tables, bars, splits, redraws, odd numbers, control characters, long lines, user patterns', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const l = (1 / (i + 1)).toFixed(4);
      lines.push(`step=${i} loss=${l} acc=0.${i % 10}`);
      if (i % 17 === 0) lines.push('| loss | 0.5 |', `| step=${i} loss=${l} |`, '+------+-----+');
      if (i % 19 === 0) lines.push('epoch  loss  acc', `${i}  ${l}  0.5`, `step=${i} loss=${l} acc=0.5`);
      if (i % 23 === 0) lines.push(`Test: step=${i} loss=${l} acc=0.5`, ` * step=${i} loss=${l} acc=0.5`);
      if (i % 29 === 0) lines.push(`step=nan loss=${l} acc=0.5`, `step=${i} loss=nan acc=inf`, `step=${i} loss=-${l} acc=+0.5`, `step=${i} loss=1e-${i % 9} acc=.5`, `step=${i} loss=${'9'.repeat(20)}.5 acc=0.5`);
      if (i % 31 === 0) lines.push(`step=${i} loss=${l}\rstep=${i} loss=${l} acc=0.25`, `\x1b[32mstep=${i} loss=${l} acc=0.5\x1b[0m`, `step=${i}\tloss=${l}\tacc=0.5`);
      if (i % 37 === 0) lines.push(`${i}/100 [====>....] - loss: ${l} - acc: 0.5`, `Epoch ${i}: 50%|#####     | 5/10 [00:01<00:01, loss=${l}]`);
      if (i % 41 === 0) lines.push(`step=${i} loss=${l} acc=0.5 ` + 'x'.repeat(600), `step=${i} loss=${l}ms acc=0.5`, `step=${i} loss=${l}% acc=0.5`, '');
      if (i % 43 === 0) lines.push(`val step=${i} loss=${l} acc=0.5`, `step=${i} loss=${l} acc=0.5`, `step=${i}: loss=${l}, acc=0.5`);
    }
    const text = Buffer.from(lines.join('\n') + '\n');
    assert.ok(assertSame(text, 'edges') > 0);
    assertSame(text, 'edges, short max line', { maxLineLength: 100 });
    assertSame(text, 'edges, user pattern', { patterns: [{ name: 'p', regex: 'acc=(?<value>[0-9.]+)', key: 'acc_pattern' }] });
    assertSame(text, 'edges, ignored key', { ignore: ['acc'] });
  });
});
