import * as path from 'node:path';
import type * as vscode from 'vscode';
import { explainRun, type ExplainReport } from '../../core/explain/explainRun';
import { inferMetricDirection } from '../../core/metrics/metricDirection';
import { writeMetricDirection } from '../../core/metrics/metricsConfig';
import {
  isFromExplainWebviewMessage, readExplainViewState,
  type DirectionSource, type ExplainReportData, type FromExplainWebviewMessage, type ToExplainWebviewMessage,
} from '../../protocol/explainMessages';
import type { PanelContext } from '../panels/panelContext';
import { initPanelWebview, panelWebviewOptions } from '../panels/panelWebview';
import { snapshotUri, storedFileUri } from '../panels/snapshotContentProvider';
import { WebviewConnection } from '../panels/webviewConnection';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';
import type { FolderMetricsConfig } from './folderMetricsConfig';

/** The part of FolderMetricsConfig the panel reads. */
export type MetricsConfigSource = Pick<FolderMetricsConfig, 'get'>;

/** What the Explain panel's evidence links open. */
export interface ExplainPanelActions {
  compare(runIds: readonly string[]): void;
  showRun(runId: string): void;
  showLineage(folderStore: FolderStore, artifactPath: string): void;
}

export interface ExplainPanelDeps {
  readonly ctx: Pick<PanelContext, 'vscode' | 'extensionUri' | 'log'>;
  readonly stores: Pick<WorkspaceStores, 'openExisting'>;
  readonly config: MetricsConfigSource;
  readonly actions: ExplainPanelActions;
}

/** A store change recomputes the report at most this often. */
const RECOMPUTE_MS = 500;

/**
 * Host side of the Explain panel: the ranked differences between a run and its baseline, each with a
 * link to its evidence (the input file and its versions, the code diff, the Compare panel). One panel,
 * retargeted; restored after a reload.
 */
export class ExplainPanel {
  static readonly viewType = 'exptrack.explain';
  private static current: ExplainPanel | undefined;

  private readonly connection: WebviewConnection<ToExplainWebviewMessage, FromExplainWebviewMessage>;
  private readonly subscriptions: { dispose(): void }[] = [];
  private report: ExplainReport | undefined;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** Opens (or retargets and reveals) the Explain panel on a run against a baseline. */
  static show(deps: ExplainPanelDeps, folderStore: FolderStore, runId: string, baselineId: string): void {
    const open = ExplainPanel.current;
    if (open) {
      open.retarget(folderStore, runId, baselineId);
      open.panel.reveal(undefined, false);
      return;
    }
    const { window, ViewColumn } = deps.ctx.vscode;
    const panel = window.createWebviewPanel(ExplainPanel.viewType, 'Explain', { viewColumn: ViewColumn.Beside, preserveFocus: false }, panelWebviewOptions(deps.ctx));
    ExplainPanel.current = new ExplainPanel(deps, panel, folderStore, runId, baselineId);
  }

  static registerSerializer(deps: ExplainPanelDeps): vscode.Disposable {
    return deps.ctx.vscode.window.registerWebviewPanelSerializer(ExplainPanel.viewType, {
      deserializeWebviewPanel: async (panel, state) => {
        const view = readExplainViewState(state);
        const stores = view ? await deps.stores.openExisting() : [];
        const folderStore = view && stores.find((s) => s.store.getRun(view.runId));
        if (!view || !view.baselineId || !folderStore || ExplainPanel.current) { panel.dispose(); return; }
        ExplainPanel.current = new ExplainPanel(deps, panel, folderStore, view.runId, view.baselineId);
      },
    });
  }

  private constructor(
    private readonly deps: ExplainPanelDeps,
    readonly panel: vscode.WebviewPanel,
    private folderStore: FolderStore,
    private runId: string,
    private baselineId: string,
  ) {
    initPanelWebview(deps.ctx, panel.webview, 'explain', 'Explain');
    this.connection = new WebviewConnection(panel, isFromExplainWebviewMessage, {
      onReady: () => { void this.compute(); },
      onMessage: (m) => this.onMessage(m),
    }, deps.ctx.log);
    this.subscriptions.push(this.connection, panel.onDidDispose(() => this.dispose()));
    this.subscriptions.push(folderStore.store.onDidChange((e) => {
      if (e.reloaded || e.runs.length === 0 || e.runs.includes(this.runId) || e.runs.includes(this.baselineId)) this.scheduleCompute();
    }));
    this.setTitle();
  }

  private retarget(folderStore: FolderStore, runId: string, baselineId: string): void {
    this.folderStore = folderStore;
    this.runId = runId;
    this.baselineId = baselineId;
    this.setTitle();
    void this.compute();
  }

