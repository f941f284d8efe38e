import type * as vscode from 'vscode';
import { defaultLineageQuery, readLineageViewState, type LineageQueryData, type LineageTarget } from '../../protocol/lineageMessages';
import { readCompareViewState, readRunViewState } from '../../protocol/viewState';
import type { PanelContext } from './panelContext';
import { CompareRunsPanel } from './compareRunsPanel';
import { LineagePanel } from './lineagePanel';
import { RunPanel } from './runPanel';
import { panelWebviewOptions } from './panelWebview';
import { SnapshotContentProvider, snapshotScheme } from './snapshotContentProvider';

/**
 * Owns the Compare panel (one, reused), the Run panels (one per run) and the Lineage panel (one,
 * retargeted), restores them after a reload and serves `exptrack-snapshot:` documents for the code
 * diff. Build one in the composition root.
 */
export class PanelManager {
  private compare: CompareRunsPanel | undefined;
  private lineage: LineagePanel | undefined;
  private readonly runs = new Map<string, RunPanel>();
  private readonly registrations: vscode.Disposable[] = [];
  /** Remembered for the window's session, across Compare panels. */
  private readonly exports: { folder?: vscode.Uri } = {};

  constructor(private readonly ctx: PanelContext) {
    const { window, workspace } = ctx.vscode;
    this.registrations.push(
      workspace.registerTextDocumentContentProvider(snapshotScheme, new SnapshotContentProvider((id) => ctx.data.getCodeFiles?.(id))),
      window.registerWebviewPanelSerializer(CompareRunsPanel.viewType, {
        deserializeWebviewPanel: async (panel, state) => {
          this.compare?.dispose();
          this.compare = this.createCompare(panel, readCompareViewState(state).runIds);
        },
      }),
      window.registerWebviewPanelSerializer(RunPanel.viewType, {
        deserializeWebviewPanel: async (panel, state) => {
          const runId = readRunViewState(state).runId;
          if (!runId || this.runs.has(runId)) {
            panel.dispose();
            return;
          }
          this.runs.set(runId, this.createRun(panel, runId));
        },
      }),
      window.registerWebviewPanelSerializer(LineagePanel.viewType, {
        deserializeWebviewPanel: async (panel, state) => {
          const s = readLineageViewState(state);
          if (!s.target) {
            panel.dispose();
            return;
          }
          this.lineage?.dispose();
          this.lineage = this.createLineage(panel, s.target, s.query);
        },
      }),
    );
  }

  /** Opens (or retargets and reveals) the Compare panel beside the active editor. */
  showCompare(runIds: readonly string[]): void {
    if (this.compare) {
      this.compare.setRuns(runIds);
      this.compare.panel.reveal(undefined, false);
      return;
    }
    this.compare = this.createCompare(this.newPanel(CompareRunsPanel.viewType, 'Compare Runs'), runIds);
  }

  /** Opens (or reveals) the Run panel of one run beside the active editor. */
  showRun(runId: string): void {
    const existing = this.runs.get(runId);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return;
    }
    this.runs.set(runId, this.createRun(this.newPanel(RunPanel.viewType, 'Run'), runId));
  }

  /**
   * Shows lineage around `target` (a run, a path with all its versions, or one version) beside the
   * active editor, retargeting the open Lineage panel.
   */
  showLineage(target: LineageTarget): void {
    if (this.lineage) {
      this.lineage.retarget(target);
      this.lineage.panel.reveal(undefined, false);
      return;
    }
    this.lineage = this.createLineage(this.newPanel(LineagePanel.viewType, 'Lineage'), target);
  }

  /** The runs the Compare panel shows now (empty when closed). */
  get comparedRunIds(): readonly string[] {
    return this.compare?.currentRunIds ?? [];
  }

  /** Every panel opens beside the active editor and takes focus. */
  private newPanel(viewType: string, title: string): vscode.WebviewPanel {
    const { window, ViewColumn } = this.ctx.vscode;
    return window.createWebviewPanel(viewType, title, { viewColumn: ViewColumn.Beside, preserveFocus: false }, panelWebviewOptions(this.ctx));
  }

  private createCompare(panel: vscode.WebviewPanel, runIds: readonly string[]): CompareRunsPanel {
    const created: CompareRunsPanel = new CompareRunsPanel(this.ctx, panel, runIds, () => {
      if (this.compare === created) this.compare = undefined;
    }, (runId) => this.showRun(runId), this.exports);
    return created;
  }

  private createLineage(panel: vscode.WebviewPanel, target: LineageTarget, query: LineageQueryData = defaultLineageQuery): LineagePanel {
    const created: LineagePanel = new LineagePanel(this.ctx, panel, target, query, () => {
      if (this.lineage === created) this.lineage = undefined;
    }, (runIds) => this.showCompare(runIds));
    return created;
  }

  private createRun(panel: vscode.WebviewPanel, runId: string): RunPanel {
    return new RunPanel(this.ctx, panel, runId, () => this.runs.delete(runId));
  }

  dispose(): void {
    this.compare?.dispose();
    this.lineage?.dispose();
    for (const p of [...this.runs.values()]) p.dispose();
    for (const r of this.registrations.splice(0)) r.dispose();
  }
}
