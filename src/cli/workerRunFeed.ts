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
  private readonly worker: Worker;
  private resolveDone!: (end: RunEnd) => void;
  private exit: RunExit | undefined;
  private failed = false;

  /**
   * `mayTransfer` says whether output chunks passed on so far are written out (not held by a queued
   * write): only then may a chunk's memory move to the worker.
   */
  constructor(script: string, data: RecordingWorkerData, warn: (message: string) => void, private readonly mayTransfer: () => boolean = () => false) {
    this.cwd = data.request.cwd;
    this.channelEnv = { EXPTRACK_RUN_ID: data.request.id, EXPTRACK_METRICS_FILE: path.join(data.exptrackDir, 'runs', data.request.id, 'metrics.jsonl') };
    this.done = new Promise((r) => { this.resolveDone = r; });
    // The worker needs no stdin; its own stdout/stderr are not used (warnings come as messages).
    this.worker = new Worker(script, { workerData: data, stdin: false });
    this.worker.on('message', (m: FromRecordingWorker) => {
      if (m.t === 'warn') warn(m.m);
      else if (m.t === 'done') { this.result = m; this.resolveDone(m.end); }
    });
    const fail = (why: string): void => {
      if (this.result || this.failed) return;
      this.failed = true;
      warn(`recording stopped: ${why}`);
      if (this.exit) this.resolveDone(fallbackEnd(this.exit));
    };
    this.worker.on('error', (e) => fail(e.message));
    this.worker.on('exit', (code) => fail(`the recording thread exited (${code})`));
  }

  begin(pid?: number): void {
    this.post({ t: 'begin', pid });
  }

  output(chunk: Uint8Array | string, stream: 'stdout' | 'stderr'): void {
    if (typeof chunk === 'string') { this.post({ t: 'out', s: stream, b: chunk }); return; }
    // A chunk that owns its whole ArrayBuffer (what a pipe read gives) is handed over, not copied;
    // one that shares its buffer (a pool slice) is copied by the structured clone.
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer && this.mayTransfer();
    try {
      if (whole) this.post({ t: 'out', s: stream, b: chunk }, [chunk.buffer as ArrayBuffer]);
      else this.post({ t: 'out', s: stream, b: chunk });
    } catch {
      this.post({ t: 'out', s: stream, b: Uint8Array.from(chunk) });
    }
  }

  end(exit: RunExit): Promise<RunEnd> {
    this.exit ??= exit;
    if (this.failed) this.resolveDone(fallbackEnd(exit));
    else this.post({ t: 'end', exit });
    return this.done;
  }

  private post(m: ToRecordingWorker, transfer?: ArrayBuffer[]): void {
    if (this.failed) return;
    this.worker.postMessage(m, transfer);
  }
}

/** How the run ended, when the worker could not say (it failed). */
function fallbackEnd(exit: RunExit): RunEnd {
  const status = exit.interrupted || exit.signal ? 'killed' : exit.exitCode === 0 ? 'finished' : exit.exitCode === null ? 'interrupted' : 'failed';
  return { endedAt: Date.now(), exitCode: exit.exitCode, signal: exit.signal ?? null, status };
}
