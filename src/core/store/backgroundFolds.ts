import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive, thisHost } from './processInfo';

/**
 * A detached `exptrack _fold` has no terminal: its stderr goes to `.exptrack/cache/fold-<id>.log`,
 * which it deletes when it has folded and saved. A log left behind by a process that is gone is a
 * fold that ended without finishing (killed, out of memory: V8 and the kernel's OOM killer leave no
 * chance to say more than what reached stderr). `exptrack doctor` shows it; the editor and the next
 * `exptrack run` say it once and delete it after their own save folded the journals it left.
 */

const prefix = 'fold-';

export interface BackgroundFold {
  readonly file: string;
  readonly pid: number | null;
  readonly startedAt: number;
  readonly running: boolean;
  /** What it wrote (its stderr), last lines first trimmed to a few hundred characters. */
  readonly said: string;
}

/** Creates the log a detached `_fold` writes its stderr to; returns its path and an fd to hand over. */
export function createFoldLog(exptrackDir: string, startedBy: string): { file: string; fd: number } {
  const dir = path.join(exptrackDir, 'cache');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${prefix}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.log`);
  const fd = fs.openSync(file, 'a');
  fs.writeSync(fd, `started ${new Date().toISOString()} by ${startedBy}\n`);
  return { file, fd };
}

/** The first line a `_fold` writes to its log: who it is, so that others can tell it is gone. */
export function foldLogHeader(): string {
  return `pid ${process.pid} host ${thisHost}\n`;
}

/** Background folds that left a log: running ones, and ones that ended without finishing. */
export function backgroundFolds(exptrackDir: string): BackgroundFold[] {
  const dir = path.join(exptrackDir, 'cache');
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.log')); } catch { return []; }
  const out: BackgroundFold[] = [];
  for (const n of names.sort()) {
    const file = path.join(dir, n);
    let text: string;
    let mtimeMs: number;
    try { text = fs.readFileSync(file, 'utf8'); mtimeMs = fs.statSync(file).mtimeMs; } catch { continue; }
    const who = /^pid (\d+) host (\S+)$/m.exec(text);
    const started = /^started (\S+)/m.exec(text);
    const pid = who ? Number(who[1]) : null;
    // Not started yet (no pid line) counts as running for a minute.
    const running = who ? isProcessAlive(pid!, who[2]) ?? Date.now() - mtimeMs < 10 * 60_000 : Date.now() - mtimeMs < 60_000;
    const lines = text.split('\n').filter((l) => l.trim() && !/^(pid \d+ host|started )/.test(l));
    // V8's own last words (FATAL ERROR ... heap out of memory) come before a native stack trace.
    const errors = lines.filter((l) => /FATAL ERROR|out of memory|\berror\b/i.test(l) && !/^\s*\d+: 0x/.test(l));
    const said = (errors.length ? errors.slice(0, 3) : lines.slice(-3)).map((l) => l.trim()).join(' / ');
    out.push({ file, pid, startedAt: started ? Date.parse(started[1]) || mtimeMs : mtimeMs, running, said: said.length > 600 ? `...${said.slice(-600)}` : said });
  }
  return out;
}

/** The message for a background fold that ended without finishing. */
export function failedFoldMessage(f: BackgroundFold): string {
  return `a background fold (exptrack _fold${f.pid !== null ? `, pid ${f.pid}` : ''}, started ${new Date(f.startedAt).toISOString()}) ended without finishing: ` +
    `${f.said || 'it said nothing (killed, or out of memory)'}; the journals keep everything it was folding (log: ${f.file})`;
}
