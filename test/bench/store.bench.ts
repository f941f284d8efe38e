// Store benchmark, all figures measured in this one run:
//   1. ingestion points/s through the sink + fold (+ final save) against better-sqlite3 inserting the
//      same points into the same schema in one transaction (target >= 0.7x);
//   2. listRuns() for 10,000 runs beside a bare SQL select of the same rows.
// The save and the event loop while a run records are measured at 1e8 points by scale.bench.ts (the
// catalog no longer grows with points: a store "grown to 100 MB" through the sink is no longer a thing).
// Usage: node out/test/bench/store.bench.js [--quick] [--only=ingestion|listing]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricPoint } from '../../src/core/model';
import { loadSqlJs } from '../../src/core/sqlite';
import { Store } from '../../src/core/store/store';

const quick = process.argv.includes('--quick');
const quiet = { info: () => undefined, warn: (m: string) => console.error(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const madeDirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-'));
  madeDirs.push(d);
  return path.join(d, '.exptrack');
};
/** Benchmark databases reach 100+ MB: removed when each part is done. */
const cleanUp = (): void => { for (const d of madeDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); };
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

interface Workload { runs: number; keys: number; steps: number }

function points(w: Workload, run: number, step0: number, steps: number, t0: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let s = step0; s < step0 + steps; s++) {
    for (let k = 0; k < w.keys; k++) out.push({ key: `metric_${k}`, step: s, value: Math.sin(s * 0.01 + k + run), time: t0 + s });
  }
  return out;
}

interface Timed { ms: number; cpu: number }

/** Our side: the recorder's small batches through sink -> journal -> fold -> save, into a new store. */
async function ingestOurs(w: Workload, batches: MetricPoint[][][]): Promise<Timed> {
  const dir = tmp();
  const store = await Store.open(dir, { logger: quiet });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < w.runs; r++) {
    store.sink.startRun({ id: `run${r}`, experiment: 'bench', name: `run${r}`, command: 'bench', cwd: dir, startedAt: Date.now(), source: 'bench' });
    for (const b of batches[r]) store.sink.metrics(`run${r}`, b);
  }
  await store.flush();
  const timed = { ms: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)) };
  const check = store.getRun('run0')!.metrics.metric_0.count;
  if (check !== w.steps) throw new Error(`ingestion check failed: ${check}`);
  await store.close();
  return timed;
}

/** better-sqlite3, same schema (a copy of the empty database the store creates), one transaction. */
async function ingestTheirs(w: Workload, all: MetricPoint[][]): Promise<Timed> {
  // The dev dependency ships no types: the few calls used here.
  interface BetterStatement { run(...args: unknown[]): { lastInsertRowid: number | bigint } }
  interface BetterDb { pragma(s: string): unknown; exec(s: string): void; prepare(s: string): BetterStatement; transaction(f: () => void): () => void; close(): void }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Better = require('better-sqlite3') as new (file: string) => BetterDb;
  const emptyDir = tmp();
  const empty = await Store.open(emptyDir, { logger: quiet });
  await empty.close();
  const db = new Better(path.join(emptyDir, 'exptrack.db'));
  db.pragma('journal_mode = MEMORY');
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  db.exec("INSERT INTO experiments (id, name, created_at) VALUES (1, 'bench', 0)");
  const insRun = db.prepare("INSERT INTO runs (id, experiment_id, name, command, cwd, source, status, started_at) VALUES (?, 1, ?, 'bench', '', 'bench', 'running', 0)");
  const ins = db.prepare('INSERT OR REPLACE INTO metrics (run, key, step, value, time) VALUES (?, ?, ?, ?, ?)');
  const insKey = db.prepare('INSERT INTO metric_keys (name) VALUES (?)');
  db.transaction(() => {
    const keyIds = new Map<string, number>();
    for (let r = 0; r < w.runs; r++) {
      const rid = Number(insRun.run(`run${r}`, `run${r}`).lastInsertRowid);
      for (const p of all[r]) {
        let k = keyIds.get(p.key);
        if (k === undefined) { k = Number(insKey.run(p.key).lastInsertRowid); keyIds.set(p.key, k); }
        ins.run(rid, k, p.step, p.value, p.time);
      }
    }
  })();
  db.close();
  return { ms: performance.now() - t1, cpu: cpuMs(process.cpuUsage(c1)) };
}

/**
 * Ingestion against better-sqlite3, in alternating rounds (which side goes first alternates too):
 * on a shared machine the speed drifts by tens of per cent within seconds, so each round's ratio
 * compares two runs made moments apart, and the median of those is the figure.
 */
