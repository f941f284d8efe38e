import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store } from '../core/store/store';
import { Disposable } from './lifecycle';
import type { Logger } from './logger';

const journalPollMs = 500;

/** Names and sizes of the journal files: changes when any writer appends. */
async function journalSignature(journalDir: string): Promise<string> {
  let names: string[];
  try { names = (await fs.promises.readdir(journalDir)).filter((f) => f.endsWith('.jsonl')).sort(); } catch { return ''; }
  const sizes = await Promise.all(names.map((f) => fs.promises.stat(path.join(journalDir, f)).then((st) => st.size, () => -1)));
  return names.map((f, i) => `${f}:${sizes[i]}`).join('|');
}

/** The store of one workspace folder, opened on first use. */
export interface FolderStore {
  readonly folder: vscode.WorkspaceFolder;
  readonly exptrackDir: string;
  readonly store: Store;
}

/**
 * One store per workspace folder (multi-root), opened lazily so activation never loads sql.js.
 * Watches the journals and the database file so runs recorded by another process (the CLI, a second
 * window) appear live, and re-emits every store's change as one debounced event for the views.
 */
export class WorkspaceStores extends Disposable {
  private readonly opened = new Map<string, Promise<FolderStore>>();
  private readonly readyStores: FolderStore[] = [];
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Fired (debounced) after any store changed: the trees refresh from this. */
  readonly onDidChange = this.changeEmitter.event;
  private changeTimer: NodeJS.Timeout | undefined;
  private refreshTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly logger: Logger, private readonly writerLabel: string) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) void this.closeFolder(f);
      this.fireChanged();
    }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('exptrack.storePath')) this.fireChanged();
    }));
    this.register({ dispose: () => { clearTimeout(this.changeTimer); for (const t of this.refreshTimers.values()) clearTimeout(t); } });
  }

  /** Folders that can hold a store (only `file:` folders: sql.js writes through Node's fs). */
  folders(): readonly vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  }

  exptrackDirOf(folder: vscode.WorkspaceFolder): string {
    const configured = vscode.workspace.getConfiguration('exptrack', folder.uri).get<string>('storePath') || '.exptrack';
    return path.resolve(folder.uri.fsPath, configured);
  }

  /** The folder a file or cwd belongs to, else the first folder. */
  folderFor(fsPath?: string): vscode.WorkspaceFolder | undefined {
    if (fsPath) {
      const f = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(fsPath));
      if (f && f.uri.scheme === 'file') return f;
    }
    return this.folders()[0];
  }

  /** Opens (once) and returns the store of a folder. */
  get(folder: vscode.WorkspaceFolder): Promise<FolderStore> {
    const key = folder.uri.toString();
    let pending = this.opened.get(key);
    if (!pending) {
      pending = this.open(folder);
      this.opened.set(key, pending);
      pending.catch(() => this.opened.delete(key)); // allow a retry after an error was shown
    }
    return pending;
  }

  /** Stores already opened (no side effects: the trees call this). */
  async openStores(): Promise<FolderStore[]> {
    const all = await Promise.allSettled([...this.opened.values()]);
    return all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /** Stores already open, synchronously (for the panels' data source). */
  get ready(): readonly FolderStore[] { return this.readyStores; }

  /** Opens the stores of every folder that already has an .exptrack folder. */
  async openExisting(): Promise<FolderStore[]> {
    const results: FolderStore[] = [];
    for (const folder of this.folders()) {
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(this.exptrackDirOf(folder)));
      } catch {
        continue; // no store in this folder yet
      }
      try {
        results.push(await this.get(folder));
      } catch (e) {
        this.logger.error(`cannot open the store of ${folder.name}: ${e instanceof Error ? e.message : e}`);
      }
    }
    return results;
  }

  private async open(folder: vscode.WorkspaceFolder): Promise<FolderStore> {
    const exptrackDir = this.exptrackDirOf(folder);
    const log = this.logger.scoped('store');
    const t0 = performance.now();
    const store = await Store.open(exptrackDir, {
      writerId: `${this.writerLabel}-${process.pid}-${Date.now().toString(36)}`,
      // Open as long as the window: big CLI runs' journals are left to this store to fold.
      longLived: true,
      logger: {
        info: (m) => log.info(m),
        // Data problems from a run (skipped points...) are logged; only failures of the store itself pop up.
        warn: (m) => log.warn(m),
        error: (m) => { log.error(m); void vscode.window.showErrorMessage(`Experiments: ${m}`); },
      },
    });
    log.info(`opened ${exptrackDir} in ${(performance.now() - t0).toFixed(0)} ms`);
    this.register(store.onDidChange(() => this.fireChanged()));
    // Another process (the CLI, a second window) writes journals and saves the file: fold/reload then.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(exptrackDir), '{exptrack.db,journal/*.jsonl}')));
    const schedule = () => this.scheduleRefresh(exptrackDir, store);
    this.register(watcher.onDidChange(schedule));
    this.register(watcher.onDidCreate(schedule));
    this.register(watcher.onDidDelete(schedule));
    // File events for lines appended to another process's journal are not reliable everywhere
    // (observed in code-server: a CLI run's new metric seen only with its next write, seconds later;
    // network and WSL folders are worse). A poll of the journals' sizes catches them within ~0.5 s;
    // it costs one readdir and a stat per journal.
    let journals = '';
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      void journalSignature(path.join(exptrackDir, 'journal')).then((sig) => {
        if (sig !== journals) { journals = sig; schedule(); }
      }).finally(() => { polling = false; });
    }, journalPollMs);
    this.register({ dispose: () => clearInterval(poll) });
    const folderStore = { folder, exptrackDir, store };
    this.readyStores.push(folderStore);
    this.fireChanged();
    return folderStore;
  }

  private scheduleRefresh(key: string, store: Store): void {
    if (this.refreshTimers.has(key)) return;
    // At most a few refreshes a second however fast a CLI run writes.
    this.refreshTimers.set(key, setTimeout(() => {
      this.refreshTimers.delete(key);
      store.refresh().catch((e) => this.logger.error(`refresh failed: ${e instanceof Error ? e.message : e}`));
    }, 250));
  }

  private fireChanged(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => { this.changeTimer = undefined; this.changeEmitter.fire(); }, 100);
  }

  private async closeFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    const pending = this.opened.get(folder.uri.toString());
    this.opened.delete(folder.uri.toString());
    const i = this.readyStores.findIndex((s) => s.folder.uri.toString() === folder.uri.toString());
    if (i >= 0) this.readyStores.splice(i, 1);
    try { await (await pending)?.store.close(); } catch { /* already reported when opened */ }
  }

  /** Flushes and closes every store: the database then holds everything. */
  async closeAll(): Promise<void> {
    const stores = await this.openStores();
    this.opened.clear();
    this.readyStores.length = 0;
    await Promise.allSettled(stores.map((s) => s.store.close()));
  }
}
