import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactRecord, ArtifactRole } from '../model';
import { classifyDirectory, classifyFile } from '../lineage/artifactClassifier';
import type { FileHasher, HashProgress } from './fileHasher';
import { compileGlob } from './globMatch';

/** Files created or changed under the workspace that match these are outputs of the run. */
export const DEFAULT_OUTPUT_GLOBS: readonly string[] = [
  '**/*.{pt,pth,ckpt,safetensors,onnx,h5,keras,pkl,joblib,gguf,tflite}',
  '**/*.{parquet,arrow,feather,npy,npz,tfrecord}',
  'outputs/**', 'output/**', 'checkpoints/**', 'models/**', 'artifacts/**',
];
/** Folders the workspace scan never enters. */
export const SCAN_SKIP_DIRS: readonly string[] = ['.git', '.exptrack', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints', 'wandb', 'mlruns', 'site-packages', '.cache'];

const MAX_SCAN_ENTRIES = 100_000;
const MAX_SCAN_OUTPUTS = 1000;

/**
 * `partialAt`: a folder bigger than its signature's walk (SIGNATURE_ENTRIES), so a change past it is not
 * in `signature`: when the walk ended (anything stamped later was written afterwards).
 */
interface PathState { readonly exists: boolean; readonly isDir: boolean; readonly size: number; readonly mtimeMs: number; readonly signature: string; readonly partialAt?: number }

/**
 * Decides which files a run read and wrote. Before the run: the state of every path named in its
 * arguments or config. After: a named path that existed and is unchanged is an INPUT; one created or
 * changed is an OUTPUT; files under the workspace matching the output globs and modified since the
 * start are OUTPUTs; paths the script declared on the structured channel keep the role it gave (or
 * get one by the same rule). Inputs are hashed while the run goes, outputs at its end.
 */
/** A file of a run being hashed: its display path, bytes read so far and its size. */
export interface ArtifactHashProgress {
  readonly path: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export class ArtifactTracker {
  private readonly named = new Map<string, PathState>();
  private readonly inputHashes = new Map<string, Promise<string | null>>();
  private readonly outputGlobs: ((rel: string) => boolean)[];
  private startedAt = 0;

  constructor(private readonly cwd: string, private readonly workspaceDir: string, private readonly hasher: FileHasher, outputGlobs: readonly string[] = DEFAULT_OUTPUT_GLOBS, private readonly exclude: readonly string[] = [],
    private readonly onHashProgress?: (p: ArtifactHashProgress) => void) {
    this.outputGlobs = outputGlobs.map(compileGlob);
  }

  /** Records the state of the words that may be paths; call just before the process starts. */
  noteNamedPaths(words: readonly string[], startedAt: number): void {
    this.startedAt = startedAt;
    for (const w of words) {
      if (!plausiblePath(w)) continue;
      const abs = path.resolve(this.cwd, w);
      if (this.named.has(abs) || this.isExcluded(abs) || abs === this.workspaceDir || abs === this.cwd || abs === path.parse(abs).root) continue;
      const state = stateOf(abs);
      // A word that names nothing and has no extension or folder part is a plain value, not a path;
      // one with a line break (legal in a file name) only when it names something or a file type
      // (not a `python -c` program).
      if (!state.exists && !/\.[A-Za-z0-9]{1,12}$/.test(w) && (!/[/\\]/.test(w) || w.includes('\n'))) continue;
      this.named.set(abs, state);
    }
  }

  private progressFor(abs: string): HashProgress | undefined {
    const report = this.onHashProgress;
    if (!report) return undefined;
    const shown = this.display(abs);
    return (bytesDone, bytesTotal) => report({ path: shown, bytesDone, bytesTotal });
  }

  /** Starts hashing the named paths that exist (future inputs), in the background, one at a time. */
  hashInputsInBackground(): void {
    let chain: Promise<unknown> = Promise.resolve();
    for (const [abs, st] of this.named) {
      if (!st.exists) continue;
      const p = chain.then(() => this.hasher.hash(abs, this.progressFor(abs)));
      this.inputHashes.set(abs, p);
      chain = p.catch(() => null);
    }
  }

  /** The run's artifacts, hashed. `declared` are paths from the structured channel. */
  async finish(declared: readonly { path: string; role: ArtifactRole | null }[]): Promise<ArtifactRecord[]> {
    const roles = new Map<string, ArtifactRole>();
    for (const [abs, before] of this.named) {
      const after = stateOf(abs);
      if (!after.exists) continue;
      const same = before.exists && before.signature === after.signature && !(before.partialAt !== undefined && writtenUnder(abs, before.partialAt));
      roles.set(abs, same ? 'input' : 'output');
    }
    for (const d of declared) {
      if (typeof d.path !== 'string' || !d.path || d.path.length > 4096) continue;
      const abs = path.resolve(this.cwd, d.path);
      if (this.isExcluded(abs)) continue;
      const after = stateOf(abs);
      if (!after.exists) continue;
      roles.set(abs, d.role ?? (this.changedSinceStart(after.mtimeMs) ? 'output' : 'input'));
    }
    for (const abs of this.scanOutputs()) if (!roles.has(abs)) roles.set(abs, 'output');

    const records: ArtifactRecord[] = [];
    for (const [abs, role] of roles) {
      const st = stateOf(abs);
      if (!st.exists) continue;
      const before = this.named.get(abs);
      const unchanged = before?.exists && before.signature === st.signature;
      const sha256 = (unchanged ? await this.inputHashes.get(abs) : undefined) ?? (await this.hasher.hash(abs, this.progressFor(abs)));
      records.push({
        path: this.display(abs),
        role,
        kind: st.isDir ? classifyDirectory(listFiles(abs, 2000)) : classifyFile(abs),
        sha256,
        size: st.size,
        mtime: Math.round(st.mtimeMs),
      });
    }
    this.hasher.save();
    return records;
  }

  private changedSinceStart(mtimeMs: number): boolean {
    // File systems with whole-second times (HFS+, some network mounts) get the second of the start;
    // others a little slack, as the kernel stamps files from a clock that lags by up to a tick.
    const start = mtimeMs % 1000 === 0 ? Math.floor(this.startedAt / 1000) * 1000 : this.startedAt - 15;
    return mtimeMs >= start;
  }

  private scanOutputs(): string[] {
    const found: string[] = [];
    let visited = 0;
    const skip = new Set(SCAN_SKIP_DIRS);
    const walk = (dir: string, rel: string): void => {
      if (visited >= MAX_SCAN_ENTRIES) return;
      for (const e of readDirBounded(dir, MAX_SCAN_ENTRIES - visited)) {
        if (++visited > MAX_SCAN_ENTRIES || found.length >= MAX_SCAN_OUTPUTS) return;
        const r = rel ? `${rel}/${e.name}` : e.name;
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!skip.has(e.name) && !this.isExcluded(abs)) walk(abs, r);
        } else if (e.isFile() && this.outputGlobs.some((g) => g(r))) {
          try {
            if (this.changedSinceStart(fs.statSync(abs).mtimeMs)) found.push(abs);
          } catch { /* gone */ }
        }
      }
    };
    walk(this.workspaceDir, '');
    return found;
  }

  private isExcluded(abs: string): boolean {
    return this.exclude.some((x) => abs === x || abs.startsWith(x + path.sep));
  }

  private display(abs: string): string {
    const rel = path.relative(this.workspaceDir, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return abs.split(path.sep).join('/');
    return rel.split(path.sep).join('/');
  }
}

function plausiblePath(w: string): boolean {
  return typeof w === 'string' && w.length > 0 && w.length < 1024 && !w.includes('\0') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(w) && !/^[-+]?[\d.eE+-]+$/.test(w) && !w.startsWith('-') && !w.startsWith('[') && !w.startsWith('{');
}

/** Up to `max` entries of a folder, read incrementally (a folder of a million files is not listed whole). */
function readDirBounded(dir: string, max: number): fs.Dirent[] {
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

function stateOf(abs: string): PathState {
  try {
    const st = fs.statSync(abs);
    if (st.isDirectory()) {
      // A folder's signature: its files' count, total size and newest mtime (a bounded walk).
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
    if (!st.isFile()) return { exists: false, isDir: false, size: 0, mtimeMs: 0, signature: '' };
    return { exists: true, isDir: false, size: st.size, mtimeMs: st.mtimeMs, signature: `f:${st.size}:${st.mtimeMs}:${st.ino}` };
  } catch {
    return { exists: false, isDir: false, size: 0, mtimeMs: 0, signature: '' };
  }
}

/**
 * Whether anything under a big folder (past the entries its signature covers) was written after
 * `since` (when its signature was taken, before the process started): its files and subfolders looked
 * at up to the workspace scan's bound, at the end only.
 */
function writtenUnder(dir: string, since: number): boolean {
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

/** Up to `max` files under `dir` (5 levels deep), as paths relative to it: the classifier reads layouts. */
function listFiles(dir: string, max: number): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string, depth: number): void => {
    if (depth > 4 || out.length >= max) return;
    for (const e of readDirBounded(d, max)) {
      if (out.length >= max) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r, depth + 1);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(dir, '', 0);
  return out;
}
