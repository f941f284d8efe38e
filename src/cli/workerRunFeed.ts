import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunEnd } from '../core/model';
import type { RunExit } from '../core/recorder/recorderTypes';
import type { RunFeed } from '../core/recorder/spawnedRun';
import type { FromRecordingWorker, RecordingWorkerData, ToRecordingWorker } from './recordingWorker';

/**
 * The main thread's side of a run recorded in a worker (see recordingWorker.ts): what the spawned
 * process does goes over as messages, output chunks transferred rather than copied. If the worker
 * fails, the command is unaffected: the run ends unrecorded, with one warning.
 */
export class WorkerRunFeed implements RunFeed {
  readonly cwd: string;
  readonly channelEnv: Readonly<Record<string, string>>;
  readonly done: Promise<RunEnd>;
  /** Filled in when the worker has recorded everything. */
  result: Extract<FromRecordingWorker, { t: 'done' }> | undefined;
  private worker: Worker | undefined;
  private readonly start: () => Worker;
  private readonly fail: (why: string) => void;
  private resolveDone!: (end: RunEnd) => void;
  private exit: RunExit | undefined;
  private batch: (Buffer | string)[] = [];
  private batchStreams: ('stdout' | 'stderr')[] = [];
  private batchBytes = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private failed = false;

  /**
   * `hookEnv`: the Python hook's variables for the command (pythonHookEnv), when it gets the hook.
   * `mayTransfer` says whether output chunks passed on so far are written out (not held by a queued
   * write): only then may a chunk's memory move to the worker.
   */
  constructor(script: string, data: RecordingWorkerData, warn: (message: string) => void, private readonly mayTransfer: () => boolean = () => false,
    hookEnv: Readonly<Record<string, string>> = {}) {
    this.cwd = data.request.cwd;
    this.channelEnv = { EXPTRACK_RUN_ID: data.request.id, EXPTRACK_METRICS_FILE: path.join(data.exptrackDir, 'runs', data.request.id, 'metrics.jsonl'), ...hookEnv };
    this.done = new Promise((r) => { this.resolveDone = r; });
    this.fail = (why: string): void => {
      if (this.result || this.failed) return;
      this.failed = true;
      warn(`recording stopped: ${why}`);
      if (this.exit) this.resolveDone(fallbackEnd(this.exit));
    };
    this.start = () => {
      // The worker needs no stdin; its own stdout/stderr are not used (warnings come as messages).
      const worker = new Worker(script, { workerData: data, stdin: false });
      worker.on('message', (m: FromRecordingWorker) => {
        if (m.t === 'warn') warn(m.m);
        else if (m.t === 'done') { this.result = m; this.resolveDone(m.end); }
      });
      worker.on('error', (e) => this.fail(e.message));
      worker.on('exit', (code) => this.fail(`the recording thread exited (${code})`));
      return worker;
    };
  }

  /**
   * The command has just been started (SpawnedRun calls this right after spawning it): only now is
   * the recording thread created, so that the command does not wait for it.
   */
  begin(pid?: number): void {
    if (!this.worker && !this.failed) {
      try {
        this.worker = this.start();
      } catch (e) {
        // The command runs all the same, unrecorded.
        this.fail(`cannot start the recording thread: ${(e as Error).message}`);
        return;
      }
    }
    this.post({ t: 'begin', pid });
  }

  output(chunk: Uint8Array | string, stream: 'stdout' | 'stderr'): void {
    if (this.failed) return;
    const big = typeof chunk !== 'string' && chunk.byteLength >= BATCH_BYTES;
    // A big chunk that owns its whole ArrayBuffer (what a pipe read gives) is handed over, not
    // copied, once its write to our stdout is done (a queued write still reads it).
    if (big && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer && this.mayTransfer()) {
      this.flushBatch();
      this.post({ t: 'out', s: [stream], b: [chunk] }, [chunk.buffer]);
      return;
    }
    // Small chunks (unbuffered output: one per print) are copied into a batch: one message per
    // few milliseconds instead of one per chunk, which would cost the main thread more than the reads.
    // Kept by reference (a pipe read's buffer is never reused), copied once when the batch goes.
    this.batch.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.batchStreams.push(stream);
    this.batchBytes += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    if (this.batchBytes >= BATCH_BYTES) this.flushBatch();
    else this.batchTimer ??= setTimeout(() => this.flushBatch(), BATCH_MS);
  }

  private flushBatch(): void {
    if (this.batchTimer) { clearTimeout(this.batchTimer); this.batchTimer = undefined; }
    if (!this.batch.length) return;
    // Neighbouring pieces of the same stream become one buffer (fewer calls in the worker). A buffer
    // made here owns its memory (unless small enough to come from the pool) and is handed over; the
    // chunks themselves are not (a queued write to our stdout may still read them): cloned instead.
    const s: ('stdout' | 'stderr')[] = [];
    const b: (Uint8Array | string)[] = [];
    const transfer: ArrayBuffer[] = [];
    let i = 0;
    while (i < this.batch.length) {
      let j = i + 1;
      while (j < this.batch.length && this.batchStreams[j] === this.batchStreams[i] && typeof this.batch[j] !== 'string' && typeof this.batch[i] !== 'string') j++;
      s.push(this.batchStreams[i]);
      if (j === i + 1) {
        b.push(this.batch[i]);
      } else {
        const joined = Buffer.concat(this.batch.slice(i, j) as Buffer[]);
        if (joined.byteOffset === 0 && joined.byteLength === joined.buffer.byteLength && joined.buffer instanceof ArrayBuffer) transfer.push(joined.buffer);
        b.push(joined);
      }
      i = j;
    }
    this.batch = [];
    this.batchStreams = [];
    this.batchBytes = 0;
    this.post({ t: 'out', s, b }, transfer.length ? transfer : undefined);
  }

  end(exit: RunExit): Promise<RunEnd> {
    this.exit ??= exit;
    this.flushBatch();
    if (this.failed) this.resolveDone(fallbackEnd(exit));
    else this.post({ t: 'end', exit });
    return this.done;
  }

  /**
   * Stops the recording now (exptrack was signalled while finishing it): what is journaled stays,
   * the rest is given up; `done` resolves at once.
   */
  abandon(exit: RunExit): void {
    if (this.result || this.failed) return;
    this.failed = true;
    void this.worker?.terminate();
    this.resolveDone(fallbackEnd(exit));
  }

  private post(m: ToRecordingWorker, transfer?: ArrayBuffer[]): void {
    if (this.failed || !this.worker) return;
    this.worker.postMessage(m, transfer);
  }
}

/**
 * Pending journal bytes (every writer's) below which `exptrack run` folds them itself before
 * returning: about 50,000 metric points, a tenth of a second of sql.js. Past it the fold goes to a
 * detached `exptrack _fold` (readers fold pending journals in memory meanwhile, so nothing is hidden).
 */
export const DEFAULT_INLINE_FOLD_BYTES = 2 * 1024 * 1024;

/** Chunks from this size on travel alone (transferred); smaller ones are batched up to it. */
const BATCH_BYTES = 64 * 1024;
/** The longest a small chunk waits before it goes to the worker. */
const BATCH_MS = 5;

/** How the run ended, when the worker could not say (it failed). */
function fallbackEnd(exit: RunExit): RunEnd {
  const status = exit.signal || (exit.interrupted && exit.exitCode !== 0) ? 'killed' : exit.exitCode === 0 ? 'finished' : exit.exitCode === null ? 'interrupted' : 'failed';
  return { endedAt: Date.now(), exitCode: exit.exitCode, signal: exit.signal ?? null, status };
}
