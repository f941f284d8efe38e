import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportJobResult } from '../../core/import/importJob';
import type { ExportJobResult, WorkerData, WorkerJob, WorkerMessage } from './workerMessages';

/** The bundle the worker runs: next to dist/extension.js. */
const workerScript = (): string => path.join(__dirname, 'importExportWorker.js');

export interface RunningJob<T> {
  /** Asks the job to stop between two runs; what it finished stays. */
  stop(): void;
  readonly done: Promise<T>;
}

/**
 * Runs an import or an export in a worker thread (importExportWorker.ts) and relays its progress
 * messages. `done` resolves with the job's result, or rejects with the worker's error.
 */
export function startImport(job: WorkerJob & { kind: 'import' }, onMessage: (m: WorkerMessage) => void): RunningJob<ImportJobResult> {
  return start(job, onMessage, (m) => (m.type === 'imported' ? m.result : undefined));
}

export function startExport(job: WorkerJob & { kind: 'export' }, onMessage: (m: WorkerMessage) => void): RunningJob<ExportJobResult> {
  return start(job, onMessage, (m) => (m.type === 'exported' ? m.result : undefined));
}

function start<T>(job: WorkerJob, onMessage: (m: WorkerMessage) => void, resultOf: (m: WorkerMessage) => T | undefined): RunningJob<T> {
  const stop = new SharedArrayBuffer(4);
  const data: WorkerData = { kind: 'exptrack-import-export', job, stop };
  const worker = new Worker(workerScript(), { workerData: data, stdin: false, stdout: false, stderr: false });
  const done = new Promise<T>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      const result = resultOf(m);
      if (result !== undefined) { settled = true; resolve(result); return; }
      if (m.type === 'failed') { settled = true; reject(new Error(m.message)); return; }
      onMessage(m);
    });
    worker.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`the ${job.kind} thread ended (exit code ${code}) before it finished`)); } });
  });
  return { stop: () => Atomics.store(new Int32Array(stop), 0, 1), done };
}
