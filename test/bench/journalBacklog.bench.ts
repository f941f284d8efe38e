// A big pending journal (issue #19 item 6): what a reader (`exptrack ls`) and a writer's fold (what
// `exptrack _fold` does) cost in time and peak memory. Each is measured in a fresh process (peak RSS
// is per process). `node out/test/bench/journalBacklog.bench.js --mb=1024` for the 1 GB.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeFloats } from '../../src/core/store/journalRecord';
import { thisHost } from '../../src/core/store/processInfo';
import { Store } from '../../src/core/store/store';

const quiet = { info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };

/** A journal of about `mb` MB of metric points (4 keys, 1000 points a record) of a writer that is gone. */
function writeJournal(dir: string, mb: number): number {
  fs.mkdirSync(path.join(dir, 'journal'), { recursive: true });
  const writer = `${thisHost}-999999-bench`;
  const fd = fs.openSync(path.join(dir, 'journal', `${writer}.jsonl`), 'w');
  const put = (s: string): void => { fs.writeSync(fd, `${s}\n`); };
  put(JSON.stringify({ t: 'w', writer, pid: 999999, host: thisHost, time: Date.now(), v: 1 }));
  put(JSON.stringify({ t: 'start', run: { id: 'backlog', experiment: 'bench', name: 'backlog', command: 'bench', cwd: '/', startedAt: Date.now(), source: 'cli' } }));
  const f = new Float64Array(4000);
  let bytes = 0;
  let step = 0;
  while (bytes < mb * 1024 * 1024) {
    for (let i = 0; i < 1000; i++) f.set([i & 3, step + (i >> 2), Math.random(), Date.now()], i * 4);
    step += 250;
    const line = `{"t":"m","r":"backlog","k":["loss","acc","lr","val_loss"],"b":"${encodeFloats(f)}"}\n`;
    fs.writeSync(fd, line);
    bytes += line.length;
  }
  put(JSON.stringify({ t: 'end', r: 'backlog', e: { endedAt: Date.now(), exitCode: 0, signal: null, status: 'finished' } }));
  fs.closeSync(fd);
  return step * 4;
}

async function child(mode: string, dir: string): Promise<void> {
  const t0 = performance.now();
  const s = await Store.open(dir, { readOnly: mode === 'read', logger: quiet });
  const runs = s.listRuns();
  await s.close();
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, maxRssMb: ru.maxRSS / 1024, count: runs[0]?.metrics.loss?.count }));
}

function measure(mode: string, dir: string): { ms: number; cpuMs: number; maxRssMb: number; count: number } {
  const r = spawnSync(process.execPath, [__filename, `--child=${mode}`, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; cpuMs: number; maxRssMb: number; count: number };
}

async function main(): Promise<void> {
  const childArg = process.argv.find((a) => a.startsWith('--child='));
  if (childArg) return child(childArg.slice('--child='.length), process.argv[process.argv.length - 1]);
  const mb = Number(process.argv.find((a) => a.startsWith('--mb='))?.slice(5) ?? 256);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-backlog-bench-'));
  try {
    const dir = path.join(root, '.exptrack');
    const points = writeJournal(dir, mb);
    console.log(`journal: ${mb} MB, ${points} points of one run (4 keys); load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
    const read = measure('read', dir);
    console.log(`reader (ls): ${(read.ms / 1000).toFixed(1)} s wall, ${(read.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${read.maxRssMb.toFixed(0)} MB (${read.count} loss points)`);
    const fold = measure('fold', dir);
    console.log(`writer fold + save: ${(fold.ms / 1000).toFixed(1)} s wall, ${(fold.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${fold.maxRssMb.toFixed(0)} MB`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
