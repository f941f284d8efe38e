// The folder layouts `exptrack export --format F DIR` and the Runs view's Export write, one writer each.
import type { RunDetail } from '../model';
import { writeDvcLiveFolders } from './dvcliveWriter';
import { writeMlflowFolderStore, type SeriesColumns } from './mlflowFolderWriter';
import { writeParquetExport } from './parquetExport';

export const FOLDER_EXPORT_FORMATS = ['mlflow', 'dvclive', 'parquet'] as const;
export type FolderExportFormat = (typeof FOLDER_EXPORT_FORMATS)[number];

export const isFolderExportFormat = (f: string): f is FolderExportFormat => (FOLDER_EXPORT_FORMATS as readonly string[]).includes(f);

/** What each layout is, for messages and pickers. */
export const FOLDER_EXPORT_LABELS: Readonly<Record<FolderExportFormat, string>> = {
  mlflow: 'an MLflow store', dvclive: 'DVCLive folders', parquet: 'Parquet files (runs.parquet, points.parquet)',
};

/**
 * Writes `runs` (every point, read through `points`) into `dir`, which must be new or empty. What a
 * layout cannot hold (a name it refuses) is passed to `report` and left out; anything else throws.
 */
export function writeFolderExport(format: FolderExportFormat, dir: string, runs: readonly RunDetail[], points: (runId: string, key: string) => SeriesColumns,
  report: (problem: string) => void): { runs: number; points: number } {
  switch (format) {
    case 'mlflow': return writeMlflowFolderStore(dir, runs, points, report);
    case 'dvclive': return writeDvcLiveFolders(dir, runs, points, report);
    case 'parquet': return writeParquetExport(dir, runs, points);
  }
}
