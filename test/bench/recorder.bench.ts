// Recorder overhead: wall time of `exptrack run -- <command printing 1e6 metric lines>` against the
// bare command, both with stdout read through a pipe by this process, measured in this one run
// (target <= 1.10x). Also prints the parts: the same with --no-parse (recording, no console parsing),
// and `exptrack parse` alone over the same output (the parser's own cost).
// `exptrack run` returns once everything is journaled; a big run's fold into the database goes on in
// a detached `exptrack _fold`. Each measurement waits for that fold to finish before the next one
// starts (it would take CPU from the next run and flatter the ratio), and the time until the database
// file holds every point is printed too ("recorded in the db after"). Each run records into a new
// store, so that rounds do not slow down as one database grows (the fold's cost with the database's
// size is a separate matter: docs/storage.md).
// Usage: node out/test/bench/recorder.bench.js [--quick] [--lines=N] [--repeat=N]
// Builds the CLI privately with esbuild.mjs (minified, as shipped) and times that build.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSqlJs } from '../../src/core/sqlite';

const root = path.resolve(__dirname, '..', '..', '..');
const quick = process.argv.includes('--quick');
const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const LINES = arg('lines', quick ? 200_000 : 1_000_000);
const REPEAT = arg('repeat', quick ? 1 : 9);

function prepareCli(): string {
  // A private build (others may rebuild dist/, which wipes it), minified as the VSIX ships it.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-bin-'));
  const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', bin, '--production'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('building the CLI failed');
  return path.join(bin, 'cli.js');
}

function findPython(): string | null {
  for (const p of ['python3', 'python']) if (spawnSync(p, ['-c', '0']).status === 0) return p;
  return null;
}

/** Runs argv with stdout and stderr drained through pipes; wall ms. */
function timed(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; bytes: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    c.stdout.on('data', (d: Buffer) => { bytes += d.length; });
    c.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ ms: performance.now() - t0, bytes, code }));
  });
}

/** CPU seconds (user + sys) of argv and all its children, output to /dev/null, through bash's `time`. */
function cpuSeconds(argv: string[], cwd: string, env: NodeJS.ProcessEnv): number | null {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; { time "$@" > /dev/null 2>/dev/null; } 2>&1', 'bash', ...argv], { cwd, env, encoding: 'utf8' });
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stdout ?? '');
  return m ? Number(m[2]) + Number(m[3]) : null;
}

/**
 * Waits until no journal is left in `<exptrackDir>/journal` and no lock is held: every journal is then
 * folded into exptrack.db and saved (a journal is deleted only once the saved file covers it).
 * Returns the time that took, in ms.
 */
