import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { RunDetail } from '../../core/model';
import { headlineKeyOf } from '../../core/metrics/headlineMetric';
import type { RunData } from '../../protocol/panelData';
import {
  isFromCompareWebviewMessage, type CompareInitMessage, type FromCompareWebviewMessage, type ToCompareWebviewMessage,
} from '../../protocol/compareMessages';
import type { PanelContext } from './panelContext';
import { panelPayloads, touchesRuns, unsubscribe } from './panelContext';
import { fitSeries, type PanelPayloads, pointBudget, runSignature } from '../../core/display/panelPayloads';
import { initPanelWebview } from './panelWebview';
import { WebviewConnection } from './webviewConnection';
import { LiveThrottle } from './liveThrottle';
import { changedFiles, repositoryRoot } from '../../core/gitSnapshots';
import { snapshotUri, storedFileUri } from './snapshotContentProvider';

/** Host side of the Compare panel: any number of runs, params/metrics diffs, charts, code diff. */
export class CompareRunsPanel {
  static readonly viewType = 'exptrack.compareRuns';

  private readonly connection: WebviewConnection<ToCompareWebviewMessage, FromCompareWebviewMessage>;
  private readonly payloads: PanelPayloads;
  private readonly live: LiveThrottle;
  private readonly changedRuns = new Set<string>();
  private readonly signatures = new Map<string, string>();
  private readonly sentRuns = new Map<string, RunData>();
  private readonly subscriptions: { dispose(): void }[] = [];
  private disposed = false;
  private preparedInit: Promise<CompareInitMessage> | undefined;
  /** Bumped per init sent: an init that finished building after a newer one started is dropped. */
  private initGeneration = 0;
  /** Points per series the webview asked for in its last `ready`. */
  private budget = 2000;
  private prepareTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: PanelContext,
    readonly panel: vscode.WebviewPanel,
    private runIds: readonly string[],
    private readonly onDispose: () => void,
    private readonly openRun: (runId: string) => void,
    /** Shared by the Compare panels of a window: the folder the last CSV export went to. */
    private readonly exports: { folder?: vscode.Uri } = {},
  ) {
    this.payloads = panelPayloads(ctx);
    initPanelWebview(ctx, panel.webview, 'compare', 'Compare Runs');
    this.updateTitle();
    this.connection = new WebviewConnection(panel, isFromCompareWebviewMessage, {
      onReady: (m) => {
        this.budget = pointBudget(m.type === 'ready' ? m.pointBudget : undefined);
        void this.sendInit();
      },
      onMessage: (m) => this.onMessage(m),
    }, ctx.log);
    this.live = new LiveThrottle(250, () => this.sendLiveUpdate());
    this.prepareInit();
    const sub = ctx.data.onDidChange((e) => {
      const touched = touchesRuns(e, this.runIds);
      if (!touched.length) return;
      touched.forEach((id) => this.changedRuns.add(id));
      this.preparedInit = undefined;
      this.live.trigger();
    });
    this.subscriptions.push({ dispose: () => unsubscribe(sub) }, this.connection, this.live);
    this.subscriptions.push(panel.onDidDispose(() => this.dispose()));
  }

  get currentRunIds(): readonly string[] {
    return this.runIds;
  }

  /** Replaces the compared runs (a new selection in the tree) and brings the panel forward. */
  setRuns(runIds: readonly string[]): void {
    this.runIds = [...new Set(runIds)];
    this.updateTitle();
    if (this.connection.isReady) void this.sendInit();
    else this.prepareInit();
  }

  private updateTitle(): void {
    this.panel.title = this.runIds.length === 1 ? 'Compare: 1 run' : `Compare: ${this.runIds.length} runs`;
  }

  private details(ids: readonly string[] = this.runIds): RunDetail[] {
    return ids.map((id) => this.ctx.data.getRun(id)).filter((r): r is RunDetail => !!r)
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  /**
   * Builds the snapshot while the webview is still loading, so downsampling overlaps the page's
   * start-up and the first `ready` is answered at once. A store change drops it.
   */
  private prepareInit(): void {
    this.preparedInit = undefined;
    if (this.prepareTimer) clearTimeout(this.prepareTimer);
    this.prepareTimer = setTimeout(() => {
      this.prepareTimer = undefined;
      if (this.disposed || this.connection.isReady) return;
      const prepared = this.buildInit();
      prepared.catch(() => undefined); // reported by sendInit, which awaits it
      this.preparedInit = prepared;
    }, 0);
  }

  private async buildInit(): Promise<CompareInitMessage> {
    const details = this.details();
    const directions = this.payloads.directionsFor(details);
    const series = await this.payloads.overviewSeriesOf(details);
    const runs = details.map((d) => this.payloads.runData(d, series, directions));
    this.signatures.clear();
    this.sentRuns.clear();
    for (const d of details) this.signatures.set(d.id, runSignature(d));
    for (const r of runs) this.sentRuns.set(r.id, r);
    return { type: 'init', runs, directions, headlineMetric: headlineKeyOf(details), series };
  }

  private async sendInit(): Promise<void> {
    if (!this.connection.isReady) return;
    const generation = ++this.initGeneration;
    // Prepared at the full 2,000 points before the webview said how many it can show; thinning that
    // is cheap and best steps keep the finer resolution.
    const pending = this.preparedInit ?? this.buildInit();
    this.preparedInit = undefined;
    let message: CompareInitMessage;
    try {
      message = await pending;
    } catch (e) {
      this.ctx.log(`compare: cannot read the runs: ${e instanceof Error ? e.message : e}`);
      return;
    }
    if (this.disposed || generation !== this.initGeneration) return; // superseded by a newer selection
    this.connection.post({ ...message, series: fitSeries(message.series, this.budget) });
  }

  private sendLiveUpdate(): void {
    const changed = [...this.changedRuns];
    this.changedRuns.clear();
    const details = this.details();
    const directions = this.payloads.directionsFor(details);
    // Store events may be unspecific ("something changed"): only runs whose data moved are resent.
    const moved = details.filter((d) => changed.includes(d.id) && this.signatures.get(d.id) !== runSignature(d));
    if (!moved.length && details.length === this.signatures.size) return;
    for (const d of moved) this.signatures.set(d.id, runSignature(d));
    const series = moved.flatMap((d) => this.payloads.overviewSeries(d, this.budget));
    // bestStep needs each run's overview; runs not resent keep what they had.
    const runs = details.map((d) => (moved.includes(d) ? undefined : this.sentRuns.get(d.id)) ?? this.payloads.runData(d, series, directions));
    for (const r of runs) this.sentRuns.set(r.id, r);
    this.connection.post({ type: 'runsUpdated', runs, directions, headlineMetric: headlineKeyOf(details), series });
  }

  private async onMessage(m: FromCompareWebviewMessage): Promise<void> {
    const { vscode: v } = this.ctx;
    switch (m.type) {
      case 'fetchRange': {
        const ranges = m.ranges.filter((r) => this.runIds.includes(r.runId));
        this.connection.post({ type: 'seriesRange', requestId: m.requestId, key: m.key, series: this.payloads.rangeSeries(m.key, ranges, this.budget) });
        return;
      }
      case 'requestChangedFiles': {
        const reply = (files: { path: string; status: string }[], error: string | null) =>
          this.connection.post({ type: 'changedFiles', requestId: m.requestId, runA: m.runA, runB: m.runB, files, error });
        const snap = await this.snapshots(m.runA, m.runB);
        if (typeof snap === 'string') {
          const stored = this.storedFiles(m.runA, m.runB);
          return stored ? reply(stored.changed, null) : reply([], snap);
        }
        try {
          reply(await changedFiles(snap.repo, snap.revA, snap.revB), null);
        } catch (e) {
          reply([], e instanceof Error ? e.message : String(e));
        }
        return;
      }
      case 'openDiff': {
        const snap = await this.snapshots(m.runA, m.runB);
        let left: vscode.Uri;
        let right: vscode.Uri;
        let labels: [string, string];
        if (typeof snap !== 'string') {
          left = snapshotUri(v.Uri, { repo: snap.repo, rev: snap.revA, path: m.path, label: snap.labelA });
          right = snapshotUri(v.Uri, { repo: snap.repo, rev: snap.revB, path: m.path, label: snap.labelB });
          labels = [snap.labelA, snap.labelB];
        } else {
          const stored = this.storedFiles(m.runA, m.runB);
          if (!stored) {
            void v.window.showWarningMessage(snap);
            return;
          }
          left = storedFileUri(v.Uri, { run: m.runA, path: m.path, label: stored.labelA });
          right = storedFileUri(v.Uri, { run: m.runB, path: m.path, label: stored.labelB });
          labels = [stored.labelA, stored.labelB];
        }
        await v.commands.executeCommand('vscode.diff', left, right, `${path.posix.basename(m.path)} (${labels[0]} ↔ ${labels[1]})`);
        return;
      }
      case 'openRun':
        if (this.runIds.includes(m.runId)) this.openRun(m.runId);
        return;
      case 'exportCsv': {
        // Where the last export went (the user chose that folder for them), else the workspace folder.
        const folder = this.exports.folder ?? v.workspace.workspaceFolders?.[0]?.uri;
        const fileName = m.fileName.replace(/[^\w.-]+/g, '_') || 'runs.csv';
        const target = await v.window.showSaveDialog({
          defaultUri: folder ? v.Uri.joinPath(folder, fileName) : undefined,
          filters: { CSV: ['csv'] },
          saveLabel: 'Export',
        });
        if (!target) return;
        try {
          await v.workspace.fs.writeFile(target, new TextEncoder().encode(m.csv));
        } catch (e) {
          const message = `cannot write ${target.fsPath}: ${e instanceof Error ? e.message : e}`;
          this.ctx.log(`compare: export: ${message}`);
          void v.window.showErrorMessage(`Experiments: ${message}`);
          return;
        }
        this.exports.folder = v.Uri.joinPath(target, '..');
        v.window.setStatusBarMessage(`Exported ${this.runIds.length} runs to ${path.basename(target.fsPath)}`, 4000);
        return;
      }
      case 'copyText':
        await v.env.clipboard.writeText(m.text);
        v.window.setStatusBarMessage(`Copied ${m.what.slice(0, 60)}`, 2500);
        return;
      case 'setExperimentBaseline':
        if (this.runIds.includes(m.runId)) await v.commands.executeCommand('exptrack.setBaseline', m.runId);
        return;
    }
  }

  /** Outside git: the code files the store kept for both runs, and which of them differ. */
  private storedFiles(runA: string, runB: string) {
    if (!this.runIds.includes(runA) || !this.runIds.includes(runB)) return undefined;
    const a = this.ctx.data.getCodeFiles?.(runA);
    const b = this.ctx.data.getCodeFiles?.(runB);
    if (!a || !b || (!Object.keys(a).length && !Object.keys(b).length)) return undefined;
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => x.localeCompare(y))
      .filter((p) => a[p] !== b[p])
      .map((p) => ({ path: p, status: a[p] === undefined ? 'A' : b[p] === undefined ? 'D' : 'M' }));
    return { changed, labelA: runLabel(this.ctx.data.getRun(runA), runA), labelB: runLabel(this.ctx.data.getRun(runB), runB) };
  }

  /** Repository and revisions for two compared runs, or why there are none. */
  private async snapshots(runA: string, runB: string) {
    if (!this.runIds.includes(runA) || !this.runIds.includes(runB)) return 'That run is not in this comparison.';
    const [a, b] = [this.ctx.data.getRun(runA), this.ctx.data.getRun(runB)];
    if (!a || !b) return 'A compared run no longer exists.';
    const revA = a.git?.snapshot ?? a.git?.commit;
    const revB = b.git?.snapshot ?? b.git?.commit;
    if (!revA || !revB) return `No code snapshot recorded for ${!revA ? a.name : b.name}.`;
    const repo = await repositoryRoot(a.cwd) ?? await repositoryRoot(b.cwd)
      ?? await firstRepository(this.ctx.vscode.workspace.workspaceFolders);
    if (!repo) return 'The runs\' working folder is not in a git repository.';
    return { repo, revA, revB, labelA: runLabel(a, a.id), labelB: runLabel(b, b.id) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.prepareTimer) clearTimeout(this.prepareTimer);
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    this.onDispose();
  }
}

/** A run's name as one path segment of a snapshot URI (shown in the diff editor's tab). */
function runLabel(run: RunDetail | undefined, id: string): string {
  return (run?.name || id).replace(/[/\\?#]/g, '_');
}

async function firstRepository(folders: readonly vscode.WorkspaceFolder[] | undefined): Promise<string | undefined> {
  for (const f of folders ?? []) {
    if (f.uri.scheme !== 'file') continue;
    const root = await repositoryRoot(f.uri.fsPath);
    if (root) return root;
  }
  return undefined;
}