async function ingestion(): Promise<void> {
  const w: Workload = quick ? { runs: 4, keys: 5, steps: 10_000 } : { runs: 10, keys: 5, steps: 20_000 };
  const rounds = quick ? 1 : 5;
  const total = w.runs * w.keys * w.steps;
  // The recorder hands over small batches as lines arrive: 100 steps x keys per call. Made up front,
  // for both sides, so neither is timed generating them.
  const batches: MetricPoint[][][] = [];
  for (let r = 0; r < w.runs; r++) {
    const b: MetricPoint[][] = [];
    for (let s = 0; s < w.steps; s += 100) b.push(points(w, r, s, 100, 0));
    batches.push(b);
  }
  const all = batches.map((b) => b.flat());
  const ours: Timed[] = [];
  const theirs: Timed[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) { ours.push(await ingestOurs(w, batches)); theirs.push(await ingestTheirs(w, all)); }
    else { theirs.push(await ingestTheirs(w, all)); ours.push(await ingestOurs(w, batches)); }
    cleanUp();
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const wallRatios = ours.map((o, i) => theirs[i].ms / o.ms);
  const cpuRatios = ours.map((o, i) => theirs[i].cpu / o.cpu);
  console.log(`ingestion: ${fmt(total)} points, ${rounds} alternating round(s)`);
  console.log(`  exptrack sink + journal + fold + save: ${fmt(total / (med(ours.map((o) => o.ms)) / 1000))} points/s (median ${fmt(med(ours.map((o) => o.ms)))} ms, cpu ${fmt(med(ours.map((o) => o.cpu)))} ms; runs ${ours.map((o) => fmt(o.ms)).join('/')} ms)`);
  console.log(`  better-sqlite3, one transaction:       ${fmt(total / (med(theirs.map((o) => o.ms)) / 1000))} points/s (median ${fmt(med(theirs.map((o) => o.ms)))} ms, cpu ${fmt(med(theirs.map((o) => o.cpu)))} ms; runs ${theirs.map((o) => fmt(o.ms)).join('/')} ms)`);
  console.log(`  ratio: ${fmt(med(wallRatios), 2)}x by wall time, ${fmt(med(cpuRatios), 2)}x by CPU time, medians of the rounds (target >= 0.70x; per round ${wallRatios.map((r) => fmt(r, 2)).join('/')})`);
}

/** Wall and CPU time of one call: the CPU figure stays meaningful on a busy machine. */
function time1(f: () => unknown): string {
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return `${fmt(wall, 1)} ms (cpu ${fmt((d.user + d.system) / 1000, 1)} ms)`;
}

async function listing(): Promise<void> {
  const dir = tmp();
  const store = await Store.open(dir, { logger: quiet });
  const n = 10_000;
  for (let i = 0; i < n; i++) {
    const id = `r${String(i).padStart(5, '0')}-${Math.random().toString(36).slice(2, 10)}`;
    store.sink.startRun({ id, experiment: `exp${i % 20}`, name: `run ${i}`, command: `python train.py --seed ${i}`, cwd: dir, startedAt: 1_700_000_000_000 + i * 1000, source: 'bench' });
    store.sink.params(id, { lr: 1e-4 * (i % 10), seed: i, opt: 'adam' });
    store.sink.metrics(id, ['loss', 'acc', 'val_loss', 'val_acc', 'lr'].map((key, k) => ({ key, step: 10, value: Math.sin(i + k), time: 0 })));
    store.sink.endRun(id, { endedAt: 1_700_000_000_000 + i * 1000 + 500, exitCode: 0, signal: null, status: 'finished' });
  }
  await store.flush();
  const time = (f: () => unknown): string => {
    const samples: number[] = [];
    const cpu: number[] = [];
    for (let k = 0; k < 7; k++) {
      const c = process.cpuUsage();
      const t = performance.now();
      f();
      samples.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    return `${fmt(samples.sort((a, b) => a - b)[3], 1)} ms (cpu ${fmt(cpu.sort((a, b) => a - b)[3], 1)} ms)`;
  };
  await store.close();
  let reader = await Store.open(dir, { logger: quiet, readOnly: true });
  let count = 0;
  time1(() => reader.listRuns()); // warms the JIT; the figure below is a second reader's first call
  await reader.close();
  const second = await Store.open(dir, { logger: quiet, readOnly: true });
  const cold = time1(() => second.listRuns());
  await second.close();
  reader = await Store.open(dir, { logger: quiet, readOnly: true });
  const page = time1(() => reader.listRuns({ limit: 50 }));
  const ours = time(() => { count = reader.listRuns().length; });
  const filtered = time(() => reader.listRuns({ filter: 'metrics.val_acc > 0.5 and params.opt = adam' }));
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(dir, 'exptrack.db')));
  const bare = time(() => {
    db.exec(`SELECT r.rid, r.id, r.name, e.name, r.status, r.exit_code, r.command, r.cwd, r.started_at, r.ended_at
      FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.started_at DESC`);
    db.exec('SELECT run, key, last, min, max, count, last_step FROM metric_summary');
  });
  db.close();
  console.log(`listRuns for ${fmt(count)} runs (5 metrics each): first call (fresh store, summaries not cached) ${cold}, then ${ours} (summaries cached until a fold touches the run), first 50 ${page}, with a filter ${filtered}`);
  console.log(`  bare SQL select of the same rows (runs + metric_summary through sql.js exec): ${bare}`);
  await reader.close();
}

async function main(): Promise<void> {
  console.log(`store benchmark (${quick ? 'quick' : 'full'}), node ${process.version}, ${os.cpus().length} CPUs`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  try {
    if (!only || only === 'ingestion') { await ingestion(); cleanUp(); }
    if (!only || only === 'listing') { await listing(); cleanUp(); }
  } finally {
    cleanUp();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
