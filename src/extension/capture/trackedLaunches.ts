import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeCommand } from '../../core/recorder/commandAnalysis';
import { missingScript, whyNeverStarted } from '../../core/recorder/experimentFilter';
import { INTERPRETER_SOURCE_LABELS, substituteInterpreter, type InterpreterChoice } from '../../core/recorder/interpreterChoice';
import { shellQuote } from '../../core/recorder/shellWords';
import type { CommandRegistry } from '../commandRegistry';
import type { Logger } from '../logger';
import type { PythonInterpreters } from '../pythonInterpreters';
import { removeRun } from '../removeRun';
import type { RunRef } from '../trees/runsTree';
import type { WorkspaceStores } from '../workspaceStores';
import type { ScriptRunsIndex } from '../codeLens/scriptRunsIndex';
import { RerunLauncher } from '../rerun/rerunLauncher';
import type { RunEndHook } from './trackedPty';
import type { TrackedTaskDefinition } from './trackedTaskDefinition';
import type { TrackedTaskProvider } from './trackedTaskProvider';

/**
 * The launchers: Run Current File, Run Command and Re-run start a tracked task with the python
 * `PythonInterpreters` chooses; a launch that never started is removed and explained. A launch that
 * would repeat an earlier run exactly is said so before it starts; Re-run says what it re-runs
 * (rerunLauncher.ts).
 */
export class TrackedLaunches {
  private readonly reruns: RerunLauncher;

  constructor(
    private readonly stores: WorkspaceStores,
    private readonly tasks: TrackedTaskProvider,
    private readonly interpreters: PythonInterpreters,
    scripts: ScriptRunsIndex,
    private readonly workspaceState: vscode.Memento,
    private readonly logger: Logger,
  ) {
    this.reruns = new RerunLauncher(tasks, interpreters, scripts, (command, cwd, choice) => this.whenLaunchEnds(command, cwd, choice), logger.scoped('rerun'));
  }

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.runCurrentFile', (uri?: vscode.Uri) => this.runCurrentFile(uri));
    commands.register('exptrack.runCommand', () => this.runCommand());
  }

  private requireTrust(what: string): void {
    if (!vscode.workspace.isTrusted) throw new Error(`${what} is disabled in Restricted Mode: trust the workspace to run commands.`);
  }

  async rerun(ref: RunRef): Promise<void> {
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
    const last = this.workspaceState.get<string>('exptrack.lastCommand');
    const active = vscode.window.activeTextEditor?.document;
    const choice = await this.interpreters.choose({ resource: active?.languageId === 'python' ? active.uri : folder.uri });
    const python = shellQuote(choice.executable);
    const suggestion = (last && substituteInterpreter(last, choice.executable)) ?? last ??
      (active?.languageId === 'python' ? `${python} ${shellQuote(path.relative(folder.uri.fsPath, active.uri.fsPath))}` : `${python} train.py`);
    const command = await vscode.window.showInputBox({ title: 'Run Command with Tracking', value: suggestion,
      prompt: `Runs in ${folder.name} and records params, metrics, output, code and artifacts. Python: ${choice.executable} (${INTERPRETER_SOURCE_LABELS[choice.source]}).`,
      validateInput: (v) => (v.trim() ? undefined : 'Enter a command') });
    if (!command?.trim()) return;
    await this.workspaceState.update('exptrack.lastCommand', command.trim());
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
}
