import * as vscode from 'vscode';
import { FolderRecorders } from './capture/folderRecorders';
import { NotExperiments } from './capture/notExperiments';
import { TaskCapture } from './capture/taskCapture';
import { TerminalCapture } from './capture/terminalCapture';
import { TrackedLaunches } from './capture/trackedLaunches';
import { TrackedTaskProvider } from './capture/trackedTaskProvider';
import { CliOnPath } from './cliOnPath';
import { CommandRegistry } from './commandRegistry';
import { DoctorDocuments } from './doctorDocuments';
import { ExplainFeature } from './explain/explainFeature';
import { Disposable, DisposableStore } from './lifecycle';
import { Logger } from './logger';
import { ImportExportCommands } from './importExport/importExportCommands';
import { directionOverrides } from '../core/metrics/metricDirection';
import { trackRunSelection } from './runPicker';
import { PanelManager } from './panels/panelManager';
import { PythonInterpreters } from './pythonInterpreters';
import { StoresDataSource } from './storesDataSource';
import { RunActions } from './runActions';
import { CaptureToggle, HashProgressStatus, LiveRunsStatus } from './statusBar';
import type { RunsNode } from './trees/runsTree';
import { RunsTreeProvider } from './trees/runsTree';
import { ArtifactActions } from './trees/artifactActions';
import { ArtifactsTreeProvider } from './trees/artifactsTree';
import { WorkspaceStores } from './workspaceStores';
import { ScriptRunsIndex } from './codeLens/scriptRunsIndex';
import { ScriptCodeLens } from './codeLens/scriptCodeLens';
import { FlagHover } from './codeLens/flagHover';
import { pickRunOrder } from './trees/sortRuns';

/**
 * The composition root: builds every service by constructor injection and registers what it
 * creates. Nothing heavy happens here (no database is opened) so activation stays fast.
 */
export class ExptrackExtension extends Disposable {
  readonly logger: Logger;
  readonly stores: WorkspaceStores;
  readonly runsTree: RunsTreeProvider;
  readonly runsView: vscode.TreeView<RunsNode>;
  readonly artifactsTree: ArtifactsTreeProvider;
  readonly panels: PanelManager;
  readonly capture: CaptureToggle;
  readonly runActions: RunActions;
  readonly launches: TrackedLaunches;
  readonly recorders: FolderRecorders;
  readonly tasks: TrackedTaskProvider;
  readonly terminals: TerminalCapture;
  readonly interpreters: PythonInterpreters;
  readonly scripts: ScriptRunsIndex;

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
    this.runsTree.attachView(this.runsView, 'exptrack.runs');
    this.register(trackRunSelection(this.runsView));

    this.artifactsTree = this.register(new ArtifactsTreeProvider(this.stores, this.logger.scoped('artifacts')));
    this.register(vscode.window.createTreeView('exptrack.artifacts', { treeDataProvider: this.artifactsTree, showCollapseAll: true }));

    const data = this.register(new StoresDataSource(this.stores));
    this.panels = new PanelManager({
      vscode, extensionUri: context.extensionUri, data,
      log: (m) => this.logger.scoped('panels').info(m),
      metricDirections: () => directionOverrides(vscode.workspace.getConfiguration('exptrack').get('metrics.directions')).directions,
      revealRun: (runId) => this.runActions.revealRun(runId),
    });
    this.register(this.panels);

    this.capture = this.register(new CaptureToggle(context.workspaceState));
    const hashing = this.register(new HashProgressStatus());
    this.recorders = this.register(new FolderRecorders(this.stores, this.logger, (p) => hashing.report(p)));
    this.interpreters = new PythonInterpreters(this.logger.scoped('python'));
    this.tasks = this.register(new TrackedTaskProvider(this.recorders, this.logger.scoped('tasks'), this.interpreters));
    const notExperiments = this.register(new NotExperiments(this.recorders, this.logger.scoped('capture')));
    this.terminals = this.register(new TerminalCapture(this.recorders, this.capture, context, this.logger.scoped('terminal'),
      (folder) => this.stores.exptrackDirOf(folder), notExperiments));
    this.register(new TaskCapture(this.recorders, this.capture, this.terminals, this.logger.scoped('tasks'), notExperiments));
    const live = this.register(new LiveRunsStatus(this.stores));
    const cli = this.register(new CliOnPath(context.environmentVariableCollection, this.logger.scoped('cli')));
    const doctor = this.register(new DoctorDocuments(this.stores, () => cli.state));

    // The script CodeLens and flag hover, and launches that say what they re-run (docs/editor.md).
    this.scripts = this.register(new ScriptRunsIndex(this.stores, this.logger.scoped('lens')));
    this.launches = new TrackedLaunches(this.stores, this.tasks, this.interpreters, this.scripts, context.workspaceState, this.logger);
    this.launches.registerCommands(commands);
    const lens = this.register(new ScriptCodeLens(this.scripts, {
      showRun: (runId) => this.panels.showRun(runId),
      compare: (runIds) => this.panels.showCompare(runIds),
      rerun: (run) => this.launches.rerun(run),
    }));
    lens.registerCommands(commands);
    this.register(new FlagHover(this.scripts));
    const directions = () => directionOverrides(vscode.workspace.getConfiguration('exptrack').get('metrics.directions')).directions;
    commands.register('exptrack.sortRuns', () => pickRunOrder(this.stores, this.runsTree, directions));

    this.runActions = this.register(new RunActions(this.stores, this.runsTree, this.runsView, {
      compare: async (runs) => this.panels.showCompare(runs.map((r) => r.run.id)),
      show: async (run) => this.panels.showRun(run.run.id),
      rerun: (run) => this.launches.rerun(run),
    }, this.logger.scoped('runs')));
    this.runActions.registerCommands(commands);
    new ImportExportCommands(this.stores, this.logger.scoped('import')).registerCommands(commands);
    new ArtifactActions(this.stores, this.artifactsTree, (target) => this.panels.showLineage(target)).registerCommands(commands);
    const explain = this.register(new ExplainFeature(this.stores, this.runsTree, {
      vscode, extensionUri: context.extensionUri, log: (m) => this.logger.scoped('explain').info(m),
    }, {
      compare: (runIds) => this.panels.showCompare(runIds),
      showRun: (runId) => this.panels.showRun(runId),
      showLineage: (_folderStore, artifactPath) => this.panels.showLineage({ type: 'path', path: artifactPath }),
    }, this.logger.scoped('explain')));
    explain.registerCommands(commands);
    commands.register('exptrack.showLog', () => this.logger.show());
    commands.register('exptrack.toggleCapture', () => this.capture.toggle());
    commands.register('exptrack.openDoctor', () => doctor.open());
    commands.register('exptrack.showLiveRun', async () => {
      const [first] = live.runs;
      if (first) this.panels.showRun(first.run.id);
    });

    // The one place the stores are opened (WorkspaceStores opens them again on folder changes): not
    // awaited, so activation returns before sql.js loads; the views read what is open.
    void this.stores.openExisting();
  }

  async shutdown(): Promise<void> {
    try {
      await this.terminals.endAll();
      await this.recorders.closeAll();
      await this.stores.closeAll();
    } finally {
      this.dispose();
    }
  }
}
