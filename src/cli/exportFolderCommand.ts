// `exptrack export --format mlflow|dvclive|parquet DIR`: the selected runs in DIR (new or empty).
import path from 'node:path';
import type { RunDetail } from '../core/model';
import { FOLDER_EXPORT_LABELS, writeFolderExport, type FolderExportFormat } from '../core/export/folderExport';
import type { Store } from '../core/store/store';
import type { CliIo } from './cliIo';

export function exportFolder(format: FolderExportFormat, store: Store, runs: readonly RunDetail[], dir: string, io: CliIo): number {
  const target = path.resolve(io.cwd, dir);
  const problems: string[] = [];
  const done = writeFolderExport(format, target, runs, (id, key) => store.series(id, key), (p) => problems.push(p));
  for (const p of problems) io.stderr(`exptrack: ${p}\n`);
  io.stdout(`wrote ${done.runs} run(s), ${done.points} point(s) as ${FOLDER_EXPORT_LABELS[format]} in ${target}\n`);
  return 0;
}
