import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store } from '../core/store/store';
import { Disposable, DisposableStore } from './lifecycle';
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
 * What changed in the stores, as the stores say it: the runs that changed (ids are unique across
 * folders), or `reloaded` when anything may have (a store was opened, closed or read again from disk,
 * a folder came or went).
 */
export interface StoresChange {
  readonly runs: string[];
  readonly reloaded?: boolean;
}

const everything: StoresChange = { runs: [], reloaded: true };

/**
 * One store per workspace folder (multi-root). The stores of folders that have one are opened in one
 * place, {@link openExisting}: at activation (after it returns, so activation never loads sql.js), when
 * folders or `exptrack.storePath` change, and when another process (the CLI) creates a folder's store.
 * Watches the journals and the database file so runs recorded by another process (the CLI, a second
 * window) appear live, and forwards every store's change, merged over a short debounce, for the views
 * and panels.
 */
export class WorkspaceStores extends Disposable {
  private readonly opened = new Map<string, Promise<FolderStore>>();
  private readonly readyStores: FolderStore[] = [];
  /** What each open folder's store registered (watchers, the journal poll), disposed when it closes. */
  private readonly folderDisposables = new Map<string, DisposableStore>();
  /** Watchers for a store appearing in a folder that has none yet (`exptrack run` in a new folder). */
  private readonly creationWatchers = new Map<string, vscode.Disposable>();
  private readonly changeEmitter = this.register(new vscode.EventEmitter<StoresChange>());
  /** Fired (debounced) after any store changed, with the runs that changed: views and panels refresh from this. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly openingEmitter = this.register(new vscode.EventEmitter<Promise<unknown>>());
  /** Fired when a store starts opening (a big one takes seconds): the Runs view says it is reading. */
  readonly onDidStartOpening = this.openingEmitter.event;
  private changeTimer: NodeJS.Timeout | undefined;
  private pendingChange: { runs: Set<string>; reloaded: boolean } | undefined;
  private refreshTimers = new Map<string, NodeJS.Timeout>();
  private scanned = false;
  private opening = 0;

  constructor(private readonly logger: Logger, private readonly writerLabel: string) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) void this.closeFolder(f);
      this.fireChanged(everything);
      void this.openExisting();
    }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('exptrack.storePath')) return;
      // A store opened at the old path is closed; the one at the new path (if any) is opened.
      for (const f of this.folders()) {
        const open = this.readyStores.find((s) => s.folder.uri.toString() === f.uri.toString());
        if (open && open.exptrackDir !== this.exptrackDirOf(f)) void this.closeFolder(f);
      }
      this.fireChanged(everything);
      void this.openExisting();
    }));
    this.register({ dispose: () => {
      clearTimeout(this.changeTimer);
      for (const t of this.refreshTimers.values()) clearTimeout(t);
      for (const d of [...this.folderDisposables.values(), ...this.creationWatchers.values()]) d.dispose();
    } });
  }

  /**
   * Whether the stores were looked for once and none is still opening: only then does "no runs"
   * mean there are none.
   */
  get settled(): boolean {
    return this.scanned && this.opening === 0;
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
      this.opening++;
      pending.then(() => undefined, () => { if (this.opened.get(key) === pending) this.opened.delete(key); }) // allow a retry after an error was shown
        .finally(() => { this.opening--; this.fireChanged(everything); });
      this.openingEmitter.fire(pending);
    }
    return pending;
  }

  /** Stores already opened or opening, once they are open (no side effects). */
  async openStores(): Promise<FolderStore[]> {
    const all = await Promise.allSettled([...this.opened.values()]);
    return all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /** Stores already open, synchronously, in the order of the workspace folders (views and panels read these). */
  get ready(): readonly FolderStore[] { return this.readyStores; }

  /**
   * Opens the stores of every folder that already has one (the store folder exists) and watches the
   * others for one to appear. Idempotent: commands call it to wait for the stores before reading.
   */
  async openExisting(): Promise<FolderStore[]> {
    const results: FolderStore[] = [];
    try {
      for (const folder of this.folders()) {
        try {
          await vscode.workspace.fs.stat(vscode.Uri.file(this.exptrackDirOf(folder)));
        } catch {
          this.watchForStore(folder);
          continue; // no store in this folder yet
        }
        try {
          results.push(await this.get(folder));
        } catch (e) {
          this.logger.error(`cannot open the store of ${folder.name}: ${e instanceof Error ? e.message : e}`);
        }
      }
    } finally {
      if (!this.scanned) {
        this.scanned = true;
        this.fireChanged(everything);
      }
    }
    return results;
  }

  /** `exptrack run` in a folder without a store creates one: open it then, so its runs show live. */
  private watchForStore(folder: vscode.WorkspaceFolder): void {
    const key = folder.uri.toString();
    if (this.creationWatchers.has(key) || this.opened.has(key)) return;
    const dir = this.exptrackDirOf(folder);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(dir)), `${path.basename(dir)}/{exptrack.db,journal/*.jsonl}`), false, true, true);
    watcher.onDidCreate(() => {
      this.creationWatchers.get(key)?.dispose();
      this.creationWatchers.delete(key);
      void this.openExisting();
    });
    this.creationWatchers.set(key, watcher);
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
    const key = folder.uri.toString();
    this.creationWatchers.get(key)?.dispose();
    this.creationWatchers.delete(key);
    const disposables = new DisposableStore();
    this.folderDisposables.get(key)?.dispose();
    this.folderDisposables.set(key, disposables);
    disposables.add(store.onDidChange((e) => this.fireChanged(e)));
    // Another process (the CLI, a second window) writes journals and saves the file: fold/reload then.
    const watcher = disposables.add(vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(exptrackDir), '{exptrack.db,journal/*.jsonl}')));
    const schedule = () => this.scheduleRefresh(exptrackDir, store);
    disposables.add(watcher.onDidChange(schedule));
    disposables.add(watcher.onDidCreate(schedule));
    disposables.add(watcher.onDidDelete(schedule));
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
    disposables.add({ dispose: () => clearInterval(poll) });
    const folderStore = { folder, exptrackDir, store };
    this.readyStores.push(folderStore);
    this.readyStores.sort((a, b) => a.folder.index - b.folder.index);
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

  /** Merges changes for 100 ms (a live run changes several times a second) and forwards them. */
  private fireChanged(change: { readonly runs: readonly string[]; readonly reloaded?: boolean }): void {
    const pending = this.pendingChange ??= { runs: new Set(), reloaded: false };
    for (const id of change.runs) pending.runs.add(id);
    if (change.reloaded) pending.reloaded = true;
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      const merged = this.pendingChange;
      this.pendingChange = undefined;
      if (merged) this.changeEmitter.fire(merged.reloaded ? { runs: [...merged.runs], reloaded: true } : { runs: [...merged.runs] });
    }, 100);
  }

  /** Closes one folder's store (its folder left the workspace). */
  async closeFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    const key = folder.uri.toString();
    const pending = this.opened.get(key);
    this.opened.delete(key);
    for (const m of [this.folderDisposables, this.creationWatchers]) { m.get(key)?.dispose(); m.delete(key); }
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
