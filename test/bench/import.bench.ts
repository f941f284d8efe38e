// Import benchmark: 1M metric points imported from an MLflow folder store and from TensorBoard event
// files into a new store (read + journal + fold + save), against the store's own ingestion of the same
// points (sink.metricColumns in 1000-point records + fold + save). Target: import >= 0.5x the store's rate.
// Usage: node out/test/bench/import.bench.js [--quick]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32c, maskCrc } from '../../src/core/import/checksums';
import { findSources, readSource } from '../../src/core/import/importSources';
import { writeImportedRun } from '../../src/core/import/importWriter';
import { Store } from '../../src/core/store/store';

const quick = process.argv.includes('--quick');
const RUNS = 10, KEYS = 10, STEPS = quick ? 1_000 : 10_000;
const TOTAL = RUNS * KEYS * STEPS;
const T0 = 1_700_000_000_000;
const quiet = { info: () => undefined, warn: (m: string) => console.error(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const dirs: string[] = [];
const tmp = (): string => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-import-bench-')); dirs.push(d); return d; };
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const value = (r: number, k: number, s: number): number => Math.sin(s * 0.01 + k + r);

/** An MLflow folder store as MLflow's FileStore lays it out. */
function writeMlruns(root: string): void {
  const exp = path.join(root, 'mlruns', '1');
  fs.mkdirSync(exp, { recursive: true });
  fs.writeFileSync(path.join(exp, 'meta.yaml'), "artifact_location: x\nexperiment_id: '1'\nlifecycle_stage: active\nname: bench\n");
  for (let r = 0; r < RUNS; r++) {
    const run = path.join(exp, `run${r}`);
    fs.mkdirSync(path.join(run, 'metrics'), { recursive: true });
    fs.writeFileSync(path.join(run, 'meta.yaml'), `experiment_id: '1'\nlifecycle_stage: active\nrun_id: run${r}\nrun_uuid: run${r}\nrun_name: r${r}\nstart_time: ${T0}\nend_time: ${T0 + STEPS}\nstatus: 3\n`);
    for (let k = 0; k < KEYS; k++) {
      const lines: string[] = [];
      for (let s = 0; s < STEPS; s++) lines.push(`${T0 + s} ${value(r, k, s)} ${s}`);
      fs.writeFileSync(path.join(run, 'metrics', `metric_${k}`), `${lines.join('\n')}\n`);
    }
  }
}

/** TensorBoard event files (simple_value scalars), one folder per run, framed as TFRecords. */
function writeTensorBoard(root: string): void {
  const varint = (n: number, out: number[]): void => { while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); } out.push(n); };
  for (let r = 0; r < RUNS; r++) {
    const dir = path.join(root, 'tb', `run${r}`);
    fs.mkdirSync(dir, { recursive: true });
    const chunks: Buffer[] = [];
    for (let s = 0; s < STEPS; s++) {
      for (let k = 0; k < KEYS; k++) {
        const tag = Buffer.from(`metric_${k}`);
        const val: number[] = [0x0a, tag.length, ...tag, 0x15];
        const f = Buffer.alloc(4); f.writeFloatLE(value(r, k, s)); val.push(...f);
        const summary = [0x0a, val.length, ...val];
        const ev: number[] = [0x09];
        const w = Buffer.alloc(8); w.writeDoubleLE((T0 + s) / 1000); ev.push(...w);
        ev.push(0x10); varint(s, ev);
        ev.push(0x2a, summary.length, ...summary);
        const data = Buffer.from(ev);
        const head = Buffer.alloc(12);
        head.writeUInt32LE(data.length, 0);
        head.writeUInt32LE(maskCrc(crc32c(head, 0, 8)), 8);
        const tail = Buffer.alloc(4); tail.writeUInt32LE(maskCrc(crc32c(data)), 0);
        chunks.push(head, data, tail);
      }
    }
    fs.writeFileSync(path.join(dir, 'events.out.tfevents.1700000000.bench'), Buffer.concat(chunks));
  }
}

async function storeIngestion(): Promise<number> {
  const dir = path.join(tmp(), '.exptrack');
  const store = await Store.open(dir, { logger: quiet });
  const t0 = performance.now();
  for (let r = 0; r < RUNS; r++) {
    const id = `run${r}`;
    store.sink.startRun({ id, experiment: 'bench', name: id, command: '', cwd: '', startedAt: T0, source: 'bench' });
    for (let k = 0; k < KEYS; k++) {
      for (let s0 = 0; s0 < STEPS; s0 += 1000) {
        const n = Math.min(1000, STEPS - s0);
        const f = new Float64Array(n * 4);
        for (let i = 0; i < n; i++) { f[i * 4 + 1] = s0 + i; f[i * 4 + 2] = value(r, k, s0 + i); f[i * 4 + 3] = T0 + s0 + i; }
        store.sink.metricColumns!(id, [`metric_${k}`], f);
      }
    }
    store.sink.endRun(id, { status: 'finished', endedAt: T0 + STEPS, exitCode: 0, signal: null });
  }
  await store.close();
  return performance.now() - t0;
}

async function importInto(source: string): Promise<{ ms: number; readMs: number; points: number }> {
  const dir = path.join(tmp(), '.exptrack');
  const store = await Store.open(dir, { logger: quiet });
  const t0 = performance.now();
  let readMs = 0;
  let points = 0;
  for (const location of findSources(source)) {
    const gen = readSource(source, location, { skip: (s) => console.error(`  skipped: ${s.path}: ${s.reason}`) });
    for (;;) {
      const r0 = performance.now();
      const next = await gen.next();
      readMs += performance.now() - r0;
      if (next.done) break;
      points += writeImportedRun(next.value, store).newPoints;
    }
  }
  await store.close();
  return { ms: performance.now() - t0, readMs, points };
}

async function main(): Promise<void> {
  console.log(`${fmt(TOTAL)} points: ${RUNS} runs x ${KEYS} metrics x ${fmt(STEPS)} steps`);
  const src = tmp();
  writeMlruns(src);
  writeTensorBoard(src);
  // Measured before and after the imports, the faster one counts: the first store opened in a process
  // also pays for compiling sql.js and the fold, and a shared machine's load changes meanwhile.
  let own = await storeIngestion();
  console.log(`store's own ingestion (sink + fold + save): ${fmt(own)} ms, ${fmt(TOTAL / (own / 1000))} points/s`);
  const results: [string, number, number][] = [];
  for (const [name, p] of [['MLflow folder store', path.join(src, 'mlruns')], ['TensorBoard event files', path.join(src, 'tb')]] as const) {
    const r = await importInto(p);
    if (r.points !== TOTAL) throw new Error(`${name}: imported ${r.points} points, expected ${TOTAL}`);
    results.push([name, r.ms, r.readMs]);
  }
  const again = await storeIngestion();
  console.log(`store's own ingestion again: ${fmt(again)} ms, ${fmt(TOTAL / (again / 1000))} points/s`);
  own = Math.min(own, again);
  const ownRate = TOTAL / (own / 1000);
  for (const [name, ms, readMs] of results) {
    const rate = TOTAL / (ms / 1000);
    console.log(`import from ${name}: ${fmt(ms)} ms (reading ${fmt(readMs)} ms), ${fmt(rate)} points/s = ${(rate / ownRate).toFixed(2)}x the store's rate (target >= 0.5x)`);
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}

main().catch((e: Error) => { console.error(e); process.exit(1); });
