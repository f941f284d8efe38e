import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { FolderRecorders } from './folderRecorders';
import type { PythonInterpreters } from '../pythonInterpreters';
import { TrackedPty, type RunEndHook } from './trackedPty';
import { trackedTaskProblem, type TrackedTaskDefinition } from './trackedTaskDefinition';

export const TASK_TYPE = 'exptrack';

/**
 * Tasks of type `exptrack`: from tasks.json, from "Run <file> with tracking" for the active Python
 * file, and from the Run commands and Re-run. Each runs in a pseudo-terminal through the recorder.
 */
export class TrackedTaskProvider extends Disposable implements vscode.TaskProvider {
  private readonly startedEmitter = this.register(new vscode.EventEmitter<string>());
  /** Fired with a run id when a tracked task's run starts. */
  readonly onDidStartRun = this.startedEmitter.event;

  constructor(private readonly recorders: FolderRecorders, private readonly logger: Logger, private readonly interpreters: PythonInterpreters) {
    super();
    this.register(vscode.tasks.registerTaskProvider(TASK_TYPE, this));
  }

  async provideTasks(): Promise<vscode.Task[]> {
    const editor = vscode.window.activeTextEditor;
    const doc = editor?.document;
    if (!doc || doc.languageId !== 'python' || doc.uri.scheme !== 'file') return [];
    return [this.fileTask(doc.uri, (await this.interpreters.choose({ resource: doc.uri })).executable)];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as TrackedTaskDefinition;
    const problem = trackedTaskProblem(definition);
    if (problem) {
      this.logger.warn(`task "${task.name}": ${problem}`);
      void vscode.window.showErrorMessage(`Experiments: task "${task.name}": ${problem}`);
      return undefined;
    }
    const scope = task.scope ?? vscode.TaskScope.Workspace;
    return this.build(definition, scope, task.name);
  }

  /** "Run <file> with tracking": the file with `interpreter` (see PythonInterpreters). */
  fileTask(uri: vscode.Uri, interpreter: string, onEnded?: RunEndHook, preface?: readonly string[]): vscode.Task {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const cwd = folder?.uri.fsPath ?? path.dirname(uri.fsPath);
    const script = path.relative(cwd, uri.fsPath) || uri.fsPath;
    const definition: TrackedTaskDefinition = { type: TASK_TYPE, command: [interpreter, script] };
    return this.build(definition, folder ?? vscode.TaskScope.Workspace, `Run ${path.basename(uri.fsPath)} with tracking`, onEnded, preface);
  }

  /**
   * A tracked task for an arbitrary command line (Run Command with Tracking…, Re-run). `preface`:
   * lines the terminal shows before the command starts (what a re-run differs in, a repeat).
   */
  commandTask(command: string | readonly string[], cwd: string, extra: Partial<TrackedTaskDefinition> = {}, onEnded?: RunEndHook, preface?: readonly string[]): vscode.Task {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(cwd));
    const definition: TrackedTaskDefinition = { ...extra, type: TASK_TYPE, command, cwd };
    const label = typeof command === 'string' ? command : command.join(' ');
    return this.build(definition, folder ?? vscode.TaskScope.Workspace, label.length > 60 ? `${label.slice(0, 57)}…` : label, onEnded, preface);
  }

  private build(definition: TrackedTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name: string, onEnded?: RunEndHook, preface?: readonly string[]): vscode.Task {
    const folderPath = typeof scope === 'object' ? scope.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const cwd = definition.cwd ? path.resolve(folderPath ?? process.cwd(), definition.cwd) : folderPath ?? process.cwd();
    const execution = new vscode.CustomExecution(async () =>
      new TrackedPty(definition, cwd, () => this.recorders.forPath(cwd), (runId) => this.startedEmitter.fire(runId),
        (m) => this.logger.info(m), onEnded, preface));
    const task = new vscode.Task(definition, scope, name, TASK_TYPE, execution, []);
    // Shared: a finished tracked task's terminal is taken by the next one (any command), so runs one
    // after another leave one tab, not one per command; it stays open after the end, showing the last
    // lines and the run's summary. `close` would also close it after a failure (VS Code decides it
    // before the task runs, whatever the exit code), hiding the traceback.
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Shared, clear: true };
    return task;
  }
}
