import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The identity of an artifact version on disk. */
export interface ContentHash {
  /** Hex sha256 of the file, or of the directory's manifest (see {@link hashDirectory}). */
  readonly sha256: string;
  /** Bytes (a directory: the sum of its files). */
  readonly size: number;
  /** ms since the epoch (a directory: its newest file). */
  readonly mtime: number;
  /** Files covered (1 for a file). */
  readonly files: number;
  /**
   * False when a directory was larger than the cap: files past it are identified by name, size and
   * mtime instead of content, so the hash still changes when they do, just not as strictly.
   */
  readonly exact: boolean;
}

export interface HashOptions {
  /** Called as bytes are read: (bytes done, bytes total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface DirectoryHashOptions extends HashOptions {
  /** Files whose content is hashed; the rest count by name, size and mtime. Default 10,000. */
  readonly maxFiles?: number;
  /** Bytes whose content is hashed, in total. Default 4 GiB. */
  readonly maxBytes?: number;
  /** Names skipped at any depth. Default: .git, __pycache__, .DS_Store, .ipynb_checkpoints. */
  readonly ignore?: ReadonlySet<string>;
}

const defaultIgnore: ReadonlySet<string> = new Set(['.git', '__pycache__', '.DS_Store', '.ipynb_checkpoints']);
const chunkBytes = 1024 * 1024;

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('hashing cancelled');
}

/** sha256 of one file, streamed in 1 MiB chunks: never the whole file in memory. */
export async function hashFile(file: string, options: HashOptions = {}): Promise<ContentHash> {
  const st = await fs.promises.stat(file);
  if (!st.isFile()) throw new Error(`${file} is not a file`);
  const hash = createHash('sha256');
  let done = 0;
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      aborted(options.signal);
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      done += bytesRead;
      options.onProgress?.(done, st.size);
    }
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), size: done, mtime: Math.round(st.mtimeMs), files: 1, exact: true };
}

interface Entry { rel: string; abs: string; size: number; mtime: number }

async function listFiles(root: string, ignore: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    aborted(signal);
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (ignore.has(e.name)) continue;
      const abs = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(abs, r);
      else if (e.isFile()) {
        const st = await fs.promises.stat(abs);
        out.push({ rel: r, abs, size: st.size, mtime: Math.round(st.mtimeMs) });
      }
      // Symlinks and sockets are left out: following them could leave the tree or loop.
    }
  };
  await walk(root, '');
  // Code-unit order, independent of locale and of the file system's listing order.
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * A directory's version hash: sha256 over a manifest with one line per file in path order,
 * `<relative path>\0<sha256 of content>\n` (a Merkle-style tree of file hashes, so renaming, adding,
 * removing or changing any file changes it). Past the cap (files or bytes) a file's line carries
 * `size:<bytes>:mtime:<ms>` instead of its content hash and the result is marked not exact.
 */
export async function hashDirectory(dir: string, options: DirectoryHashOptions = {}): Promise<ContentHash> {
  const maxFiles = options.maxFiles ?? 10_000;
  const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
  const files = await listFiles(dir, options.ignore ?? defaultIgnore, options.signal);
  const total = files.reduce((s, f) => s + f.size, 0);
  let budget = maxBytes;
  let hashedBytes = 0;
  let exact = true;
  let mtime = 0;
  const manifest = createHash('sha256');
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    mtime = Math.max(mtime, f.mtime);
    let id: string;
    if (i < maxFiles && f.size <= budget) {
      const base = hashedBytes;
      const h = await hashFile(f.abs, { signal: options.signal, onProgress: (d) => options.onProgress?.(base + d, total) });
      id = h.sha256;
      budget -= f.size;
      hashedBytes += f.size;
    } else {
      exact = false;
      id = `size:${f.size}:mtime:${f.mtime}`;
      hashedBytes += f.size;
      options.onProgress?.(hashedBytes, total);
    }
    manifest.update(`${f.rel}\0${id}\n`);
  }
  return { sha256: manifest.digest('hex'), size: total, mtime, files: files.length, exact };
}

/** {@link hashFile} or {@link hashDirectory}, whichever the path is. */
export async function hashPath(p: string, options: DirectoryHashOptions = {}): Promise<ContentHash> {
  const st = await fs.promises.stat(p);
  return st.isDirectory() ? hashDirectory(p, options) : hashFile(p, options);
}
