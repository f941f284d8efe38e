import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FOLDER_EXPORT_FORMATS, FOLDER_EXPORT_LABELS, isFolderExportFormat, type FolderExportFormat } from '../../core/export/folderExport';
import type { ImportJobResult } from '../../core/import/importJob';
import type { CommandRegistry } from '../commandRegistry';
import type { Logger } from '../logger';
import { runsFromArgs } from '../runPicker';
import type { RunRef } from '../trees/runsTree';
import type { WorkspaceStores } from '../workspaceStores';
import type { ExportJobResult, WorkerMessage } from './workerMessages';
import { startExport, startImport } from './workerJob';

/** What a caller (a test, another extension) may give "Import Runs…" instead of the pickers. */
export interface ImportRunsOptions {
  /** The file or folder to import. */
  readonly path: string;
  /** The workspace folder whose store receives the runs (its path); default: the only or first one. */
  readonly folder?: string;
  readonly experiment?: string;
}

/** What a caller may give "Export Runs…" (after the tree's clicked node and selection) instead of the pickers. */
export interface ExportRunsOptions {
  readonly format: FolderExportFormat;
  /** The folder to write: new or empty. */
  readonly folder: string;
}

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, word: string): string => `${n(x)} ${word}${x === 1 ? '' : 's'}`;

/**
 * "Experiments: Import Runs…" and the Runs view's "Export Runs…". Both run in a worker thread
 * (importExportWorker.ts) with the CLI's code, so the extension host's event loop never waits on
 * reading, folding or writing; the Runs view refreshes from the store's change event as for any run.
 */
