// The thread an import or an export of the editor runs in (dist/importExportWorker.js): reading
// another tracker's files, folding a million points or writing Parquet takes seconds, which must not
// be spent on the extension host's event loop. The same core code as `exptrack import` and `exptrack
// export`; no `vscode` here (a worker cannot load it).
import { parentPort, workerData } from 'node:worker_threads';
import { writeFolderExport } from '../../core/export/folderExport';
import { runImportJob } from '../../core/import/importJob';
import type { RunDetail } from '../../core/model';
import { Store } from '../../core/store/store';
import type { StoreLogger } from '../../core/store/storeLogger';
import type { ExportJobResult, WorkerData, WorkerJob, WorkerMessage } from './workerMessages';

const data = workerData as WorkerData | undefined;
if (parentPort && data?.kind === 'exptrack-import-export') {
  const port = parentPort;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const stop = new Int32Array(data.stop);
  const logger: StoreLogger = {
    info: (message) => post({ type: 'log', level: 'info', message }),
    warn: (message) => post({ type: 'log', level: 'warn', message }),
    error: (message) => post({ type: 'log', level: 'error', message }),
  };
  run(data.job, logger, () => Atomics.load(stop, 0) === 1, post).catch((e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }));
}

async function run(job: WorkerJob, logger: StoreLogger, shouldStop: () => boolean, post: (m: WorkerMessage) => void): Promise<void> {
  if (job.kind === 'import') {
    const result = await runImportJob({
      root: job.root, storeDir: job.storeDir, experiment: job.experiment, logger, shouldStop,
      onSources: (sources) => post({ type: 'sources', sources: sources.map((s) => s.path) }),
      onRun: (r, sourceIndex) => post({ type: 'run', run: r, sourceIndex }),
    });
    post({ type: 'imported', result });
    return;
  }
  // A reader: it never writes under .exptrack/ (the editor's own store keeps folding).
  const store = await Store.open(job.storeDir, { readOnly: true, logger });
  try {
    await store.refresh();
    const runs: RunDetail[] = [];
    const missing: string[] = [];
    for (const id of job.runIds) {
      const d = store.getRun(id);
      if (d) runs.push(d); else missing.push(id);
    }
    const problems: string[] = [];
    const done = writeFolderExport(job.format, job.target, runs, (id, key) => store.series(id, key), (p) => problems.push(p));
    const result: ExportJobResult = { target: job.target, format: job.format, runs: done.runs, points: done.points, problems, missing };
    post({ type: 'exported', result });
  } finally {
    await store.close();
  }
}
