import * as vscode from 'vscode';
import * as path from 'node:path';
import { FolderRecorders } from './capture/folderRecorders';
import { NotExperiments } from './capture/notExperiments';
import { TaskCapture } from './capture/taskCapture';
import { TerminalCapture } from './capture/terminalCapture';
import { TrackedTaskProvider } from './capture/trackedTaskProvider';
import type { RunEndHook } from './capture/trackedPty';
import type { TrackedTaskDefinition } from './capture/trackedTaskDefinition';
import { CommandRegistry } from './commandRegistry';
import { DoctorDocuments } from './doctorDocuments';
import { ExplainFeature } from './explain/explainFeature';
import { Disposable, DisposableStore } from './lifecycle';
import { Logger } from './logger';
import { directionOverrides } from '../core/metrics/metricDirection';
import { gitTreeCodeIdentity } from '../core/lineage/gitTreeCodeIdentity';
import { analyzeCommand } from '../core/recorder/commandAnalysis';
import { missingScript, whyNeverStarted } from '../core/recorder/experimentFilter';
import { INTERPRETER_SOURCE_LABELS, substituteInterpreter, type InterpreterChoice } from '../core/recorder/interpreterChoice';
import { shellQuote } from '../core/recorder/shellWords';
import { LineageQueries } from '../core/lineage/lineageQueries';
import { storeSqlReader } from '../core/lineage/storeSqlReader';
import { LineagePanel, type LineagePanelContext } from './lineage/lineagePanel';
import { runsFromArgs, trackRunSelection } from './runPicker';
import { PanelManager } from './panels/panelManager';
import { PythonInterpreters } from './pythonInterpreters';
import { removeRun } from './removeRun';
import { StoresDataSource } from './storesDataSource';
import { RunActions } from './runActions';
import { CaptureToggle, HashProgressStatus, LiveRunsStatus } from './statusBar';
import type { RunRef, RunsNode } from './trees/runsTree';
import { RunsTreeProvider } from './trees/runsTree';
import { ArtifactsTreeProvider, type ArtifactsNode } from './trees/artifactsTree';
import { WorkspaceStores } from './workspaceStores';
import { ScriptRunsIndex } from './codeLens/scriptRunsIndex';
import { ScriptCodeLens } from './codeLens/scriptCodeLens';
import { FlagHover } from './codeLens/flagHover';
import { RerunLauncher } from './rerun/rerunLauncher';
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
  readonly lineage: LineagePanelContext;
  readonly recorders: FolderRecorders;
  readonly tasks: TrackedTaskProvider;
  readonly terminals: TerminalCapture;
  readonly interpreters: PythonInterpreters;
  readonly scripts: ScriptRunsIndex;
  readonly reruns: RerunLauncher;

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
    });
    this.register(this.panels);

    // Lineage: one code-identity object for the window (it caches git ls-tree results).
    const codeIdentity = gitTreeCodeIdentity();
    this.lineage = {
      vscode, extensionUri: context.extensionUri,
      log: (m) => this.logger.scoped('lineage').info(m),
      data: {
        sources: () => this.stores.ready.map((s) => ({
          workspaceRoot: s.folder.uri.fsPath,
          queries: () => new LineageQueries(storeSqlReader(s.store), codeIdentity),
          getRun: (id: string) => s.store.getRun(id),
          getCodeFiles: (id: string) => s.store.getCodeFiles(id),
        })),
        onDidChange: (listener) => this.stores.onDidChange(listener),
      },
      actions: {
        revealRun: (runId) => this.revealRun(runId),
        compareRuns: (runIds) => this.panels.showCompare([...runIds]),
      },
    };
    this.register(LineagePanel.registerSerializer(this.lineage));

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
    const doctor = this.register(new DoctorDocuments(this.stores));

    // The script CodeLens and flag hover, and Re-run that says what it re-runs (docs/editor.md).
    this.scripts = this.register(new ScriptRunsIndex(this.stores, this.logger.scoped('lens')));
    this.reruns = new RerunLauncher(this.tasks, this.interpreters, this.scripts,
      (command, cwd, choice) => this.whenLaunchEnds(command, cwd, choice), this.logger.scoped('rerun'));
    const lens = this.register(new ScriptCodeLens(this.scripts, {
      showRun: (runId) => this.panels.showRun(runId),
      compare: (runIds) => this.panels.showCompare(runIds),
      rerun: (run) => this.reruns.rerun(run),
    }));
    lens.registerCommands(commands);
    this.register(new FlagHover(this.scripts));
    const directions = () => directionOverrides(vscode.workspace.getConfiguration('exptrack').get('metrics.directions')).directions;
    commands.register('exptrack.sortRuns', () => pickRunOrder(this.stores, this.runsTree, directions));

    const actions = this.register(new RunActions(this.stores, this.runsTree, this.runsView, {
      compare: async (runs) => this.panels.showCompare(runs.map((r) => r.run.id)),
      show: async (run) => this.panels.showRun(run.run.id),
      rerun: async (run) => this.rerun(run),
    }, this.logger.scoped('runs')));
    actions.registerCommands(commands);
    const explain = this.register(new ExplainFeature(this.stores, this.runsTree, {
      vscode, extensionUri: context.extensionUri, log: (m) => this.logger.scoped('explain').info(m),
    }, {
      compare: (runIds) => this.panels.showCompare(runIds),
      showRun: (runId) => this.panels.showRun(runId),
      showLineage: (_folderStore, artifactPath) => { LineagePanel.show(this.lineage, { type: 'path', path: artifactPath }); },
    }, this.logger.scoped('explain')));
    explain.registerCommands(commands);
    commands.register('exptrack.showLog', () => this.logger.show());
    commands.register('exptrack.toggleCapture', () => this.capture.toggle());
    commands.register('exptrack.openDoctor', () => doctor.open());
    commands.register('exptrack.runCurrentFile', (uri?: vscode.Uri) => this.runCurrentFile(uri));
    commands.register('exptrack.runCommand', () => this.runCommand());
    commands.register('exptrack.showLineage', (...args: unknown[]) => this.showLineage(args));
    commands.register('exptrack.revealRun', (runId: string) => this.revealRun(runId));
    commands.register('exptrack.refreshArtifacts', () => this.artifactsTree.refresh());
    commands.register('exptrack.openArtifact', (node?: ArtifactsNode) => this.openArtifact(node, false));
    commands.register('exptrack.revealArtifact', (node?: ArtifactsNode) => this.openArtifact(node, true));
    commands.register('exptrack.showLiveRun', async () => {
      const [first] = live.runs;
      if (first) this.panels.showRun(first.run.id);
    });
  }

  /** Shows a run in the Runs tree (clearing a filter that hides it) and selects it. */
  async revealRun(runId: string): Promise<void> {
    let node = await this.runsTree.findRun(runId);
    if (!node && this.runsTree.filter) {
      this.runsTree.setFilter('');
      this.runsView.description = undefined;
      node = await this.runsTree.findRun(runId);
    }
    if (!node) throw new Error(`run ${runId} is not in any open store`);
    await this.runsView.reveal(node, { select: true, focus: true, expand: false });
  }

  /** Lineage around an artifact (Artifacts tree) or a run (Runs tree, palette). */
  private async showLineage(args: unknown[]): Promise<void> {
    const node = args[0] as ArtifactsNode | undefined;
    if (node && node.type === 'path') { LineagePanel.show(this.lineage, { type: 'path', path: node.entry.path }); return; }
    if (node && node.type === 'version') { LineagePanel.show(this.lineage, { type: 'version', path: node.path, sha256: node.version.sha256 }); return; }
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Show Lineage' })) ?? [];
    if (ref) LineagePanel.show(this.lineage, { type: 'run', runId: ref.run.id });
  }

  private async openArtifact(node: ArtifactsNode | undefined, reveal: boolean): Promise<void> {
    if (!node || (node.type !== 'path' && node.type !== 'version')) return;
    const rel = node.type === 'path' ? node.entry.path : node.path;
    const uri = vscode.Uri.file(path.isAbsolute(rel) ? rel : path.join(node.folderStore.folder.uri.fsPath, rel));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      throw new Error(`${rel} no longer exists on disk (the recorded versions stay in the database).`);
    }
    if (reveal) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('vscode.open', uri);
  }

  private requireTrust(what: string): void {
    if (!vscode.workspace.isTrusted) throw new Error(`${what} is disabled in Restricted Mode: trust the workspace to run commands.`);
  }

  private async rerun(ref: RunRef): Promise<void> {
    await this.reruns.rerun(ref);
  }

  private async runCurrentFile(uri?: vscode.Uri): Promise<void> {
    this.requireTrust('Run with Tracking');
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file') throw new Error('Open a Python file to run it with tracking.');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (doc?.isDirty) await doc.save(); // the run must use what the user sees
    const choice = await this.interpreters.choose({ resource: target });
    const onEnded = this.whenLaunchEnds([choice.executable, target.fsPath], path.dirname(target.fsPath), choice);
    const task = this.tasks.fileTask(target, choice.executable, onEnded);
    // Said before it starts: this run would repeat an earlier one exactly.
    const hint = await this.reruns.repeatHintBefore((task.definition as TrackedTaskDefinition).command, vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? path.dirname(target.fsPath));
    await vscode.tasks.executeTask(hint ? this.tasks.fileTask(target, choice.executable, onEnded, [`${hint}.`]) : task);
  }

  private async runCommand(): Promise<void> {
    this.requireTrust('Run with Tracking');
    const folder = this.stores.folderFor(vscode.window.activeTextEditor?.document.uri.fsPath);
    if (!folder) throw new Error('Open a folder first: runs are recorded into the workspace folder.');
    const last = this.context.workspaceState.get<string>('exptrack.lastCommand');
    const active = vscode.window.activeTextEditor?.document;
    const choice = await this.interpreters.choose({ resource: active?.languageId === 'python' ? active.uri : folder.uri });
    const python = shellQuote(choice.executable);
    const suggestion = (last && substituteInterpreter(last, choice.executable)) ?? last ??
      (active?.languageId === 'python' ? `${python} ${shellQuote(path.relative(folder.uri.fsPath, active.uri.fsPath))}` : `${python} train.py`);
    const command = await vscode.window.showInputBox({ title: 'Run Command with Tracking', value: suggestion,
      prompt: `Runs in ${folder.name} and records params, metrics, output, code and artifacts. Python: ${choice.executable} (${INTERPRETER_SOURCE_LABELS[choice.source]}).`,
      validateInput: (v) => (v.trim() ? undefined : 'Enter a command') });
    if (!command?.trim()) return;
    await this.context.workspaceState.update('exptrack.lastCommand', command.trim());
    const hint = await this.reruns.repeatHintBefore(command.trim(), folder.uri.fsPath);
    await vscode.tasks.executeTask(this.tasks.commandTask(command.trim(), folder.uri.fsPath, {}, this.whenLaunchEnds(command.trim(), folder.uri.fsPath, choice),
      hint ? [`${hint}.`] : undefined));
  }

  /**
   * The end of a launcher's run: one that never started (its interpreter or script not found, within
   * the first second) is removed, and the user told what was tried and where to change it.
   */
  private whenLaunchEnds(command: string | readonly string[], cwd: string, choice: InterpreterChoice | undefined): RunEndHook {
    const scriptMissingAtStart = missingScript(analyzeCommand(command), cwd) !== null;
    return async ({ run, end, folder }) => {
      const active = run.run;
      const why = whyNeverStarted({ analysis: active.analysis, cwd: active.cwd, startedAt: active.startedAt, endedAt: end.endedAt, exitCode: end.exitCode,
        scriptMissingAtStart });
      if (!why) return undefined;
      await folder.folderStore.store.flush(); // the run must be in the store before it can be deleted
      removeRun(folder.folderStore, active.id, this.logger.scoped('runs'));
      // Our interpreter when it is what could not start; otherwise the command is the user's to fix.
      const ours = choice && active.analysis.argv[0] === choice.executable && (end.exitCode === 126 || end.exitCode === 127) ? choice : undefined;
      void this.explainNeverStarted(why, active.command, ours);
      return `exptrack: ${why}; nothing ran and no run was recorded.`;
    };
  }

  private async explainNeverStarted(why: string, command: string, choice: InterpreterChoice | undefined): Promise<void> {
    if (!choice) {
      this.logger.warn(`"${command}" did not start: ${why}`);
      void vscode.window.showErrorMessage(`Experiments: "${command}" did not start: ${why}. No run was recorded.`);
      return;
    }
    const withExtension = this.interpreters.hasPythonExtension;
    const text = `Experiments: ${why}, so nothing ran and no run was recorded. The interpreter came from ` +
      `${INTERPRETER_SOURCE_LABELS[choice.source]}; looked at: ${choice.tried.join('; ')}. ` +
      `Set "python.defaultInterpreterPath" to the python your code runs with${withExtension ? ', or select an interpreter in the Python extension' : ''}.`;
    this.logger.warn(text);
    const pick = await vscode.window.showErrorMessage(text, 'Open Settings', ...(withExtension ? ['Select Interpreter'] : []));
    // Without the Python extension the setting is not registered, so the Settings editor cannot show it: the workspace's settings file can.
    if (pick === 'Open Settings') {
      await vscode.commands.executeCommand(withExtension ? 'workbench.action.openSettings' : 'workbench.action.openWorkspaceSettingsFile',
        ...(withExtension ? ['python.defaultInterpreterPath'] : []));
    } else if (pick === 'Select Interpreter') {
      await vscode.commands.executeCommand('python.setInterpreter');
    }
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
