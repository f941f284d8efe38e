import fs from 'node:fs';
import path from 'node:path';

/**
 * The `.exptrack` folder for a command run in `cwd`: `EXPTRACK_DIR` (relative to cwd) when set, else
 * the nearest `.exptrack` folder from cwd upward, else `<cwd>/.exptrack` (not created here).
 */
export function findStoreDir(cwd: string, env: NodeJS.ProcessEnv): { dir: string; exists: boolean } {
  const fromEnv = env.EXPTRACK_DIR?.trim();
  if (fromEnv) {
    const dir = path.resolve(cwd, fromEnv);
    return { dir, exists: isDir(dir) };
  }
  let at = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(at, '.exptrack');
    if (isDir(candidate)) return { dir: candidate, exists: true };
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  return { dir: path.join(path.resolve(cwd), '.exptrack'), exists: false };
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
