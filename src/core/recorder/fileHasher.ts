import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Default: a file, or a folder's files in total, bigger than this is recorded with size and mtime but no hash. */
export const DEFAULT_MAX_HASH_BYTES = 8 * 1024 * 1024 * 1024;
/** Most files a folder may hold to be hashed; a bigger folder gets no hash. */
export const MAX_TREE_FILES = 10_000;
/**
 * Names never part of an artifact's content, at any depth: version control, exptrack's own folder,
 * caches tools write beside data, and the metadata file browsers drop into folders they show (Finder's
 * `.DS_Store`, Explorer's `Thumbs.db`): opening a dataset folder must not make it a new version.
 */
export const HASH_SKIP_NAMES: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', '.exptrack', '__pycache__', '.ipynb_checkpoints', 'node_modules', '.DS_Store', 'Thumbs.db',
]);

const CACHE_MIN_BYTES = 1024 * 1024;

interface Stamp { readonly size: number; readonly mtimeMs: number; readonly ino: number }
interface TreeFile { readonly rel: string; readonly abs: string; readonly st: fs.Stats }

/** Bytes read so far of a file or folder being hashed, and its size. */
export type HashProgress = (bytesDone: number, bytesTotal: number) => void;

/**
 * The one artifact hasher: the recorder hashes what runs read and write with it, and the Lineage panel
 * hashes what is on disk now with it, so the two agree (docs/lineage.md, "Artifact versions").
 * - A file: sha256 of its content, streamed (never read whole into memory).
 * - A folder: sha256 over one line per file, `<relative/path>\0<file sha256>\n`, in code-unit path
 *   order; names in {@link HASH_SKIP_NAMES} are left out at any depth; a symlink to a file counts as
 *   that file (DVC and the Hugging Face cache link data files), a symlink to a folder is not entered
 *   (it could loop or leave the tree).
 * - Caps: a file or a folder's files over `maxHashBytes` in total, or a folder of more than
 *   {@link MAX_TREE_FILES} files, get no hash (null): a version is identified by its content or not at
 *   all, never by timestamps that differ between two copies of the same data.
 * Hashes of big files are remembered by path, size, mtime and inode in `<cacheFile>` so the same
 * dataset is not read again on every run.
 */
export class FileHasher {
  private cache: Map<string, { s: number; m: number; i: number; h: string }> | undefined;
  private pendingLines: string[] = [];

  constructor(private readonly cacheFile: string | null, private readonly maxHashBytes = DEFAULT_MAX_HASH_BYTES) {}

  /**
   * sha256 (hex) of a file or folder, or null when over the caps, unreadable, or gone. `onProgress`
   * follows the bytes read (of a folder: of all its files); hashes taken from the cache count as read.
   */
  async hash(abs: string, onProgress?: HashProgress): Promise<string | null> {
    let st: fs.Stats;
    try { st = await fs.promises.stat(abs); } catch { return null; }
    if (st.isDirectory()) return this.hashTree(abs, onProgress);
    if (!st.isFile()) return null;
    if (st.size > this.maxHashBytes) return null;
    return this.hashFile(abs, st, onProgress && ((done) => report(onProgress, done, st.size)));
  }

  private async hashFile(abs: string, st: Stamp, onBytes?: (done: number) => void): Promise<string | null> {
    const cached = st.size >= CACHE_MIN_BYTES ? this.lookup(abs, st) : undefined;
    if (cached) return cached;
    const h = await streamSha256(abs, onBytes);
    if (h && st.size >= CACHE_MIN_BYTES) this.remember(abs, st, h);
    return h;
  }

  private async hashTree(dir: string, onProgress?: HashProgress): Promise<string | null> {
    const files = await listTree(dir);
    if (!files) return null;
    let total = 0;
    for (const f of files) total += f.st.size;
    // Over the cap: decided from the listing, before a byte is read.
    if (total > this.maxHashBytes) return null;
    const tree = crypto.createHash('sha256');
    let done = 0;
    for (const f of files) {
      const base = done;
      const h = await this.hashFile(f.abs, f.st, onProgress && ((d) => report(onProgress, base + d, total)));
      if (!h) return null; // a file vanished or became unreadable mid-way: no hash rather than a wrong one
      done += f.st.size;
      if (onProgress) report(onProgress, done, total);
      tree.update(`${f.rel}\0${h}\n`);
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

/**
 * The files of a folder as the hash covers them, sorted by path in code-unit order (independent of
 * locale and of the file system's listing order); null past {@link MAX_TREE_FILES}. Read entry by
 * entry: a folder of a million files gives up at the cap, not after listing them all.
 */
async function listTree(root: string): Promise<TreeFile[] | null> {
  const out: TreeFile[] = [];
  const walk = async (dir: string, rel: string): Promise<boolean> => {
    let handle: fs.Dir;
    try { handle = await fs.promises.opendir(dir); } catch { return true; }
    for await (const e of handle) {
      if (HASH_SKIP_NAMES.has(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!(await walk(abs, r))) return false;
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue; // sockets, fifos, devices
      let st: fs.Stats;
      try { st = await fs.promises.stat(abs); } catch { continue; } // a dangling link, or gone
      if (!st.isFile()) continue; // a link to a folder: not entered
      out.push({ rel: r, abs, st });
      if (out.length > MAX_TREE_FILES) return false;
    }
    return true;
  };
  if (!(await walk(root, ''))) return null;
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function report(onProgress: HashProgress, done: number, total: number): void {
  try { onProgress(done, total); } catch { /* a progress viewer's problem */ }
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
