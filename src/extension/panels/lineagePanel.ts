import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { entryScript, lineageGraphMessage, queryLineage } from '../../core/display/lineagePayload';
import type { LineageQueries } from '../../core/lineage/lineageQueries';
import { FileHasher } from '../../core/recorder/fileHasher';
import {
  isFromLineageWebviewMessage, type FromLineageWebviewMessage,
  type LineageQueryData, type LineageTarget, type ToLineageWebviewMessage,
} from '../../protocol/lineageMessages';
import type { LineageSource, PanelContext } from './panelContext';
import { unsubscribe } from './panelContext';
import { repositoryRoot } from '../../core/gitSnapshots';
import { initPanelWebview } from './panelWebview';
import { snapshotUri } from './snapshotContentProvider';
import { WebviewConnection } from './webviewConnection';

/** Store changes are coalesced: a run recording artifacts should not redraw the graph per event. */
const refreshDelayMs = 400;

/**
 * Host side of the Lineage panel: one panel (PanelManager retargets it when shown again). Sends one
 * `graph` snapshot per `ready` and after store changes; answers clicks by revealing runs, opening
 * artifacts (saying when the file changed or vanished since that version) and opening a run's script
 * as it was.
 */
export class LineagePanel {
  static readonly viewType = 'exptrack.lineage';

  private readonly connection: WebviewConnection<ToLineageWebviewMessage, FromLineageWebviewMessage>;
  private readonly subscriptions: { dispose(): void }[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly ctx: PanelContext,
    readonly panel: vscode.WebviewPanel,
    private target: LineageTarget,
    private query: LineageQueryData,
    private readonly onDispose: () => void,
    private readonly compareRuns: (runIds: readonly string[]) => void,
  ) {
    initPanelWebview(ctx, panel.webview, 'lineage', 'Lineage');
    this.connection = new WebviewConnection(panel, isFromLineageWebviewMessage, {
      onReady: () => this.send(),
      onMessage: (m) => this.onMessage(m),
    }, ctx.log);
    const sub = ctx.data.onDidChange(() => this.scheduleRefresh());
    this.subscriptions.push({ dispose: () => unsubscribe(sub) }, this.connection);
    this.subscriptions.push(panel.onDidDispose(() => this.dispose()));
    this.updateTitle();
  }

  private sources(): readonly LineageSource[] {
    return this.ctx.data.lineageSources?.() ?? [];
  }

  retarget(target: LineageTarget): void {
    this.target = target;
    this.updateTitle();
    this.send();
  }

  /** The store holding the target (multi-root: whichever folder recorded it), with its queries. */
  private locate(): { source: LineageSource; q: LineageQueries } | undefined {
    const t = this.target;
    for (const source of this.sources()) {
      if (t.type === 'run' && source.getRun(t.runId) === undefined) continue;
      // One query object per look-up: it loads the graph once and answers everything after.
      const q = source.queries();
      if (t.type === 'run' || q.versionIds(t.path).length > 0) return { source, q };
    }
    return undefined;
  }

