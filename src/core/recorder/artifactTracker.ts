import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactRecord, ArtifactRole } from '../model';
import { classifyDirectory, classifyFile } from '../lineage/artifactClassifier';
import type { FileHasher, HashProgress } from './fileHasher';
import { compileGlob } from './globMatch';
import { isUnder, readDirBounded, snapshotNamedPaths, stateOf, writtenUnder, type PathState } from './pathState';

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

/** Files read from one folder past which the folder is the input (an image folder, shards). */
const FOLDER_INPUT_FILES = 32;
/** Most opened files remembered per run. */
const MAX_OPENED = 20_000;

export class ArtifactTracker {
  private readonly named = new Map<string, PathState>();
  /** Files the process opened (the python hook): true once it wrote one. */
  private readonly opened = new Map<string, boolean>();
  private readonly inputHashes = new Map<string, Promise<string | null>>();
  private readonly outputGlobs: ((rel: string) => boolean)[];
  /** Changes from this time on are the run's (its start, or earlier when it was seen late). */
  private since = 0;

  constructor(private readonly cwd: string, private readonly workspaceDir: string, private readonly hasher: FileHasher, outputGlobs: readonly string[] = DEFAULT_OUTPUT_GLOBS, private readonly exclude: readonly string[] = [],
    private readonly onHashProgress?: (p: ArtifactHashProgress) => void) {
    this.outputGlobs = outputGlobs.map(compileGlob);
  }

  /** Records the state of the words that may be paths; call just before the process starts. */
  noteNamedPaths(words: readonly string[], startedAt: number, modifiedSince?: number): void {
    this.adoptNamedPaths(snapshotNamedPaths(words, this.cwd, this.workspaceDir, this.exclude), startedAt, modifiedSince);
  }

  /**
   * Takes named paths' states looked at by someone else before the process started (the CLI's main
   * thread). `modifiedSince`: the run may have started before the states were taken (a terminal
   * command is heard of late); a path changed since then counts as changed by the run.
   */
  adoptNamedPaths(states: Iterable<readonly [string, PathState]>, startedAt: number, modifiedSince?: number): void {
    this.since = Math.min(startedAt, modifiedSince ?? startedAt);
    for (const [abs, state] of states) {
      if (this.named.has(abs) || this.isExcluded(abs)) continue;
      const seenLate = modifiedSince !== undefined && state.exists && state.mtimeMs >= modifiedSince;
      this.named.set(abs, seenLate ? { ...state, signature: `late:${state.signature}` } : state);
    }
  }

  /** A file the process opened (reported by the python hook): `write` for writing, creating or appending. */
  noteOpened(abs: string, write: boolean): void {
    if (this.isExcluded(abs)) return;
    const before = this.opened.get(abs);
    if (before === undefined && this.opened.size >= MAX_OPENED) return;
    this.opened.set(abs, before === true || write);
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
    for (const [abs, role] of this.openedRoles()) {
      // Written by the process: an output whatever the named-path rule said; read: as named, else by time.
      if (role === 'output' || !roles.has(abs)) roles.set(abs, role);
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

  /**
   * The roles of the files the process opened. Written -> output. Read -> input, unless it changed
   * since the start (the run made it through code the hook does not see, e.g. C++ writing a
   * checkpoint, then read it back). Many files read from one folder make the folder the input (an
   * image folder is one dataset, not 10,000 artifacts); such folders side by side make their parent.
   */
  private openedRoles(): Map<string, ArtifactRole> {
    const roles = new Map<string, ArtifactRole>();
    const readByDir = new Map<string, string[]>();
    for (const [abs, written] of this.opened) {
      if (written) { roles.set(abs, 'output'); continue; }
      if (this.named.has(abs)) { roles.set(abs, 'input'); continue; }
      const st = stateOf(abs);
      if (!st.exists || st.isDir) continue;
      if (this.changedSinceStart(st.mtimeMs)) { roles.set(abs, 'output'); continue; }
      const dir = path.dirname(abs);
      let list = readByDir.get(dir);
      if (!list) readByDir.set(dir, list = []);
      list.push(abs);
    }
    const collapsed = new Map<string, string[]>();
    for (const [dir, files] of readByDir) {
      if (files.length > FOLDER_INPUT_FILES && this.mayStandForFiles(dir)) {
        const parent = path.dirname(dir);
        let list = collapsed.get(parent);
        if (!list) collapsed.set(parent, list = []);
        list.push(dir);
      } else {
        for (const f of files) roles.set(f, 'input');
      }
    }
    for (const [parent, dirs] of collapsed) {
      if (dirs.length > 1 && this.mayStandForFiles(parent)) roles.set(parent, 'input');
      else for (const d of dirs) roles.set(d, 'input');
    }
    return roles;
  }

  /** A folder may be recorded in place of files read from it: under the workspace, not it, not cwd. */
  private mayStandForFiles(dir: string): boolean {
    return dir !== this.workspaceDir && dir !== this.cwd && isUnder(dir, [this.workspaceDir]) && !this.isExcluded(dir);
  }

  private changedSinceStart(mtimeMs: number): boolean {
    // File systems with whole-second times (HFS+, some network mounts) get the second of the start;
    // others a little slack, as the kernel stamps files from a clock that lags by up to a tick.
    const start = mtimeMs % 1000 === 0 ? Math.floor(this.since / 1000) * 1000 : this.since - 15;
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
    return isUnder(abs, this.exclude);
  }

  private display(abs: string): string {
    const rel = path.relative(this.workspaceDir, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return abs.split(path.sep).join('/');
    return rel.split(path.sep).join('/');
  }
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
