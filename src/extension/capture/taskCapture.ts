import * as vscode from 'vscode';
import type { ActiveRun } from '../../core/recorder/activeRun';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { CaptureToggle } from '../statusBar';
import type { FolderRecorders } from './folderRecorders';
import type { NotExperiments } from './notExperiments';
import { TASK_TYPE } from './trackedTaskProvider';
import type { TerminalCapture } from './terminalCapture';

/**
 * Tasks of any other type whose label matches `exptrack.capture.tasks`: recorded with command, timing,
 * exit code and the structured channel (their terminal has EXPTRACK_METRICS_FILE). Their output is not
 * visible to extensions, so console metrics come only from the structured channel.
 */
export class TaskCapture extends Disposable {
  private readonly runs = new Map<vscode.TaskExecution, Promise<ActiveRun | undefined>>();

  constructor(
    private readonly recorders: FolderRecorders,
    private readonly capture: CaptureToggle,
    private readonly terminals: TerminalCapture,
    private readonly logger: Logger,
    private readonly notExperiments: NotExperiments,
  ) {
    super();
    this.register(vscode.tasks.onDidStartTaskProcess((e) => this.started(e)));
    this.register(vscode.tasks.onDidEndTaskProcess((e) => this.ended(e)));
  }

  private matches(label: string): boolean {
    const patterns = vscode.workspace.getConfiguration('exptrack.capture').get<string[]>('tasks') ?? [];
    return patterns.some((p) => {
      try { return new RegExp(p).test(label); } catch { return p === label; }
    });
  }

  private started(e: vscode.TaskProcessStartEvent): void {
    const task = e.execution.task;
    if (task.definition.type === TASK_TYPE || !this.capture.enabled || !this.matches(task.name)) return;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    const exec = task.execution;
    let command = task.name;
    let cwd = folder?.uri.fsPath;
    if (exec instanceof vscode.ShellExecution || exec instanceof vscode.ProcessExecution) {
      const parts = exec instanceof vscode.ShellExecution
        ? [exec.commandLine ?? commandText(exec.command), ...(exec.args ?? []).map(commandText)]
        : [exec.process, ...exec.args];
      command = parts.filter(Boolean).join(' ');
      if (exec.options?.cwd) cwd = exec.options.cwd.replace('${workspaceFolder}', folder?.uri.fsPath ?? '');
    }
    if (!cwd || this.notExperiments.ignores(command)) return;
    const run = this.recorders.forPath(cwd).then(({ recorder }) => this.notExperiments.watch(recorder.observe({
      command, cwd: cwd!, source: 'task', name: undefined, pid: e.processId,
      metricsFile: this.terminals.channelFileFor(folder), tags: { 'exptrack.task': task.name },
    }))).catch((err) => {
      this.logger.error(`cannot record task "${task.name}": ${err instanceof Error ? err.message : err}`);
      return undefined;
    });
    this.runs.set(e.execution, run);
  }

  private async ended(e: vscode.TaskProcessEndEvent): Promise<void> {
    const pending = this.runs.get(e.execution);
    if (!pending) return;
    this.runs.delete(e.execution);
    const run = await pending;
    const end = await run?.end({ exitCode: e.exitCode ?? null });
    if (run && end) await this.notExperiments.discardIfNeverStarted(run, end);
  }
}

function commandText(c: string | vscode.ShellQuotedString): string {
  return typeof c === 'string' ? c : c.value;
}
