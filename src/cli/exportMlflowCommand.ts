// `exptrack export --format mlflow DIR`: the selected runs as an MLflow folder store in DIR (new or empty).
import path from 'node:path';
import type { RunDetail } from '../core/model';
import { writeMlflowFolderStore } from '../core/import/mlflowFolderWriter';
import type { Store } from '../core/store/store';
import type { CliIo } from './cliIo';

export function exportMlflow(store: Store, runs: readonly RunDetail[], dir: string, io: CliIo): number {
  const target = path.resolve(io.cwd, dir);
  const problems: string[] = [];
  const done = writeMlflowFolderStore(target, runs, (id, key) => store.series(id, key), (p) => problems.push(p));
  for (const p of problems) io.stderr(`exptrack: ${p}\n`);
  io.stdout(`wrote ${done.runs} run(s), ${done.points} point(s) as an MLflow store in ${target}\n`);
  return 0;
}
