// Benchmark, run by `npm run bench` only (EXPTRACK_BENCH=1): the extension host's event loop while
// `exptrack run` records 100k points/s (10 metrics a line, 10k lines/s, 10 s) in another process into
// the workspace this window has open, with the run's Run panel open (live updates) and the Runs tree
// showing 400 runs x 10 metrics (the catalog of the 1e8-point scale workspace: the points on disk
// cost the editor nothing). Target (issue 14): p99 <= 50 ms, max <= 100 ms.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';

const bench = process.env.EXPTRACK_BENCH === '1' ? describe : describe.skip;
const SECONDS = 10;
const LINES = SECONDS * 10_000;

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

bench('bench: the extension host while a run records 100k points/s', function () {
  this.timeout(600_000);

  it('prints the event loop delay', async () => {
    const ext = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const { store } = await ext.stores.get(folder);
    for (let r = 0; r < 400; r++) {
      const id = `scale-${String(r).padStart(4, '0')}`;
      store.sink.startRun({ id, experiment: 'scale', name: id, command: 'python train.py', cwd: folder.uri.fsPath, startedAt: 1_700_000_000_000 + r * 1000, source: 'cli' });
      store.sink.params(id, { lr: r / 1000 });
      store.sink.metrics(id, Array.from({ length: 10 }, (_, k) => ({ key: `metric_${k}`, step: 24_999, value: Math.sin(r + k), time: 1_700_000_000_000 + r * 1000 })));
      store.sink.endRun(id, { endedAt: 1_700_000_000_500 + r * 1000, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    // Settled as a window that has been open a while: the tree listed once, its change events done.
    for (const g of await ext.runsTree.getChildren()) await ext.runsTree.getChildren(g as RunsNode);
    await new Promise((r) => setTimeout(r, 2000));

    const printer = path.join(folder.uri.fsPath, 'bench-printer.js');
    fs.writeFileSync(printer, `const t0 = Date.now(); let step = 0;
const timer = setInterval(() => {
  const due = Math.min(${LINES}, Math.floor((Date.now() - t0) * 10));
  let s = '';
  for (; step < due; step++) { s += 'step=' + step; for (let k = 0; k < 10; k++) s += ' live_' + k + '=' + Math.sin(step + k).toFixed(6); s += '\\n'; }
  process.stdout.write(s);
  if (step >= ${LINES}) clearInterval(timer);
}, 10);`);
    const cli = path.join(vscode.extensions.getExtension('exptrack.exptrack')!.extensionPath, 'dist', 'cli.js');

    /** Runs the recording in `cwd` while measuring this thread's event loop; `watch` waits for the fold and opens the Run panel. */
    const measure = async (cwd: string, watch: boolean): Promise<string> => {
      const name = `live-${Date.now().toString(36)}`;
      const child = spawn(process.execPath, [cli, 'run', '--name', name, '--', process.execPath, printer], {
        cwd, stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', EXPTRACK_DIR: '' },
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const stalls: number[] = [];
      const stallTimes: [number, number][] = [];
      let last = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        if (now - last > 60) { stalls.push(now - last - 10); stallTimes.push([Number(process.hrtime.bigint() / 1000n), (now - last) * 1000]); }
        last = now;
      }, 10);
      // EXPTRACK_BENCH_PROFILE=DIR: a CPU profile of the extension host meanwhile, and the stalls' times, to find what stalls.
      const profileDir = watch ? process.env.EXPTRACK_BENCH_PROFILE : undefined;
      const session = profileDir ? new inspector.Session() : undefined;
      const post = (method: string, params?: object): Promise<unknown> => new Promise((resolve, reject) => session!.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
      if (session) { session.connect(); await post('Profiler.enable'); await post('Profiler.start'); }
      let points = 0;
      if (watch) {
        // The live run's panel, open while it records (as a user watching it).
        const node = await until('the live run in the tree', async () => {
          for (const g of await ext.runsTree.getChildren()) {
            for (const r of await ext.runsTree.getChildren(g as RunsNode)) if (r.type === 'run' && r.run.name === name) return r;
          }
          return undefined;
        });
        await vscode.commands.executeCommand('exptrack.showRun', node);
      }
      await exited;
      if (watch) {
        points = await until('every point folded', () => {
          const run = store.listRuns({ limit: 5 }).find((r) => r.name === name);
          const n = run ? Object.values(run.metrics).reduce((a, m) => a + m.count, 0) : 0;
          return run && run.status !== 'running' && n >= LINES * 10 ? n : undefined;
        });
      }
      h.disable();
      clearInterval(probe);
      if (session && profileDir) {
        const { profile } = await post('Profiler.stop') as { profile: unknown };
        fs.mkdirSync(profileDir, { recursive: true });
        fs.writeFileSync(path.join(profileDir, 'host.cpuprofile'), JSON.stringify(profile));
        fs.writeFileSync(path.join(profileDir, 'stalls.json'), JSON.stringify(stallTimes));
        session.disconnect();
      }
      stalls.sort((a, b) => b - a);
      const ms = (ns: number): string => (ns / 1e6).toFixed(1);
      return `event loop p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms; ` +
        `${stalls.length} stall(s) over 50 ms${stalls.length ? ` (longest ${stalls.slice(0, 3).map((x) => x.toFixed(0)).join(', ')} ms)` : ''}` +
        (watch ? `; ${points.toLocaleString('en-US')} points folded` : '');
    };

    // Reference: the same recording into a folder this window does not have open (the machine's load
    // alone: 2 cores shared with the recorder, the command, code-server and the browser).
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-bench-elsewhere-'));
    const reference = await measure(elsewhere, false);
    fs.rmSync(elsewhere, { recursive: true, force: true });
    const measured = await measure(folder.uri.fsPath, true);
    console.log(`    BENCH extension host while exptrack run records ${(LINES * 10).toLocaleString('en-US')} points at 100k points/s into this workspace ` +
      `(Run panel open, 400 runs in the tree): ${measured} (target p99 <= 50 ms, max <= 100 ms)`);
    console.log(`    reference, the same run recorded into a folder this window does not watch: ${reference}`);
    const mem = process.memoryUsage();
    console.log(`    extension host memory after: heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} of ${(mem.heapTotal / 2 ** 20).toFixed(0)} MB, array buffers ${(mem.arrayBuffers / 2 ** 20).toFixed(0)} MB, RSS ${(mem.rss / 2 ** 20).toFixed(0)} MB`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
