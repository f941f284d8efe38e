import * as vscode from 'vscode';
import { entryPointLine, scriptLensSummary } from '../../core/editor/scriptLens';
import type { CommandRegistry } from '../commandRegistry';
import { formatValue } from '../../protocol/format';
import { Disposable } from '../lifecycle';
import type { RunRef } from '../trees/runsTree';
import type { ScriptRuns, ScriptRunsIndex } from './scriptRunsIndex';

/** What the lens's actions do, supplied by the composition root. */
export interface ScriptLensHost {
  showRun(runId: string): void;
  compare(runIds: string[]): void;
  rerun(run: RunRef): Promise<void>;
}

const SELECTOR: vscode.DocumentSelector = [{ language: 'python', scheme: 'file' }];

/** Whether the lenses are on (`exptrack.codeLens.enabled`). */
function enabled(): boolean {
  return vscode.workspace.getConfiguration('exptrack').get<boolean>('codeLens.enabled') !== false;
}

/**
 * The CodeLens above the entry point of a Python script that has recorded runs:
 * `last: val_acc 0.912 (+0.8% vs baseline) · 12 runs`, `Re-run`, `Compare`. A file without runs gets
 * nothing, after one map lookup.
 */
export class ScriptCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly index: ScriptRunsIndex, private readonly host: ScriptLensHost) {
    super();
    this.register(index.onDidChange(() => this.changeEmitter.fire()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('exptrack.codeLens.enabled')) this.changeEmitter.fire();
    }));
    this.register(vscode.languages.registerCodeLensProvider(SELECTOR, this));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!enabled()) return [];
    const found = this.index.runsOf(document.uri.fsPath);
    if (!found) return [];
    const summary = scriptLensSummary(found.runs, found.baselineOf(found.runs[0].experiment),
      { format: formatValue, directions: found.directions, tolerance: found.tolerance });
    if (!summary) return [];
    const line = entryPointLine(document.getText());
    const range = new vscode.Range(line, 0, line, 0);
    const file = document.uri.fsPath;
    const compareWhat = summary.baseline ? `${summary.last.name} with the baseline ${summary.baseline.name}` : found.runs.length > 1 ? `${summary.last.name} with ${found.runs[1].name}` : undefined;
    return [
      new vscode.CodeLens(range, { title: `${summary.worse ? '$(warning) ' : ''}${summary.title}`, tooltip: summary.tooltip, command: 'exptrack.openScriptRun', arguments: [file] }),
      new vscode.CodeLens(range, { title: 'Re-run', tooltip: `Run "${summary.last.command}" again as a tracked task`, command: 'exptrack.rerunScript', arguments: [file] }),
      ...(compareWhat ? [new vscode.CodeLens(range, { title: 'Compare', tooltip: `Compare ${compareWhat}`, command: 'exptrack.compareScriptRuns', arguments: [file] })] : []),
    ];
  }

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.openScriptRun', (file?: string) => {
      const found = this.runsFor(file);
      this.host.showRun(found.runs[0].id);
    });
    commands.register('exptrack.rerunScript', async (file?: string) => {
      const found = this.runsFor(file);
      await this.host.rerun({ folderStore: found.folderStore, run: found.runs[0] });
    });
    commands.register('exptrack.compareScriptRuns', (file?: string) => {
      const found = this.runsFor(file);
      const last = found.runs[0];
      const baseline = found.baselineOf(last.experiment);
      const other = baseline && baseline.id !== last.id ? baseline : found.runs[1];
      if (!other) throw new Error(`${last.name} is the only run of this script: nothing to compare it with yet.`);
      this.host.compare([other.id, last.id]);
    });
  }

  /** The runs of `file`, else of the active editor's file; throws a message for the user when none. */
  private runsFor(file: string | undefined): ScriptRuns {
    const target = typeof file === 'string' ? file : vscode.window.activeTextEditor?.document.uri.fsPath;
    if (!target) throw new Error('Open a script that has recorded runs.');
    const found = this.index.runsOf(target);
    if (!found) throw new Error(`No recorded run ran ${vscode.workspace.asRelativePath(target)}.`);
    return found;
  }
}
