// What the extension host and the import/export worker thread (importExportWorker.ts) say to each
// other. Plain data only: it crosses a worker boundary.
import type { FolderExportFormat } from '../../core/export/folderExport';
import type { ImportedRunResult, ImportJobResult } from '../../core/import/importJob';

export type WorkerJob =
  | { readonly kind: 'import'; readonly root: string; readonly storeDir: string; readonly experiment?: string }
  | { readonly kind: 'export'; readonly storeDir: string; readonly runIds: readonly string[]; readonly format: FolderExportFormat; readonly target: string };

/** workerData of the thread: the job, and a flag the host sets to 1 to stop it between runs. */
export interface WorkerData {
  readonly kind: 'exptrack-import-export';
  readonly job: WorkerJob;
  readonly stop: SharedArrayBuffer;
}

export interface ExportJobResult {
  readonly target: string;
  readonly format: FolderExportFormat;
  readonly runs: number;
  readonly points: number;
  /** What the layout could not hold (reported, left out). */
  readonly problems: readonly string[];
  /** Runs asked for that the store no longer holds. */
  readonly missing: readonly string[];
}

export type WorkerMessage =
  | { readonly type: 'sources'; readonly sources: readonly string[] }
  | { readonly type: 'run'; readonly run: ImportedRunResult; readonly sourceIndex: number }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'imported'; readonly result: ImportJobResult }
  | { readonly type: 'exported'; readonly result: ExportJobResult }
  | { readonly type: 'failed'; readonly message: string };
