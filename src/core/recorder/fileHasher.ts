import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Default: files bigger than this are recorded with size and mtime but no hash. */
export const DEFAULT_MAX_HASH_BYTES = 8 * 1024 * 1024 * 1024;
/** Most files in a directory hashed as a tree; bigger trees get no hash. */
export const MAX_TREE_FILES = 10_000;

const CACHE_MIN_BYTES = 1024 * 1024;
const SKIP_DIRS = new Set(['.git', '.exptrack', '__pycache__', 'node_modules', '.ipynb_checkpoints']);

interface Stamp { readonly size: number; readonly mtimeMs: number; readonly ino: number }

/**
 * sha256 of files, streamed (a file is never read whole into memory), and of directories as a tree
 * (sha256 over `relative/path\0<file sha256>\n` lines, sorted). Hashes of big files are remembered by
 * path, size, mtime and inode in `<cacheFile>` so the same dataset is not read again on every run.
 */
/** Bytes read so far of a file being hashed, and its size. */
export type HashProgress = (bytesDone: number, bytesTotal: number) => void;

export class FileHasher {
  private cache: Map<string, { s: number; m: number; i: number; h: string }> | undefined;

  constructor(private readonly cacheFile: string | null, private readonly maxHashBytes = DEFAULT_MAX_HASH_BYTES) {}

  /**
   * sha256 (hex) of a file or directory, or null when too big, unreadable, or gone. `onProgress` follows
   * a file being read (bytes done of its size); cached hashes and directories report nothing.
   */
  async hash(abs: string, onProgress?: HashProgress): Promise<string | null> {
    let st: fs.Stats;
    try { st = await fs.promises.stat(abs); } catch { return null; }
    if (st.isDirectory()) return this.hashTree(abs);
    if (!st.isFile()) return null;
    return this.hashFile(abs, st, onProgress);
  }

  private async hashFile(abs: string, st: Stamp, onProgress?: HashProgress): Promise<string | null> {
    if (st.size > this.maxHashBytes) return null;
    const cached = st.size >= CACHE_MIN_BYTES ? this.lookup(abs, st) : undefined;
    if (cached) return cached;
    const h = await streamSha256(abs, onProgress && ((done) => onProgress(done, st.size)));
    if (h && st.size >= CACHE_MIN_BYTES) this.remember(abs, st, h);
    return h;
  }

  private async hashTree(dir: string): Promise<string | null> {
    const files: string[] = [];
    let bytes = 0;
    const walk = async (d: string, rel: string): Promise<boolean> => {
      // Read entry by entry: a folder of a million files gives up at the cap, not after listing them all.
      let dirHandle: fs.Dir;
      try { dirHandle = await fs.promises.opendir(d); } catch { return true; }
      for await (const e of dirHandle) {
        if (SKIP_DIRS.has(e.name)) continue;
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) { if (!(await walk(path.join(d, e.name), r))) return false; }
        else if (e.isFile()) {
          files.push(r);
          if (files.length > MAX_TREE_FILES) return false;
        }
      }
      return true;
    };
    if (!(await walk(dir, ''))) return null;
    files.sort();
    const tree = crypto.createHash('sha256');
    for (const rel of files) {
      const abs = path.join(dir, ...rel.split('/'));
      let st: fs.Stats;
      try { st = await fs.promises.stat(abs); } catch { continue; }
      bytes += st.size;
      if (bytes > this.maxHashBytes) return null;
      const h = await this.hashFile(abs, st);
      if (!h) return null;
      tree.update(`${rel}\0${h}\n`);
    }
    this.save();
    return tree.digest('hex');
  }

  private load(): Map<string, { s: number; m: number; i: number; h: string }> {
    if (this.cache) return this.cache;
    this.cache = new Map();
    if (!this.cacheFile) return this.cache;
    try {
      for (const line of fs.readFileSync(this.cacheFile, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as { p: string; s: number; m: number; i: number; h: string };
          this.cache.set(e.p, e);
        } catch { /* a torn line */ }
      }
    } catch { /* no cache yet */ }
    return this.cache;
  }

  private lookup(abs: string, st: Stamp): string | undefined {
    const e = this.load().get(abs);
    return e && e.s === st.size && e.m === st.mtimeMs && e.i === st.ino ? e.h : undefined;
  }

  private pendingLines: string[] = [];

  private remember(abs: string, st: Stamp, h: string): void {
    const e = { p: abs, s: st.size, m: st.mtimeMs, i: st.ino, h };
    this.load().set(abs, e);
    this.pendingLines.push(JSON.stringify(e));
    // Big files are few and slow to hash: keep each hash at once, it is cheap next to the read.
    this.save();
  }

  /** Appends newly learnt hashes to the cache file. */
  save(): void {
    if (!this.cacheFile || !this.pendingLines.length) return;
    try {
      fs.mkdirSync(path.dirname(this.cacheFile), { recursive: true });
      fs.appendFileSync(this.cacheFile, `${this.pendingLines.join('\n')}\n`);
    } catch { /* the cache is an optimisation */ }
    this.pendingLines = [];
  }
}

/** sha256 of a file read in 1 MiB pieces; null when unreadable. `onBytes` gets the running total. */
export function streamSha256(abs: string, onBytes?: (bytesDone: number) => void): Promise<string | null> {
  return new Promise((resolve) => {
    const hash = crypto.createHash('sha256');
    const stream = fs.createReadStream(abs, { highWaterMark: 1024 * 1024 });
    let done = 0;
    stream.on('data', (chunk) => {
      hash.update(chunk);
      done += chunk.length;
      if (onBytes) { try { onBytes(done); } catch { /* a progress viewer's problem */ } }
    });
    stream.on('error', () => resolve(null));
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}