  private setTitle(): void {
    const run = this.folderStore.store.getRun(this.runId);
    this.panel.title = `Explain: ${run?.name ?? this.runId}`;
  }

  private scheduleCompute(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.compute(); }, RECOMPUTE_MS);
  }

  private async compute(): Promise<void> {
    if (!this.connection.isReady || this.disposed) return;
    const generation = ++this.generation;
    const { store, exptrackDir, folder } = this.folderStore;
    const run = store.getRun(this.runId);
    const baseline = store.getRun(this.baselineId);
    if (!run || !baseline) {
      this.connection.post({ type: 'error', message: `${!run ? 'The run' : 'The baseline'} no longer exists in the database.` });
      return;
    }
    this.connection.post({ type: 'computing', runName: run.name, baselineName: baseline.name });
    try {
      const { config, overrides } = this.deps.config.get(exptrackDir, folder.uri);
      const report = await explainRun(store, this.runId, this.baselineId, { config, overrides, repoHint: folder.uri.fsPath });
      if (generation !== this.generation || this.disposed) return;
      this.report = report;
      const directions = report.curves.map((c) => {
        const byName = inferMetricDirection(c.key);
        const overridden = Object.hasOwn({ ...config.directions, ...overrides }, c.key);
        const source: DirectionSource = overridden ? 'override' : byName ? 'name' : 'unknown';
        return { key: c.key, direction: c.direction, source };
      });
      const data: ExplainReportData = report;
      this.connection.post({ type: 'report', report: data, directions });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.ctx.log(`[explain] ${message}`);
      this.connection.post({ type: 'error', message });
    }
  }

  private async onMessage(m: FromExplainWebviewMessage): Promise<void> {
    const v = this.deps.ctx.vscode;
    const report = this.report;
    switch (m.type) {
      case 'openCompare':
        this.deps.actions.compare([this.baselineId, this.runId]);
        return;
      case 'openRun':
        if (m.runId === this.runId || m.runId === this.baselineId) this.deps.actions.showRun(m.runId);
        return;
      case 'openInput': {
        // Only paths the report names: the webview is untrusted.
        if (!report?.items.some((i) => i.kind === 'data' && i.input.path === m.path)) return;
        if (m.lineage) { this.deps.actions.showLineage(this.folderStore, m.path); return; }
        const file = path.isAbsolute(m.path) ? m.path : path.join(this.folderStore.folder.uri.fsPath, m.path);
        const uri = v.Uri.file(file);
        try {
          const stat = await v.workspace.fs.stat(uri);
          // Directories (datasets) go to the explorer (FileType.Directory = 2); files open in an editor.
          await v.commands.executeCommand(stat.type & 2 ? 'revealInExplorer' : 'vscode.open', uri);
        } catch {
          void v.window.showWarningMessage(`Experiments: ${m.path} is no longer on disk; its recorded versions are in the Lineage panel.`);
        }
        return;
      }
      case 'openCodeDiff': {
        const code = report?.items.find((i) => i.kind === 'code');
        if (!code || code.kind !== 'code' || !code.code.files.some((f) => f.path === m.path)) return;
        const baseline = this.folderStore.store.getRun(this.baselineId);
        const run = this.folderStore.store.getRun(this.runId);
        const labelA = label(baseline?.name ?? this.baselineId);
        const labelB = label(run?.name ?? this.runId);
        const [left, right] = code.code.source === 'git'
          ? [snapshotUri(v.Uri, { repo: code.code.repo, rev: code.code.baselineRev, path: m.path, label: labelA }),
            snapshotUri(v.Uri, { repo: code.code.repo, rev: code.code.runRev, path: m.path, label: labelB })]
          : [storedFileUri(v.Uri, { run: this.baselineId, path: m.path, label: labelA }), storedFileUri(v.Uri, { run: this.runId, path: m.path, label: labelB })];
        await v.commands.executeCommand('vscode.diff', left, right, `${path.posix.basename(m.path)} (${labelA} ↔ ${labelB})`);
        return;
      }
      case 'setDirection': {
        if (!report?.curves.some((c) => c.key === m.key)) return;
        try {
          writeMetricDirection(this.folderStore.exptrackDir, m.key, m.direction);
        } catch (e) {
          void v.window.showErrorMessage(`Experiments: ${e instanceof Error ? e.message : e}`);
          return;
        }
        await this.compute();
        return;
      }
      case 'ready':
        return;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (ExplainPanel.current === this) ExplainPanel.current = undefined;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
  }
}

/** A run's name as one path segment of a snapshot URI (shown in the diff editor's tab). */
function label(name: string): string {
  return name.replace(/[/\\?#]/g, '_');
}
