import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandRegistry } from './commandRegistry';
import { Disposable } from './lifecycle';
import type { Logger } from './logger';
import { removeRun } from './removeRun';
import { runsFromArgs } from './runPicker';
import type { GroupBy, RunRef, RunsNode, RunsTreeProvider } from './trees/runsTree';
import type { WorkspaceStores } from './workspaceStores';

/** What the run actions need from the rest of the extension. */
export interface RunActionHost {
  /** Opens the Compare panel on these runs. */
  compare(runs: RunRef[]): Promise<void>;
  /** Opens the Run panel. */
  show(run: RunRef): Promise<void>;
  /** Starts the command again as a tracked task. */
  rerun(run: RunRef): Promise<void>;
}

const FILTER_HELP = 'e.g. metrics.val_acc > 0.9 and params.lr = 3e-4 · status = failed · tags.best · name ~ "baseline"';

/** The Runs view's commands: item actions, title actions and their palette forms. */
export class RunActions extends Disposable {
  constructor(
    private readonly stores: WorkspaceStores,
    private readonly tree: RunsTreeProvider,
    private readonly view: vscode.TreeView<RunsNode>,
    private readonly host: RunActionHost,
    private readonly logger: Logger,
  ) {
    super();
  }

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.refresh', () => this.refresh());
    commands.register('exptrack.filterRuns', () => this.filter());
    commands.register('exptrack.clearFilter', () => this.clearFilter());
    commands.register('exptrack.groupBy', () => this.groupBy());
    commands.register('exptrack.compareRuns', async (...args: unknown[]) => {
      const runs = await runsFromArgs(this.stores, args, { many: true, min: 2, title: 'Compare Runs' });
      if (runs) await this.host.compare(runs);
    });
    commands.register('exptrack.showRun', async (...args: unknown[]) => {
      const runs = await runsFromArgs(this.stores, args, { many: false, title: 'Show Run' });
      if (runs?.[0]) await this.host.show(runs[0]);
    });
    commands.register('exptrack.renameRun', (...args: unknown[]) => this.rename(args));
    commands.register('exptrack.tagRun', (...args: unknown[]) => this.tag(args));
    commands.register('exptrack.addNote', (...args: unknown[]) => this.note(args));
    commands.register('exptrack.deleteRun', (...args: unknown[]) => this.delete(args));
    commands.register('exptrack.copyCommand', (...args: unknown[]) => this.copyCommand(args));
    commands.register('exptrack.rerun', async (...args: unknown[]) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Experiments: Re-run is disabled in Restricted Mode; trust the workspace to run commands.');
        return;
      }
      const runs = await runsFromArgs(this.stores, args, { many: false, title: 'Re-run' });
      if (runs?.[0]) await this.host.rerun(runs[0]);
    });
    commands.register('exptrack.openOutput', (...args: unknown[]) => this.openOutput(args));
    commands.register('exptrack.revealRun', (runId: string) => this.revealRun(runId));
  }

  /** Shows a run in the Runs tree (clearing a filter that hides it) and selects it. */
  async revealRun(runId: string): Promise<void> {
    let node = await this.tree.findRun(runId);
    if (!node && this.tree.filter) {
      this.clearFilter();
      node = await this.tree.findRun(runId);
    }
    if (!node) throw new Error(`run ${runId} is not in any open store`);
    await this.view.reveal(node, { select: true, focus: true, expand: false });
  }

  private clearFilter(): void {
    this.tree.setFilter('');
    this.view.description = undefined;
  }

  private async refresh(): Promise<void> {
    const stores = await this.stores.openExisting();
    await Promise.all(stores.map((s) => s.store.refresh()));
    this.tree.refresh();
  }

  private async filter(): Promise<void> {
    const input = vscode.window.createInputBox();
    input.title = 'Filter Runs';
    input.placeholder = FILTER_HELP;
    input.value = this.tree.filter;
    input.prompt = 'Empty to show all runs';
    const stores = await this.stores.openExisting();
    const check = (text: string): string | undefined => {
      if (!text.trim()) return undefined;
      for (const s of stores) {
        try { s.store.listRuns({ filter: text, limit: 1 }); } catch (e) { return e instanceof Error ? e.message : String(e); }
      }
      return undefined;
    };
    input.onDidChangeValue((v) => { input.validationMessage = check(v); });
    input.onDidAccept(() => {
      const error = check(input.value);
      if (error) { input.validationMessage = error; return; }
      this.tree.setFilter(input.value);
      this.view.description = input.value.trim() ? `filter: ${input.value.trim()}` : undefined;
      input.hide();
    });
    input.onDidHide(() => input.dispose());
    input.show();
  }

  private async groupBy(): Promise<void> {
    const options: { label: string; value: GroupBy }[] = [
      { label: 'Experiment', value: 'experiment' }, { label: 'Commit', value: 'commit' },
      { label: 'Script', value: 'script' }, { label: 'None', value: 'none' },
    ];
    const picked = await vscode.window.showQuickPick(options.map((o) => ({ ...o, description: o.value === this.tree.grouping ? 'current' : undefined })),
      { title: 'Group Runs By' });
    if (picked) this.tree.setGroupBy(picked.value);
  }

  private async rename(args: unknown[]): Promise<void> {
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Rename Run' })) ?? [];
    if (!ref) return;
    const name = await vscode.window.showInputBox({ title: 'Rename Run', value: ref.run.name,
      validateInput: (v) => (v.trim() ? undefined : 'A run needs a name') });
    if (name === undefined) return;
    ref.folderStore.store.renameRun(ref.run.id, name.trim());
    await ref.folderStore.store.flush();
  }

  private async tag(args: unknown[]): Promise<void> {
    const refs = await runsFromArgs(this.stores, args, { many: true, title: 'Tag Runs' });
    if (!refs?.length) return;
    const text = await vscode.window.showInputBox({ title: `Tag ${refs.length === 1 ? refs[0].run.name : `${refs.length} runs`}`,
      prompt: 'key=value, or key alone; several separated by commas. -key removes a tag.', placeHolder: 'best, dataset=v2',
      validateInput: (v) => (parseTags(v) ? undefined : 'Use key=value or key, separated by commas') });
    const tags = text === undefined ? undefined : parseTags(text);
    if (!tags) return;
    for (const ref of refs) ref.folderStore.store.setTags(ref.run.id, tags);
    await Promise.all([...new Set(refs.map((r) => r.folderStore.store))].map((s) => s.flush()));
  }

  private async note(args: unknown[]): Promise<void> {
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Add Note' })) ?? [];
    if (!ref) return;
    const existing = ref.folderStore.store.getRun(ref.run.id)?.note ?? '';
    const note = await vscode.window.showInputBox({ title: `Note for ${ref.run.name}`, value: existing,
      prompt: 'Markdown. Shown in the run\'s tooltip and panel.' });
    if (note === undefined) return;
    ref.folderStore.store.setNote(ref.run.id, note);
    await ref.folderStore.store.flush();
  }

  private async delete(args: unknown[]): Promise<void> {
    const refs = await runsFromArgs(this.stores, args, { many: true, title: 'Delete Runs' });
    if (!refs?.length) return;
    const what = refs.length === 1 ? `run "${refs[0].run.name}"` : `${refs.length} runs`;
    const answer = await vscode.window.showWarningMessage(`Delete ${what}? Its params, metrics and output are removed from the database.`,
      { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    for (const ref of refs) removeRun(ref.folderStore, ref.run.id, this.logger);
    await Promise.all([...new Set(refs.map((r) => r.folderStore.store))].map((s) => s.flush()));
  }

  private async copyCommand(args: unknown[]): Promise<void> {
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Copy Command' })) ?? [];
    if (!ref) return;
    await vscode.env.clipboard.writeText(ref.run.command);
    vscode.window.setStatusBarMessage('$(check) Command copied', 2000);
  }

  private async openOutput(args: unknown[]): Promise<void> {
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Open Output' })) ?? [];
    if (!ref) return;
    const log = path.join(ref.folderStore.exptrackDir, 'runs', ref.run.id, 'output.log');
    if (!fs.existsSync(log)) {
      void vscode.window.showInformationMessage(`Experiments: no console output was recorded for ${ref.run.name}.`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true, viewColumn: vscode.ViewColumn.Active });
  }
}

/** "best, dataset=v2, -old" -> {best: '', dataset: 'v2', old: null}; undefined when malformed. */
function parseTags(text: string): Record<string, string | null> | undefined {
  const out: Record<string, string | null> = {};
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return undefined;
  for (const part of parts) {
    if (part.startsWith('-')) {
      const key = part.slice(1).trim();
      if (!key) return undefined;
      out[key] = null;
      continue;
    }
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!key) return undefined;
    out[key] = eq < 0 ? '' : part.slice(eq + 1).trim();
  }
  return out;
}
