import * as vscode from 'vscode';
import { CommandRegistry } from './commandRegistry';
import { DoctorDocuments } from './doctorDocuments';
import { Disposable, DisposableStore } from './lifecycle';
import { Logger } from './logger';
import { PanelManager } from './panels/panelManager';
import { StoresDataSource } from './storesDataSource';
import { RunActions } from './runActions';
import { CaptureToggle, LiveRunsStatus } from './statusBar';
import type { RunRef, RunsNode } from './trees/runsTree';
import { RunsTreeProvider } from './trees/runsTree';
import { WorkspaceStores } from './workspaceStores';

/**
 * The composition root: builds every service by constructor injection and registers what it
 * creates. Nothing heavy happens here (no database is opened) so activation stays fast.
 */
export class ExptrackExtension extends Disposable {
  readonly logger: Logger;
  readonly stores: WorkspaceStores;
  readonly runsTree: RunsTreeProvider;
  readonly runsView: vscode.TreeView<RunsNode>;
  readonly panels: PanelManager;
  readonly capture: CaptureToggle;

  constructor(readonly context: vscode.ExtensionContext, channel: vscode.LogOutputChannel) {
    super();
    this.logger = new Logger(channel);
    const disposables = this.register(new DisposableStore());
    const commands = new CommandRegistry(this.logger, disposables);

    this.stores = this.register(new WorkspaceStores(this.logger, 'window'));
    this.runsTree = this.register(new RunsTreeProvider(this.stores, this.logger.scoped('runs')));
    this.runsView = this.register(vscode.window.createTreeView('exptrack.runs', {
      treeDataProvider: this.runsTree, canSelectMany: true, showCollapseAll: true,
    }));

    const data = this.register(new StoresDataSource(this.stores));
    this.panels = new PanelManager({
      vscode, extensionUri: context.extensionUri, data,
      log: (m) => this.logger.scoped('panels').info(m),
      metricDirections: () => vscode.workspace.getConfiguration('exptrack').get('metrics.directions') ?? {},
    });
    this.register(this.panels);

    this.capture = this.register(new CaptureToggle(context.workspaceState));
    const live = this.register(new LiveRunsStatus(this.stores));
    const doctor = this.register(new DoctorDocuments(this.stores));

    const actions = this.register(new RunActions(this.stores, this.runsTree, this.runsView, {
      compare: async (runs) => this.panels.showCompare(runs.map((r) => r.run.id)),
      show: async (run) => this.panels.showRun(run.run.id),
      rerun: async (run) => this.rerun(run),
    }, this.logger.scoped('runs')));
    actions.registerCommands(commands);
    commands.register('exptrack.showLog', () => this.logger.show());
    commands.register('exptrack.toggleCapture', () => this.capture.toggle());
    commands.register('exptrack.openDoctor', () => doctor.open());
    commands.register('exptrack.showLiveRun', async () => {
      const [first] = live.runs;
      if (first) this.panels.showRun(first.run.id);
    });
  }

  private async rerun(run: RunRef): Promise<void> {
    void run;
    throw new Error('Re-run needs the tracked task runner');
  }

  async shutdown(): Promise<void> {
    try {
      await this.stores.closeAll();
    } finally {
      this.dispose();
    }
  }
}
