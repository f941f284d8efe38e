import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder of exptrack's Python hook (`sitecustomize.py` and `_exptrack_hook.py`, from
 * src/python/exptrack_hook), beside the bundles in dist/ (esbuild.mjs copies it there).
 */
export const PYTHON_HOOK_FOLDER = 'python-hook';

/** `<bundleDir>/python-hook` when the hook is there, else null (a build without it). */
export function pythonHookDirBeside(bundleDir: string): string | null {
  const dir = path.join(bundleDir, PYTHON_HOOK_FOLDER);
  return fs.existsSync(path.join(dir, 'sitecustomize.py')) ? dir : null;
}

/** Where the hook of a run reports files, and where it may write the package list of its environment. */
export interface PythonHookTarget {
  /** Files opened under this folder are reported (the workspace). */
  readonly workspaceDir: string;
  /** `<exptrackDir>/cache`: the hook writes `packages-<key>.txt` there (see pythonInfo.ts). */
  readonly cacheDir: string;
}

/**
 * The variables that load the hook in a Python process exptrack starts: its folder first on
 * PYTHONPATH (before the caller's own entries, whose sitecustomize it runs in turn), the workspace
 * whose files it reports and the package cache. A spawned run has its own channel
 * (EXPTRACK_METRICS_FILE), so the terminal's spool and the hook's notion of the first process of a
 * run are cleared (the empty string: the hook treats it as unset).
 */
export function pythonHookEnv(hookDir: string, baseEnv: NodeJS.ProcessEnv, target: PythonHookTarget): Record<string, string> {
  const current = baseEnv.PYTHONPATH ?? '';
  const first = current.split(path.delimiter)[0];
  return {
    PYTHONPATH: !current ? hookDir : first === hookDir ? current : `${hookDir}${path.delimiter}${current}`,
    EXPTRACK_WORKSPACE: target.workspaceDir,
    EXPTRACK_CACHE_DIR: target.cacheDir,
    EXPTRACK_HOOK_SPOOL: '',
    EXPTRACK_HOOK_ROOT: '',
  };
}

/** A terminal process's report file in the spool: `<session id>-<start ms>-<pid>.jsonl`. */
export function parseSpoolFileName(name: string): { readonly session: number; readonly startedAt: number; readonly pid: number } | null {
  const m = /^(\d+)-(\d+)-(\d+)\.jsonl$/.exec(name);
  return m ? { session: Number(m[1]), startedAt: Number(m[2]), pid: Number(m[3]) } : null;
}
