import * as vscode from 'vscode';
import { baselineOf, clearBaseline, setBaseline } from '../../core/explain/baseline';
import type { CommandRegistry } from '../commandRegistry';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { PanelContext } from '../panels/panelContext';
import { runPickItem, runsFromArgs } from '../runPicker';
import type { RunRef, RunsTreeProvider } from '../trees/runsTree';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';
import { ExplainPanel, type ExplainPanelActions, type ExplainPanelDeps } from './explainPanel';
import { FolderMetricsConfig } from './folderMetricsConfig';
import { RegressionWatcher } from './regressionWatcher';
import { RunMarks } from './runMarks';

/**
 * Baselines, the end-of-run regression check and Explain in the editor (docs/explain.md): the commands
 * Set as Baseline, Clear Baseline and Explain, the marks on the Runs view's rows, the notification
 * when a run ends worse than its baseline, and the Explain panel.
 */
export class ExplainFeature extends Disposable {
  private readonly config: FolderMetricsConfig;
  private readonly panelDeps: ExplainPanelDeps;
  readonly watcher: RegressionWatcher;

  constructor(
    private readonly stores: WorkspaceStores,
    tree: RunsTreeProvider,
    ctx: Pick<PanelContext, 'vscode' | 'extensionUri' | 'log'>,
    actions: ExplainPanelActions,
    private readonly logger: Logger,
  ) {
    super();
    this.config = new FolderMetricsConfig(logger);
    tree.setMarks(new RunMarks(this.config));
    this.panelDeps = { ctx, stores, config: this.config, actions };
    this.register(ExplainPanel.registerSerializer(this.panelDeps));
    this.watcher = this.register(new RegressionWatcher(stores, this.config, {
      explain: (folderStore, runId, baselineId) => ExplainPanel.show(this.panelDeps, folderStore, runId, baselineId),
      compare: (runIds) => actions.compare(runIds),
    }, logger));
  }

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.setBaseline', async (...args: unknown[]) => {
      const ref = await this.runArg(args, 'Set as Baseline');
      if (!ref) return;
      setBaseline(ref.folderStore.store, ref.run.id);
      vscode.window.setStatusBarMessage(`${ref.run.name} is the baseline of ${ref.run.experiment}`, 4000);
    });
    commands.register('exptrack.clearBaseline', async (...args: unknown[]) => {
      const ref = await this.runArg(args, 'Clear Baseline');
      if (!ref) return;
      const cleared = clearBaseline(ref.folderStore.store, ref.run.experiment);
      vscode.window.setStatusBarMessage(cleared.length ? `${ref.run.experiment} has no baseline now` : `${ref.run.experiment} had no baseline`, 4000);
    });
    commands.register('exptrack.explainRun', async (...args: unknown[]) => {
      const ref = await this.runArg(args, 'Explain Run');
      if (ref) await this.explain(ref);
    });
  }

  /** A run from the tree, a run id (the Compare panel, tests), or a quick pick. */
  private async runArg(args: unknown[], title: string): Promise<RunRef | undefined> {
    if (typeof args[0] === 'string') {
      const stores = await this.stores.openExisting();
      for (const folderStore of stores) {
        const run = folderStore.store.getRun(args[0]);
        if (run) return { folderStore, run };
      }
      throw new Error(`no run ${args[0]} in the open stores`);
    }
    return (await runsFromArgs(this.stores, args, { many: false, title }))?.[0];
  }

  /** Explains a run against its experiment's baseline; without one (or on the baseline itself) asks which run to use. */
  private async explain(ref: RunRef): Promise<void> {
    const { store } = ref.folderStore;
    let baselineId = baselineOf(store, ref.run.experiment);
    if (!baselineId || baselineId === ref.run.id) {
      const others = store.listRuns({ experiment: ref.run.experiment, limit: 500 }).filter((r) => r.id !== ref.run.id);
      if (!others.length) throw new Error(`${ref.run.experiment} has no other run to explain ${ref.run.name} against.`);
      const pick = await vscode.window.showQuickPick(others.map((r) => ({ ...runPickItem(r), id: r.id })), {
        title: `Explain ${ref.run.name} against…`,
        placeHolder: baselineId ? `${ref.run.name} is the baseline: pick a run to compare it with` : `${ref.run.experiment} has no baseline: pick a run (Set as Baseline makes one)`,
      });
      if (!pick) return;
      baselineId = pick.id;
    }
    this.show(ref.folderStore, ref.run.id, baselineId);
  }

  show(folderStore: FolderStore, runId: string, baselineId: string): void {
    ExplainPanel.show(this.panelDeps, folderStore, runId, baselineId);
  }
}