export class ImportExportCommands {
  constructor(private readonly stores: WorkspaceStores, private readonly logger: Logger) {}

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.importRuns', (arg?: unknown) => this.importRuns(arg));
    commands.register('exptrack.exportRuns', (...args: unknown[]) => this.exportRuns(args));
  }

  async importRuns(arg?: unknown): Promise<ImportJobResult | undefined> {
    const given = importOptions(arg);
    const folder = await this.pickFolder(given?.folder, 'Import Runs into');
    if (!folder) return undefined;
    const source = given?.path ?? await pickImportSource(folder.uri);
    if (!source) return undefined;
    const storeDir = this.stores.exptrackDirOf(folder);
    const name = path.basename(source);
    this.logger.info(`import ${source} into ${storeDir}`);
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `Importing runs from ${name}`,
    }, async (progress, token) => {
      let sources = 1;
      let sourceIndex = -1;
      let runs = 0;
      let points = 0;
      const job = startImport({ kind: 'import', root: source, storeDir, experiment: given?.experiment }, (m: WorkerMessage) => {
        if (m.type === 'sources') { sources = Math.max(1, m.sources.length); progress.report({ message: `${plural(m.sources.length, 'source')} found` }); }
        if (m.type === 'log') this.logger[m.level](m.message);
        if (m.type !== 'run') return;
        runs++;
        points += m.run.newPoints;
        const increment = m.sourceIndex > sourceIndex ? ((m.sourceIndex - Math.max(sourceIndex, 0)) * 100) / sources : 0;
        sourceIndex = Math.max(sourceIndex, m.sourceIndex);
        progress.report({ increment, message: `${plural(runs, 'run')}, ${plural(points, 'point')} · ${m.run.experiment} / ${m.run.name}` });
      });
      const sub = token.onCancellationRequested(() => {
        progress.report({ message: 'stopping after the current run (the runs imported so far are kept)…' });
        job.stop();
      });
      try { return await job.done; } finally { sub.dispose(); }
    });
    // The worker wrote through its own journal and saved: the window's store reads it now (opening
    // it if the import made it), and the views refresh from its change event.
    const { store } = await this.stores.get(folder);
    await store.refresh();
    this.logImport(result);
    void this.showImportSummary(result, name);
    return result;
  }

  private logImport(r: ImportJobResult): void {
    for (const run of r.runs) {
      this.logger.info(`${run.outcome} ${run.id} ${run.source} ${run.experiment} / ${run.name}: ${run.newPoints === run.points ? `${n(run.points)} points` : `${n(run.newPoints)} of ${n(run.points)} points new`} (${run.location})`);
    }
    for (const s of r.skipped) this.logger.warn(`skipped ${s.path}: ${s.reason}`);
  }

  private async showImportSummary(r: ImportJobResult, name: string): Promise<void> {
    const count = (o: string): number => r.runs.filter((x) => x.outcome === o).length;
    const skipped = r.skipped.length ? ` ${plural(r.skipped.length, 'item')} skipped (${whySkipped(r)}).` : '';
    let text: string;
    if (r.cancelled) {
      text = `Experiments: import from ${name} stopped. The ${plural(r.runs.length, 'run')} imported before it stopped are kept whole (${plural(r.pointsWritten, 'point')}); ` +
        `the rest were not imported: import again to bring them in (only what is new is added).${skipped}`;
    } else if (!r.runs.length) {
      text = `Experiments: no runs imported from ${name}.${skipped}`;
    } else {
      text = `Experiments: imported ${plural(r.runs.length, 'run')} from ${name} (${count('new')} new, ${count('updated')} updated, ${count('unchanged')} unchanged), ` +
        `${plural(r.pointsWritten, 'point')} in ${r.seconds.toFixed(1)} s.${skipped}`;
    }
    const choice = r.runs.length ? await vscode.window.showInformationMessage(text, 'Show Details') : await vscode.window.showWarningMessage(text, 'Show Details');
    if (choice === 'Show Details') this.logger.show();
  }

  async exportRuns(args: unknown[]): Promise<ExportJobResult[] | undefined> {
    const given = exportOptions(args[2]);
    const runs = await runsFromArgs(this.stores, args.slice(0, 2), { many: true, title: 'Export Runs' });
    if (!runs?.length) return undefined;
    const format = given?.format ?? await pickFormat();
    if (!format) return undefined;
    const chosen = given?.folder ?? (await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export Here', title: `Export ${plural(runs.length, 'run')} as ${FOLDER_EXPORT_LABELS[format]}`,
      defaultUri: runs[0].folderStore.folder.uri,
    }))?.[0]?.fsPath;
    if (!chosen) return undefined;
    // A folder picked in the dialog usually holds things already: the export goes into a new folder in it.
    const target = given ? chosen : isEmptyOrNew(chosen) ? chosen : path.join(chosen, `exptrack-${format}-${stamp(new Date())}`);
    const byStore = new Map<string, RunRef[]>();
    for (const r of runs) byStore.set(r.folderStore.exptrackDir, [...(byStore.get(r.folderStore.exptrackDir) ?? []), r]);
    const results = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: `Exporting ${plural(runs.length, 'run')} as ${FOLDER_EXPORT_LABELS[format]}`,
    }, async () => {
      const out: ExportJobResult[] = [];
      for (const [storeDir, refs] of byStore) {
        const { store, folder } = refs[0].folderStore;
        await store.flush(); // the worker reads the journals: everything of this window must be in them
        // Runs of several workspace folders: a folder each, named after it.
        const dir = byStore.size > 1 ? path.join(target, folder.name) : target;
        out.push(await startExport({ kind: 'export', storeDir, runIds: refs.map((r) => r.run.id), format, target: dir }, (m) => {
          if (m.type === 'log') this.logger[m.level](m.message);
        }).done);
      }
      return out;
    });
    const total = results.reduce((a, r) => ({ runs: a.runs + r.runs, points: a.points + r.points }), { runs: 0, points: 0 });
    const problems = results.flatMap((r) => r.problems);
    const missing = results.flatMap((r) => r.missing);
    this.logger.info(`exported ${total.runs} run(s), ${total.points} point(s) as ${format} to ${target}`);
    for (const p of problems) this.logger.warn(`export: ${p}`);
    for (const id of missing) this.logger.warn(`export: run ${id} is no longer in the store; not exported`);
    const notes = [problems.length ? `${plural(problems.length, 'note')} on names the layout cannot hold` : '', missing.length ? `${plural(missing.length, 'run')} no longer recorded` : ''].filter(Boolean);
    void vscode.window.showInformationMessage(
      `Experiments: exported ${plural(total.runs, 'run')}, ${plural(total.points, 'point')} as ${FOLDER_EXPORT_LABELS[format]} to ${target}.${notes.length ? ` ${notes.join('; ')} (see the details).` : ''}`,
      'Reveal', ...(notes.length ? ['Show Details'] : []),
    ).then((choice) => {
      if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(target));
      if (choice === 'Show Details') this.logger.show();
    });
    return results;
  }

  /** The workspace folder whose store is meant: given, the only one, or picked. */
  private async pickFolder(given: string | undefined, title: string): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = this.stores.folders();
    if (!folders.length) throw new Error('Open a folder first: runs are imported into the store of a workspace folder.');
    if (given) {
      const f = folders.find((x) => path.resolve(x.uri.fsPath) === path.resolve(given));
      if (!f) throw new Error(`${given} is not a workspace folder`);
      return f;
    }
    if (folders.length === 1) return folders[0];
    return (await vscode.window.showQuickPick(folders.map((f) => ({ label: f.name, description: f.uri.fsPath, folder: f })), { title }))?.folder;
  }
}