async function waitForFold(exptrackDir: string, timeoutMs = 600_000): Promise<number> {
  const t0 = performance.now();
  const pending = (): boolean => {
    let names: string[] = [];
    try { names = fs.readdirSync(path.join(exptrackDir, 'journal')); } catch { /* none yet */ }
    return names.some((n) => n.endsWith('.jsonl')) || fs.existsSync(path.join(exptrackDir, 'lock'));
  };
  while (pending()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`the journals in ${exptrackDir} were not folded within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

/** Metric points of the newest run that the database file alone holds (in the points files it lists; no journal folded). */
async function pointsInDbFile(exptrackDir: string): Promise<number> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(exptrackDir, 'exptrack.db')));
  try {
    const r = db.exec('SELECT coalesce(sum(rows), 0) FROM point_files WHERE run = (SELECT rid FROM runs ORDER BY started_at DESC LIMIT 1)');
    return Number(r[0]?.values[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/** Median wall ms of `node -e 0` without and with NODE_EXTRA_CA_CERTS, alternating. */
function nodeStartCost(cwd: string, env: NodeJS.ProcessEnv, caCerts: string): { without: number; with: number } {
  const without: number[] = [];
  const withCa: number[] = [];
  for (let i = 0; i < 15; i++) {
    for (const [into, e] of [[without, env], [withCa, { ...env, NODE_EXTRA_CA_CERTS: caCerts }]] as const) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0'], { cwd, env: e });
      into.push(performance.now() - t0);
    }
  }
  return { without: median(without), with: median(withCa) };
}

/** A Node process that spawns argv and pipes its output through: no recording at all. */
const NODE_PASS_THROUGH = "const c = require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['inherit', 'pipe', 'inherit'] }); c.stdout.pipe(process.stdout); c.on('close', (code) => { process.exitCode = code; });";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const cli = prepareCli();
  const python = findPython();
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-ws-')));
  fs.mkdirSync(path.join(ws, '.exptrack'));
  // The metric lines a training script typically prints: a step and two metrics per line.
  fs.writeFileSync(path.join(ws, 'train.py'), [
    'import sys',
    'n = int(sys.argv[1])',
    'for i in range(n):',
    '    print(f"step={i} loss={1 / (i + 1):.6f} acc={(i % 1000) / 1000:.4f}")',
  ].join('\n'));
  fs.writeFileSync(path.join(ws, 'train.js'), `const n = +process.argv[2]; let s = ''; for (let i = 0; i < n; i++) { s += 'step=' + i + ' loss=' + (1 / (i + 1)).toFixed(6) + ' acc=' + ((i % 1000) / 1000).toFixed(4) + '\\n'; if (s.length > 65536) { process.stdout.write(s); s = ''; } } process.stdout.write(s);`);
  // Output goes to a pipe (this process): the bare command block-buffers, and so does it under
  // exptrack, which sets PYTHONUNBUFFERED only when its own stdout is a terminal.
  const env: NodeJS.ProcessEnv = { ...process.env, EXPTRACK_DIR: path.join(ws, '.exptrack') };
  delete env.PYTHONUNBUFFERED;
  // NODE_EXTRA_CA_CERTS makes every Node process load that CA bundle as it starts (this sandbox sets
  // it for its network proxy): a fixed cost of the machine, not of recording, that exptrack (which
  // makes no connection) cannot skip. Measured without it; its cost is printed beside.
  const caCerts = env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_EXTRA_CA_CERTS;
  const command = python ? [python, 'train.py', String(LINES)] : [process.execPath, 'train.js', String(LINES)];
  console.log(`recorder overhead: ${LINES.toLocaleString('en-US')} metric lines from \`${path.basename(command[0])} ${command[1]}\`, median of ${REPEAT}, ${os.cpus().length} CPUs`);

  // Warm-up: first run of a python fills the package cache (pip freeze), which later runs reuse.
  const exptrackDir = path.join(ws, '.exptrack');
  await timed([process.execPath, cli, 'run', '-q', '--', ...command.slice(0, 2), '10'], ws, env);
  await waitForFold(exptrackDir);
  // Each measured run records into a new, empty store (with the warm cache): exptrack run does not
  // wait for the fold, so the figures do not depend on it, but the fold of an ever bigger database
  // (sql.js loads and saves the whole file) would make each round slower than the last.
  const warmCache = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-cache-'));
  fs.cpSync(path.join(exptrackDir, 'cache'), warmCache, { recursive: true });
  const freshStore = (): void => {
    fs.rmSync(exptrackDir, { recursive: true, force: true });
    fs.cpSync(warmCache, path.join(exptrackDir, 'cache'), { recursive: true });
  };
  const bare: number[] = [];
  const catFloor: number[] = [];
  const nodeFloor: number[] = [];
  const full: number[] = [];
  const inDb: number[] = [];
  const noParse: number[] = [];
  let outBytes = 0;
  for (let r = 0; r < REPEAT; r++) {
    // The bare command and exptrack run moments apart (the pair whose ratio counts), then the references.
    const b = await timed(command, ws, env);
    outBytes = b.bytes;
    bare.push(b.ms);
    freshStore();
    const f = await timed([process.execPath, cli, 'run', '-q', '--', ...command], ws, env);
    if (f.bytes !== b.bytes) throw new Error(`output differs: ${f.bytes} vs ${b.bytes} bytes`);
    full.push(f.ms);
    inDb.push(f.ms + await waitForFold(exptrackDir));
    // References: the same output passed through `cat` (any wrapper's pipe hop, in C) and through a
    // Node process that only spawns and pipes (the floor of a recorder written in Node).
    nodeFloor.push((await timed([process.execPath, '-e', NODE_PASS_THROUGH, ...command], ws, env)).ms);
    catFloor.push((await timed(['bash', '-c', '"$@" | cat', 'bash', ...command], ws, env)).ms);
    freshStore();
    // Its journal is small enough to be folded before exptrack returns (loading sql.js: ~0.2 s): off,
    // so that it compares with the full run, whose fold is in the background.
    noParse.push((await timed([process.execPath, cli, 'run', '-q', '--no-parse', '--', ...command], ws, { ...env, EXPTRACK_INLINE_FOLD_BYTES: '0' })).ms);
    await waitForFold(exptrackDir);
  }
  // The newest run is a --no-parse one (no console metrics): check a full run's points instead.
  freshStore();
  await timed([process.execPath, cli, 'run', '-q', '--', ...command], ws, env);
  await waitForFold(exptrackDir);
  const dbPoints = await pointsInDbFile(exptrackDir);
  const logFile = path.join(ws, 'out.log');
  fs.writeFileSync(logFile, spawnSync(command[0], command.slice(1), { cwd: ws, maxBuffer: 1 << 30 }).stdout);
  const parseOnly = (await timed([process.execPath, cli, 'parse', logFile], ws, env)).ms;

  // CPU time does not depend on what else the machine is doing: exptrack's own cost per line.
  const cpuBare = cpuSeconds(command, ws, env);
  // Without the background fold, so that its CPU can be measured alone just after (a detached
  // process is not a child `time` waits for).
  const cpuFull = cpuSeconds([process.execPath, cli, 'run', '-q', '--', ...command], ws, { ...env, EXPTRACK_BACKGROUND_FOLD: '0' });
  const cpuFold = cpuSeconds([process.execPath, cli, '_fold', exptrackDir], ws, env);
  await waitForFold(exptrackDir);
  const caCost = caCerts ? nodeStartCost(ws, env, caCerts) : null;
  const load = os.loadavg();
  // Each pair (bare, then exptrack run) is measured moments apart: the median of the pairs' ratios
  // is steadier than the ratio of the medians when the machine's speed drifts.
  const pairRatio = (xs: number[]): number => median(xs.map((x, i) => x / bare[i]));
  const ratio = pairRatio(full);
  // Every run, in order, besides the medians: on a shared machine the spread says how far to trust them.
  const all = (xs: number[]): string => `runs ${xs.map((x) => (x / 1000).toFixed(2)).join('/')} s`;
  console.log(`  bare command                 ${fmt(median(bare))}   (${(outBytes / 1e6).toFixed(1)} MB of output; ${all(bare)})`);
  console.log(`  reference: | cat              ${fmt(median(catFloor))}   ${pairRatio(catFloor).toFixed(2)}x bare (the pipe hop any wrapper adds; ${all(catFloor)})`);
  console.log(`  reference: node pass-through ${fmt(median(nodeFloor))}   ${pairRatio(nodeFloor).toFixed(2)}x bare (Node start-up + spawn + pipe, no recording: the floor for a Node recorder; ${all(nodeFloor)})`);
  console.log(`  exptrack run                 ${fmt(median(full))}   ${ratio.toFixed(2)}x bare, median of the pairs (target <= 1.10x) ${ratio <= 1.1 ? 'OK' : 'OVER'} (${all(full)}; per-pair ratios ${full.map((f, i) => (f / bare[i]).toFixed(2)).join('/')})`);
  console.log(`  recorded in the db after     ${fmt(median(inDb))}   from the start until exptrack.db (a new store) alone holds every point (${dbPoints.toLocaleString('en-US')} points of the last run in the file; ${all(inDb)})`);
  console.log(`  exptrack run --no-parse      ${fmt(median(noParse))}   ${pairRatio(noParse).toFixed(2)}x bare (recording without console parsing, its small fold left to the background as the full run's; ${all(noParse)})`);
  console.log(`  exptrack parse (file, alone) ${fmt(parseOnly)}   the console parser over the same output, printing every point as a JSON line (${dbPoints.toLocaleString('en-US')} lines)`);
  if (cpuBare !== null && cpuFull !== null) {
    console.log(`  CPU (user+sys), output to /dev/null: bare ${cpuBare.toFixed(2)} s, with exptrack ${cpuFull.toFixed(2)} s: exptrack's own ${(cpuFull - cpuBare).toFixed(2)} s, ${(((cpuFull - cpuBare) / LINES) * 1e6).toFixed(2)} us per line`);
  }
  if (caCost) console.log(`  NODE_EXTRA_CA_CERTS (${caCerts}) is set here and was unset for the commands measured: a Node start takes ${caCost.without.toFixed(0)} ms without it, ${caCost.with.toFixed(0)} ms with it (median of 15); with it, exptrack run and the node reference would each take ${(caCost.with - caCost.without).toFixed(0)} ms more, ${((caCost.with - caCost.without) / median(bare)).toFixed(3)}x of the bare command`);
  if (cpuFold !== null) console.log(`  CPU of the fold afterwards (exptrack _fold of that run: load the database, fold ${(2 * LINES).toLocaleString('en-US')} points, save): ${cpuFold.toFixed(2)} s`);
  console.log(`  load average (1/5/15 min) at the end: ${load.map((l) => l.toFixed(2)).join(' / ')} on ${os.cpus().length} CPUs`);
  if (load[0] > os.cpus().length) console.log(`  note: load average ${load[0].toFixed(1)} on ${os.cpus().length} CPUs while measuring: wall times are inflated; the CPU line is the steadier figure`);
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(warmCache, { recursive: true, force: true });
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
}

main().catch((e: Error) => { console.error(e); process.exit(1); });
