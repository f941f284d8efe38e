import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The outcome of a helper command; never a thrown error. */
export interface ExecResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started at all (ENOENT...). */
  readonly error?: string;
}

/**
 * Runs a helper program (git, python, nvidia-smi) without a shell and with a timeout. Helpers are
 * started at a lower CPU priority where the OS allows, so they never compete with the run itself.
 */
export function execQuiet(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; maxBuffer?: number; lowPriority?: boolean } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = execFile(file, args as string[], {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 10_000,
        maxBuffer: options.maxBuffer ?? 32 * 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
      }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (e && typeof e.code === 'string') resolve({ ok: false, code: null, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: e.code });
        else resolve({ ok: !e, code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: e?.killed ? 'timeout' : undefined });
      });
    } catch (e) {
      resolve({ ok: false, code: null, stdout: '', stderr: '', error: (e as Error).message });
      return;
    }
    if (options.lowPriority && child.pid) {
      try { os.setPriority(child.pid, 10); } catch { /* not allowed here: fine */ }
    }
    child.stdin?.end();
  });
}

/** Finds `command` on PATH like a shell would (a word with a slash is taken relative to cwd). */
export function whichSync(command: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (command.includes('/') || command.includes('\\')) {
    const p = path.resolve(cwd, command);
    return isExecutable(p) ? p : null;
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const p = path.join(path.resolve(cwd, dir), command + ext);
      if (isExecutable(p)) return p;
    }
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