  private updateTitle(): void {
    const t = this.target;
    const name = t.type === 'run' ? (this.sources().map((s) => s.getRun(t.runId)).find((r) => r)?.name ?? t.runId) : path.posix.basename(t.path);
    this.panel.title = `Lineage: ${name}`;
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (!this.disposed) this.send();
    }, refreshDelayMs);
  }

  private send(): void {
    if (!this.connection.isReady) return;
    const found = this.locate();
    const q = found?.q;
    const g = q && queryLineage(q, this.target, this.query);
    if (!q || !g) {
      const what = this.target.type === 'run' ? `run ${this.target.runId}` : this.target.path;
      this.connection.post({ type: 'empty', target: this.target, message: `Nothing is recorded for ${what}: it may have been deleted.` });
      return;
    }
    this.connection.post(lineageGraphMessage(g, q, this.target, this.query));
  }

  private async onMessage(m: FromLineageWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'setQuery':
        this.query = m.query;
        this.send();
        return;
      case 'retarget':
        this.retarget(m.target);
        return;
      case 'openRun':
        return this.openRun(m.runId);
      case 'compareRuns':
        this.compareRuns(m.runIds);
        return;
      case 'openArtifact':
        return this.openArtifact(m.path, m.sha256);
      case 'openScript':
        return this.openScript(m.runId);
      case 'ready':
        return;
    }
  }

  private async openRun(runId: string): Promise<void> {
    const source = this.sources().find((s) => s.getRun(runId) !== undefined);
    const run = source?.getRun(runId);
    if (!source || !run) {
      void this.ctx.vscode.window.showWarningMessage('That run is no longer recorded.');
      return;
    }
    await this.ctx.revealRun?.(runId);
    // Offer the comparison that makes sense from here: against the run the panel is about, or
    // against the earlier run this one repeats.
    const t = this.target;
    const other = t.type === 'run' && t.runId !== runId ? source.getRun(t.runId) : undefined;
    const dup = other ? undefined : source.queries().duplicatesOf(runId, 1)[0];
    const with_ = other ? { id: other.id, name: other.name } : dup ? { id: dup.run.id, name: dup.run.name } : undefined;
    if (!with_) return;
    const label = `Compare with ${with_.name}`;
    const pick = await this.ctx.vscode.window.showInformationMessage(
      dup ? `Run ${run.name} repeats run ${dup.run.name}: ${dup.reason}.` : `Run ${run.name}`, label);
    if (pick === label) this.compareRuns([with_.id, runId]);
  }

  private async openArtifact(relPath: string, sha256: string): Promise<void> {
    const { window, commands, Uri } = this.ctx.vscode;
    let source: LineageSource | undefined;
    let q: LineageQueries | undefined;
    for (const s of this.sources()) {
      q = s.queries();
      if (q.versionId(relPath, sha256) !== undefined) { source = s; break; }
    }
    if (!source || !q) return;
    const abs = path.isAbsolute(relPath) ? relPath : path.join(source.workspaceRoot, relPath);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(abs);
    } catch {
      void window.showWarningMessage(`${relPath} no longer exists on disk (this version's sha256 is ${sha256.slice(0, 12) || 'unknown'}).`);
      return;
    }
    const uri = Uri.file(abs);
    const open = () => commands.executeCommand(stat.isDirectory() ? 'revealInExplorer' : 'vscode.open', uri);
    if (!sha256) return void open();
    const versions = q.versionIds(relPath).length;
    const recorded = q.fromArtifactVersion(relPath, sha256, { hops: 0 })?.nodes[0];
    // Same size and mtime as recorded: the content is taken as unchanged without reading it.
    if (recorded?.type === 'artifact' && recorded.size === (stat.isDirectory() ? recorded.size : stat.size)
      && recorded.mtime !== null && Math.abs(recorded.mtime - stat.mtimeMs) < 1 && !stat.isDirectory()) return void open();
    // The recorder's hasher and caps, so the same content gives the same hash (docs/lineage.md).
    const onDisk = await window.withProgress({ location: this.ctx.vscode.ProgressLocation.Window, title: `Hashing ${relPath}` },
      () => new FileHasher(null).hash(abs).catch(() => null));
    if (onDisk === sha256) return void open();
    if (!onDisk) {
      const choice = await window.showWarningMessage(
        `${relPath} is too large to hash now (over the hashing caps) or unreadable, so whether it changed since this version is unknown.`, 'Open Anyway');
      if (choice === 'Open Anyway') await open();
      return;
    }
    const other = q.versionId(relPath, onDisk);
    const now = other !== undefined ? q.fromArtifactVersion(relPath, onDisk, { hops: 0 })?.nodes[0] : undefined;
    const which = now?.type === 'artifact' ? `version ${now.version} of ${versions}` : 'content no run recorded';
    const choice = await window.showWarningMessage(
      `${relPath} changed since this version: the file on disk is ${which}.`, 'Open Anyway', 'Show Its Lineage');
    if (choice === 'Open Anyway') await open();
    else if (choice === 'Show Its Lineage') this.retarget({ type: 'path', path: relPath });
  }

  private async openScript(runId: string): Promise<void> {
    const { window, workspace, Uri } = this.ctx.vscode;
    const source = this.sources().find((s) => s.getRun(runId) !== undefined);
    const run = source?.getRun(runId);
    const script = run && entryScript(run.command);
    if (!source || !run || !script) {
      void window.showInformationMessage('This run has no script to open.');
      return;
    }
    const abs = path.resolve(run.cwd || source.workspaceRoot, script);
    const rev = run.git?.snapshot ?? run.git?.commit ?? null;
    if (rev) {
      const repo = await repositoryRoot(path.dirname(abs)) ?? await repositoryRoot(run.cwd);
      if (repo) {
        const rel = path.relative(repo, abs).split(path.sep).join('/');
        const uri = snapshotUri(Uri, { repo, rev, path: rel, label: run.name.replace(/[/\\]/g, '_') || run.id });
        try {
          await window.showTextDocument(uri, { preview: true });
          return;
        } catch (e) {
          this.ctx.log(`lineage: could not open ${rel} at ${rev}: ${(e as Error).message}`);
        }
      }
    }
    const files = source.getCodeFiles(runId);
    const key = Object.keys(files).find((k) => path.resolve(source.workspaceRoot, k) === abs || path.resolve(run.cwd, k) === abs || k === script);
    if (key !== undefined) {
      const doc = await workspace.openTextDocument({ content: files[key], language: script.endsWith('.py') ? 'python' : undefined });
      await window.showTextDocument(doc, { preview: true });
      return;
    }
    void window.showWarningMessage(`No snapshot of ${script} was kept for run ${run.name}; opening the file as it is now.`);
    try {
      await window.showTextDocument(Uri.file(abs), { preview: true });
    } catch {
      void window.showWarningMessage(`${script} no longer exists.`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    this.onDispose();
  }
}
