// Recognises what PATH holds (an MLflow folder store or mlflow.db, TensorBoard event files, W&B run
// folders, DVCLive folders, a CSV/TSV file) and reads every run in it, one run at a time, with the
// reader for its source. A folder may hold several sources (a project with mlruns/ and wandb/).
import fs from 'node:fs';
import path from 'node:path';
import type { ImportedRun, ImportSourceKind, SkipReport } from './importedRun';
import { isDelimitedFile, readCsvRuns } from './csvReader';
import { isDvcLiveDir, readDvcLiveRun } from './dvcliveReader';
import { isMlflowFolderStore, readMlflowFolderStore } from './mlflowFolderReader';
import { isSqliteFile, readMlflowSqlStore } from './mlflowSqlReader';
import { readTensorBoardRun, TF_EVENTS_FILE } from './tensorboardReader';
import { readWandbRun, WANDB_RUN_DIR } from './wandbReader';

/** One place in PATH that a reader reads. */
export interface SourceLocation {
  readonly kind: ImportSourceKind;
  /** The store, folder or file. */
  readonly path: string;
  /** 'sql' for mlflow.db; the event file names of a TensorBoard run folder. */
  readonly format?: 'folder' | 'sql';
  readonly files?: readonly string[];
}

/** Folders never searched: tools' caches, environments and exptrack's own store. */
const IGNORED_DIRS = new Set(['node_modules', '.git', '.exptrack', '__pycache__', '.venv', 'venv', 'site-packages', '.mypy_cache', '.ipynb_checkpoints']);
const MAX_DEPTH = 16;

/** Thrown when PATH is not something to import from. */
export class ImportPathError extends Error {}

/** Where the runs in `root` are. Throws {@link ImportPathError} when there are none. */
export function findSources(root: string): SourceLocation[] {
  let stat: fs.Stats;
  try { stat = fs.statSync(root); } catch (e) { throw new ImportPathError(`cannot read ${root}: ${(e as Error).message}`); }
  const out: SourceLocation[] = [];
  if (stat.isFile()) {
    const base = path.basename(root);
    if (TF_EVENTS_FILE.test(base)) out.push({ kind: 'tensorboard', path: path.dirname(root), files: [base] });
    else if (base.endsWith('.wandb')) out.push({ kind: 'wandb', path: path.dirname(root) });
    else if (isDelimitedFile(base)) out.push({ kind: 'csv', path: root });
    else if (isSqliteFile(root)) out.push({ kind: 'mlflow', format: 'sql', path: root });
    else throw new ImportPathError(`${root} is not a file exptrack imports (mlflow.db, events.out.tfevents.*, run-*.wandb, .csv, .tsv)`);
    return out;
  }
  walk(root, 0, out);
  if (!out.length) {
    throw new ImportPathError(`found no runs in ${root}: no MLflow store (mlruns/ or mlflow.db), TensorBoard event files, W&B run folders (wandb/run-*) or DVCLive folder`);
  }
  return out;
}

function walk(dir: string, depth: number, out: SourceLocation[]): void {
  const base = path.basename(dir);
  if (WANDB_RUN_DIR.test(base)) { out.push({ kind: 'wandb', path: dir }); return; }
  if (isMlflowFolderStore(dir)) { out.push({ kind: 'mlflow', format: 'folder', path: dir }); return; }
  if (isDvcLiveDir(dir)) { out.push({ kind: 'dvclive', path: dir }); return; }
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const events = entries.filter((e) => e.isFile() && TF_EVENTS_FILE.test(e.name)).map((e) => e.name);
  if (events.length) out.push({ kind: 'tensorboard', path: dir, files: events });
  for (const e of entries) {
    if (e.isFile() && e.name === 'mlflow.db' && isSqliteFile(path.join(dir, e.name))) out.push({ kind: 'mlflow', format: 'sql', path: path.join(dir, e.name) });
  }
  if (depth >= MAX_DEPTH) return;
  for (const e of entries) if (e.isDirectory() && !IGNORED_DIRS.has(e.name)) walk(path.join(dir, e.name), depth + 1, out);
}

export interface ReadOptions {
  /** Put every run in this experiment instead of the one the source names. */
  readonly experiment?: string;
  readonly skip: SkipReport;
}

/**
 * Every run at `location`, one at a time (a reader holds one run's points in memory, not all). A
 * reader that fails part-way (a damaged SQLite file, a folder that vanished) ends that source with a
 * report; the runs read before stay imported and other sources go on.
 */
export async function* readSource(root: string, location: SourceLocation, opts: ReadOptions): AsyncGenerator<ImportedRun> {
  try {
    yield* readSourceRuns(root, location, opts);
  } catch (e) {
    opts.skip({ path: location.path, reason: `could not be read further: ${(e as Error).message}` });
  }
}

async function* readSourceRuns(root: string, location: SourceLocation, opts: ReadOptions): AsyncGenerator<ImportedRun> {
  const rootDir = fs.statSync(root).isFile() ? path.dirname(root) : root;
  const folderName = (p: string): string => path.basename(path.resolve(p));
  switch (location.kind) {
    case 'mlflow':
      if (location.format === 'sql') yield* readMlflowSqlStore(location.path, opts);
      else yield* readMlflowFolderStore(location.path, opts);
      return;
    case 'tensorboard': {
      const rel = path.relative(rootDir, location.path);
      yield readTensorBoardRun(location.path, location.files ?? [], {
        sourceId: path.resolve(location.path), name: rel || folderName(location.path),
        experiment: opts.experiment ?? folderName(rootDir), skip: opts.skip,
      });
      return;
    }
    case 'wandb':
      yield readWandbRun(location.path, opts);
      return;
    case 'dvclive': {
      // The folder holding the DVCLive folder names the experiment. A DVCLive folder with a name of
      // its own (`Live(dir="runs/lr-0.1")`, or `exptrack export --format dvclive`) names the run; the
      // default `dvclive/` says nothing, so its path under PATH does (or the project's name).
      const project = path.dirname(path.resolve(location.path));
      const rel = path.relative(rootDir, location.path);
      const own = folderName(location.path);
      const name = own !== 'dvclive' ? own : rel && rel !== 'dvclive' ? rel : folderName(project);
      yield readDvcLiveRun(location.path, { experiment: opts.experiment ?? folderName(project), name, skip: opts.skip });
      return;
    }
    case 'csv':
      yield* readCsvRuns(location.path, { experiment: opts.experiment ?? path.basename(location.path).replace(/\.(csv|tsv)$/i, ''), skip: opts.skip });
      return;
  }
}
