import fs from 'node:fs';
import path from 'node:path';
import { MetricsFileTailer } from './metricsFileTailer';
import { parseSpoolFileName } from './pythonHook';

/** The spool of a terminal's Python hook, as far as one run is concerned. */
export interface HookSpool {
  /** The folder the terminals' hooks write their per-process files to (EXPTRACK_HOOK_SPOOL). */
  readonly dir: string;
  /** The terminal's session: its shell's process id (the hook names its file by `os.getsid(0)`). */
  readonly session: number;
  /** Files of processes started before this are not the run's (its start, less the event's delay). */
  readonly notBefore: number;
}

/**
 * Follows the report files that Python processes of one terminal write into the spool while a run
 * is recorded (a process started by the run's command: same session, started after `notBefore`),
 * handing their lines to `onLine` as the structured channel's. {@link finish} reads them to the end
 * and deletes them: they were this run's.
 */
export class SpoolFollower {
  private readonly tailers = new Map<string, MetricsFileTailer>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly spool: HookSpool, private readonly onLine: (line: string) => void) {}

  start(intervalMs = 250): void {
    this.timer ??= setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  poll(): void {
    let names: string[];
    try { names = fs.readdirSync(this.spool.dir); } catch { return; }
    for (const name of names) {
      if (this.tailers.has(name)) continue;
      const f = parseSpoolFileName(name);
      if (!f || f.session !== this.spool.session || f.startedAt < this.spool.notBefore) continue;
      this.tailers.set(name, new MetricsFileTailer(path.join(this.spool.dir, name), this.onLine));
    }
    for (const t of this.tailers.values()) t.poll();
  }

  finish(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
    this.poll();
    for (const [name, t] of this.tailers) {
      t.finish();
      try { fs.unlinkSync(path.join(this.spool.dir, name)); } catch { /* gone already */ }
    }
  }
}

/**
 * Deletes report files of processes that are gone and that no run took (commands not recorded:
 * `pip`, linters...) once they are `olderThanMs` old. Never fails.
 */
export function sweepSpool(dir: string, olderThanMs: number, now = Date.now()): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const name of names) {
    const f = parseSpoolFileName(name);
    if (!f || now - f.startedAt < olderThanMs || isAlive(f.pid)) continue;
    try { fs.unlinkSync(path.join(dir, name)); } catch { /* gone already */ }
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
