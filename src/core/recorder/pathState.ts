import fs from 'node:fs';
import path from 'node:path';
import type { CommandAnalysis } from './commandAnalysis';

/**
 * What a path looked like at one moment: enough to tell later whether it changed. `partialAt`: a folder
 * bigger than its signature's walk (SIGNATURE_ENTRIES), so a change past it is not in `signature`: when
 * the walk ended (anything stamped later was written afterwards).
 */
export interface PathState { readonly exists: boolean; readonly isDir: boolean; readonly size: number; readonly mtimeMs: number; readonly signature: string; readonly partialAt?: number }

const ABSENT: PathState = { exists: false, isDir: false, size: 0, mtimeMs: 0, signature: '' };

/** The words of a command that may name files: its arguments, and what follows `=` in `--out=x` and `k=x`. */
export function namedPathWords(analysis: CommandAnalysis): string[] {
  return analysis.allArgs.filter((w) => w !== analysis.entry?.name).flatMap((w) => (w.includes('=') ? [w, w.slice(w.indexOf('=') + 1)] : [w]));
}

/**
 * The state of every word that names a path (or looks like one) under `cwd`, skipping the workspace
 * and cwd themselves and anything under `exclude`. Cheap (a stat per file, a bounded walk per
 * folder), so the CLI does it on its main thread just before it spawns the command.
 */
export function snapshotNamedPaths(words: readonly string[], cwd: string, workspaceDir: string, exclude: readonly string[]): [string, PathState][] {
  const out = new Map<string, PathState>();
  for (const w of words) {
    if (!plausiblePath(w)) continue;
    const abs = path.resolve(cwd, w);
    if (out.has(abs) || isUnder(abs, exclude) || abs === workspaceDir || abs === cwd || abs === path.parse(abs).root) continue;
    const state = stateOf(abs);
    // A word that names nothing and has no extension or folder part is a plain value, not a path;
    // one with a line break (legal in a file name) only when it names something or a file type
    // (not a `python -c` program).
    if (!state.exists && !/\.[A-Za-z0-9]{1,12}$/.test(w) && (!/[/\\]/.test(w) || w.includes('\n'))) continue;
    out.set(abs, state);
  }
  return [...out];
}

/** True when `abs` is one of `dirs` or inside one. */
export function isUnder(abs: string, dirs: readonly string[]): boolean {
  return dirs.some((x) => abs === x || abs.startsWith(x + path.sep));
}

function plausiblePath(w: string): boolean {
  return typeof w === 'string' && w.length > 0 && w.length < 1024 && !w.includes('\0') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(w) && !/^[-+]?[\d.eE+-]+$/.test(w) && !w.startsWith('-') && !w.startsWith('[') && !w.startsWith('{');
}

/** Up to `max` entries of a folder, read incrementally (a folder of a million files is not listed whole). */
export function readDirBounded(dir: string, max: number): fs.Dirent[] {
  const out: fs.Dirent[] = [];
  let d: fs.Dir | undefined;
  try {
    d = fs.opendirSync(dir);
    for (let e = d.readSync(); e && out.length < max; e = d.readSync()) out.push(e);
  } catch { /* unreadable: what was read */ } finally {
    try { d?.closeSync(); } catch { /* closed */ }
  }
  return out;
}

/** Most entries looked at to sign a named folder before the run starts (it runs before the process). */
const SIGNATURE_ENTRIES = 5000;
/** Most entries looked at, at the end, for a write under a named folder bigger than that. */
const SCAN_ENTRIES = 100_000;

/** A file's size, mtime and inode; a folder's file count, total size and newest mtime (bounded walk). */
export function stateOf(abs: string): PathState {
  try {
    const st = fs.statSync(abs);
    if (st.isDirectory()) {
      let seen = 0;
      let count = 0;
      let size = 0;
      let newest = st.mtimeMs;
      const walk = (d: string, depth: number): void => {
        if (depth > 8 || seen >= SIGNATURE_ENTRIES) return;
        for (const e of readDirBounded(d, SIGNATURE_ENTRIES - seen)) {
          if (++seen > SIGNATURE_ENTRIES) return;
          const p = path.join(d, e.name);
          if (e.isDirectory()) {
            try { newest = Math.max(newest, fs.statSync(p).mtimeMs); } catch { /* gone */ }
            walk(p, depth + 1);
          } else if (e.isFile()) {
            try { const s = fs.statSync(p); count++; size += s.size; newest = Math.max(newest, s.mtimeMs); } catch { /* gone */ }
          }
        }
      };
      walk(abs, 0);
      return { exists: true, isDir: true, size, mtimeMs: newest, signature: `d:${count}:${size}:${newest}`, partialAt: seen >= SIGNATURE_ENTRIES ? Date.now() : undefined };
    }
    if (!st.isFile()) return ABSENT;
    return { exists: true, isDir: false, size: st.size, mtimeMs: st.mtimeMs, signature: `f:${st.size}:${st.mtimeMs}:${st.ino}` };
  } catch {
    return ABSENT;
  }
}

/**
 * Whether anything under a big folder (past the entries its signature covers) was written after
 * `since` (when its signature was taken, before the process started): its files and subfolders looked
 * at up to the workspace scan's bound, at the end only.
 */
export function writtenUnder(dir: string, since: number): boolean {
  let seen = 0;
  const walk = (d: string, depth: number): boolean => {
    if (depth > 8) return false;
    for (const e of readDirBounded(d, SCAN_ENTRIES - seen)) {
      if (++seen > SCAN_ENTRIES) return false;
      const p = path.join(d, e.name);
      if (!e.isDirectory() && !e.isFile()) continue;
      try { if (fs.statSync(p).mtimeMs > since) return true; } catch { continue; }
      if (e.isDirectory() && walk(p, depth + 1)) return true;
    }
    return false;
  };
  return walk(dir, 0);
}
