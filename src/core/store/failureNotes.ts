import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive, thisHost } from './processInfo';

/**
 * A writer whose fold, save or migration keeps failing says so in `.exptrack/cache/failing-<writer>.json`
 * while it lasts, so that `exptrack doctor` (another process) shows it too, not only the writer's own
 * log. The note goes when the writer recovers; a note left by a writer that is gone is removed by the
 * next writer's successful save (which folded what that writer's journals held).
 */

export interface FailureNote {
  readonly writer: string;
  readonly pid: number;
  readonly host: string;
  readonly alive: boolean;
  readonly failures: readonly { readonly message: string; readonly since: number }[];
  readonly file: string;
}

const prefix = 'failing-';

function noteFile(exptrackDir: string, writer: string): string {
  return path.join(exptrackDir, 'cache', `${prefix}${writer}.json`);
}

/** Writes this writer's current failures (none: the note goes). Best effort: a full disk may refuse it. */
export function writeFailureNote(exptrackDir: string, writer: string, failures: readonly { message: string; since: number }[]): void {
  const file = noteFile(exptrackDir, writer);
  try {
    if (!failures.length) { fs.rmSync(file, { force: true }); return; }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ writer, pid: process.pid, host: thisHost, failures }));
  } catch { /* said in this writer's own log already */ }
}

/** Every writer's failure note. */
export function readFailureNotes(exptrackDir: string): FailureNote[] {
  const dir = path.join(exptrackDir, 'cache');
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.json')); } catch { return []; }
  const out: FailureNote[] = [];
  for (const n of names.sort()) {
    const file = path.join(dir, n);
    try {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { writer: string; pid: number; host: string; failures: { message: string; since: number }[] };
      if (!Array.isArray(j.failures)) continue;
      out.push({ writer: String(j.writer), pid: Number(j.pid), host: String(j.host), alive: isProcessAlive(Number(j.pid), String(j.host)) ?? true, failures: j.failures, file });
    } catch { /* being written, or not ours */ }
  }
  return out;
}
