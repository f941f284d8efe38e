import path from 'node:path';
import { hashPath, type ContentHash, type DirectoryHashOptions } from './contentHash';

/** Progress of the whole queue, for a status bar item or a log line. */
export interface HashQueueProgress {
  /** Jobs waiting or running. */
  readonly pending: number;
  /** The path being hashed now (the most recently started job), if any. */
  readonly current: string | undefined;
  /** Bytes hashed and known so far over the jobs that are running. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface HashQueueOptions extends Pick<DirectoryHashOptions, 'maxFiles' | 'maxBytes' | 'ignore'> {
  /** Jobs hashed at once. Default 2: hashing is I/O bound and must not starve the recorder. */
  readonly concurrency?: number;
  /** At most one progress report per this many ms. Default 200. */
  readonly progressIntervalMs?: number;
}

interface Job {
  readonly path: string;
  readonly promise: Promise<ContentHash>;
  resolve(h: ContentHash): void;
  reject(e: unknown): void;
  done: number;
  total: number;
  started: boolean;
}

/**
 * Hashes large files and directories in the background, a few at a time, with progress. Asking twice
 * for a path that is still queued shares one job. Callers record the artifact when the promise
 * settles (the store's artifact rows take the hash then).
 */
export class HashQueue {
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly byPath = new Map<string, Job>();
  private readonly listeners = new Set<(p: HashQueueProgress) => void>();
  private readonly abort = new AbortController();
  private lastReport = 0;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  private current: string | undefined;
  private disposed = false;

  constructor(private readonly options: HashQueueOptions = {}) {}

  /** Queues `p` (a file or directory) and resolves with its hash. */
  hash(p: string): Promise<ContentHash> {
    if (this.disposed) return Promise.reject(new Error('the hash queue is disposed'));
    const key = path.resolve(p);
    const existing = this.byPath.get(key);
    if (existing) return existing.promise;
    let resolve!: (h: ContentHash) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<ContentHash>((res, rej) => { resolve = res; reject = rej; });
    const job: Job = { path: key, promise, resolve, reject, done: 0, total: 0, started: false };
    this.byPath.set(key, job);
    this.waiting.push(job);
    this.pump();
    this.report(true);
    return promise;
  }

  /** Listens to progress; returns an unsubscribe function. */
  onProgress(listener: (p: HashQueueProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get progress(): HashQueueProgress {
    let done = 0;
    let total = 0;
    for (const j of this.running) { done += j.done; total += j.total; }
    return { pending: this.waiting.length + this.running.size, current: this.current, bytesDone: done, bytesTotal: total };
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.byPath.size) await Promise.allSettled([...this.byPath.values()].map((j) => j.promise));
  }

  private pump(): void {
    const concurrency = Math.max(1, this.options.concurrency ?? 2);
    while (this.running.size < concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.running.add(job);
      job.started = true;
      this.current = job.path;
      void this.runJob(job);
    }
  }

  private async runJob(job: Job): Promise<void> {
    try {
      const h = await hashPath(job.path, {
        maxFiles: this.options.maxFiles, maxBytes: this.options.maxBytes, ignore: this.options.ignore, signal: this.abort.signal,
        onProgress: (done, total) => { job.done = done; job.total = total; this.report(false); },
      });
      job.resolve(h);
    } catch (e) {
      job.reject(e);
    } finally {
      this.running.delete(job);
      this.byPath.delete(job.path);
      if (this.current === job.path) this.current = [...this.running].at(-1)?.path;
      this.pump();
      this.report(true);
    }
  }

  private report(force: boolean): void {
    if (!this.listeners.size) return;
    const interval = this.options.progressIntervalMs ?? 200;
    const now = Date.now();
    if (!force && now - this.lastReport < interval) {
      this.reportTimer ??= setTimeout(() => { this.reportTimer = undefined; this.report(true); }, interval - (now - this.lastReport));
      return;
    }
    this.lastReport = now;
    const p = this.progress;
    for (const l of this.listeners) l(p);
  }

  /** Cancels everything: running and waiting jobs reject. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort(new Error('hashing cancelled'));
    for (const j of this.waiting.splice(0)) {
      this.byPath.delete(j.path);
      j.reject(new Error('hashing cancelled'));
    }
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.listeners.clear();
  }
}