/**
 * A folder or a file (mlflow.db, CSV): Windows and Linux dialogs cannot pick both kinds at once, so
 * the kind is asked first.
 */
async function pickImportSource(defaultUri: vscode.Uri): Promise<string | undefined> {
  const kind = await vscode.window.showQuickPick([
    { label: '$(folder) A folder', description: 'mlruns/, TensorBoard logs, wandb/, a DVCLive folder, or a project holding them', folder: true },
    { label: '$(file) A file', description: 'mlflow.db, a .csv or .tsv file, an events.out.tfevents.* file', folder: false },
  ], { title: 'Import Runs: what holds them?' });
  if (!kind) return undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: kind.folder, canSelectFiles: !kind.folder, canSelectMany: false, defaultUri, openLabel: 'Import',
    title: 'Import Runs from MLflow, TensorBoard, W&B, DVCLive or CSV',
  });
  return picked?.[0]?.fsPath;
}

async function pickFormat(): Promise<FolderExportFormat | undefined> {
  const descriptions: Record<FolderExportFormat, string> = {
    mlflow: 'a folder store `mlflow ui --backend-store-uri DIR` opens',
    dvclive: 'a DVCLive folder per run (`dvc plots show` reads them)',
    parquet: 'runs.parquet and points.parquet for pandas, polars, DuckDB',
  };
  const picked = await vscode.window.showQuickPick(FOLDER_EXPORT_FORMATS.map((f) => ({ label: FOLDER_EXPORT_LABELS[f], description: descriptions[f], format: f })),
    { title: 'Export Runs as' });
  return picked?.format;
}

function importOptions(arg: unknown): ImportRunsOptions | undefined {
  if (arg instanceof vscode.Uri) return { path: arg.fsPath };
  if (arg && typeof arg === 'object' && typeof (arg as ImportRunsOptions).path === 'string') return arg as ImportRunsOptions;
  return undefined;
}

function exportOptions(arg: unknown): ExportRunsOptions | undefined {
  const o = arg as Partial<ExportRunsOptions> | undefined;
  return o && typeof o === 'object' && typeof o.folder === 'string' && typeof o.format === 'string' && isFolderExportFormat(o.format) ? o as ExportRunsOptions : undefined;
}

/** The kinds of reasons things were skipped, in short (ids, names and counts left out: the log has them). */
function whySkipped(r: ImportJobResult): string {
  const reasons = [...new Set(r.skipped.map((s) => s.reason.replace(/"[^"]*"/g, '"…"').replace(/\b(?=\w*\d)\w{6,}\b/g, '…').replace(/^\d+ /, '')))];
  return reasons.length > 2 ? `${reasons.slice(0, 2).join('; ')}; …` : reasons.join('; ');
}

function isEmptyOrNew(dir: string): boolean {
  try { return fs.readdirSync(dir).length === 0; } catch { return true; }
}

/** 20261203-011530: a folder name that sorts by time. */
function stamp(d: Date): string {
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
