import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive, thisHost } from './processInfo';

/** A lock older than this (not refreshed by its holder) is stale whatever its pid says. */
export const lockStaleMs = 60_000;

/** What the lock file holds. */
export interface LockInfo {
  readonly writer: string;
  readonly pid: number;
  readonly host: string;
  readonly time: number;
}

/**
 * The inter-process lock `.exptrack/lock` that lets one writer at a time fold journals and save the
 * database. Created with O_EXCL; it holds pid, host and time. Stale when its pid is dead on this host
 * or when it was not refreshed for {@link lockStaleMs}. Only ever tried, never waited for: a writer
 * that cannot get it leaves its journal for the holder to fold.
 */
export class StoreLock {
  private held = false;

  constructor(readonly file: string, private readonly writer: string) {}

  get isHeld(): boolean { return this.held; }

  /** Takes the lock if free (or stale). Returns whether this writer holds it now. */
  tryAcquire(now = Date.now()): boolean {
    if (this.held) return true;
    const content = JSON.stringify({ writer: this.writer, pid: process.pid, host: thisHost, time: now } satisfies LockInfo);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.create(content)) {
        this.held = true;
        return true;
      }
      if (!this.breakIfStale(now)) return false;
    }
    return false;
  }

  /**
   * Creates the lock file whole: the content goes to a private file that is then hard-linked into
   * place (link fails if the lock exists). An O_EXCL create followed by a write leaves an empty lock
   * if the process is killed in between, and everyone else then waits seconds to call it stale.
   * Filesystems without hard links fall back to O_EXCL.
   */
  private create(content: string): boolean {
    const tmp = `${this.file}.new-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      fs.writeFileSync(tmp, content, { flag: 'wx' });
    } catch (e) {
      // A full disk creates the file and then fails the write: never leave it behind.
      try { fs.unlinkSync(tmp); } catch { /* never created */ }
      if (isOutOfSpace(e)) return false;
      return this.createExclusive(content);
    }
    try {
      fs.linkSync(tmp, this.file);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV') return this.createExclusive(content);
      throw e;
    } finally {
      try { fs.unlinkSync(tmp); } catch { /* gone */ }
    }
  }

  private createExclusive(content: string): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    let failure: unknown;
    let written = false;
    try {
      written = fs.writeSync(fd, content) === Buffer.byteLength(content);
    } catch (e) {
      failure = e;
    }
    fs.closeSync(fd);
    if (written) return true;
    // The lock is ours and empty or cut (disk full): an empty lock would hold everyone off for 5 s.
    try { fs.unlinkSync(this.file); } catch { /* gone */ }
    if (failure !== undefined && !isOutOfSpace(failure)) throw failure;
    return false;
  }

  /** Keeps the lock from looking stale while a long fold runs. */
  refresh(): void {
    if (!this.held) return;
    const now = new Date();
    try { fs.utimesSync(this.file, now, now); } catch { /* checked by stillHeld */ }
  }

  /** Whether the lock file is still ours (another process may have broken it as stale). */
  stillHeld(): boolean {
    if (!this.held) return false;
    const info = readLock(this.file);
    return info?.writer === this.writer && info.pid === process.pid;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (readLock(this.file)?.writer === this.writer) {
      try { fs.unlinkSync(this.file); } catch { /* already gone */ }
    }
  }

  /**
   * Removes a stale lock. The lock is renamed aside first and checked again, so two processes that
   * both found it stale cannot delete a fresh lock taken by a third in between; a fresh one grabbed
   * by mistake is put back with link(), which fails rather than overwrite.
   */
  private breakIfStale(now: number): boolean {
    const state = lockState(this.file, now);
    if (!state || !state.stale) return state === undefined;
    const aside = `${this.file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try { fs.renameSync(this.file, aside); } catch { return true; }
    const moved = lockState(aside, now);
    if (moved && !moved.stale) {
      try { fs.linkSync(aside, this.file); } catch { /* a newer lock exists; ours was stale after all */ }
    }
    try { fs.unlinkSync(aside); } catch { /* gone */ }
    return true;
  }
}

/** No space (or quota) left: a lock cannot be written now, which is not an error of the lock itself. */
function isOutOfSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Reads a lock file; undefined if absent or unreadable (a half-written lock counts as held). */
export function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's holder and whether it is stale; undefined when there is no lock. */
export function lockState(file: string, now = Date.now()): { info: LockInfo | undefined; ageMs: number; stale: boolean } | undefined {
  let mtime: number;
  try { mtime = fs.statSync(file).mtimeMs; } catch { return undefined; }
  const info = readLock(file);
  const ageMs = Math.max(0, now - Math.max(mtime, info?.time ?? 0));
  if (!info) return { info, ageMs, stale: ageMs > 5_000 };  // unreadable for 5 s: its writer died mid-create
  const alive = isProcessAlive(info.pid, info.host);
  return { info, ageMs, stale: alive === false || ageMs > lockStaleMs };
}

/** Path of the lock for a store folder. */
export function lockPath(exptrackDir: string): string {
  return path.join(exptrackDir, 'lock');
}
