import * as vscode from 'vscode';
import { regressionOfRun } from '../../core/explain/runRegression';
import { regressionSentence } from '../../core/explain/regressionCheck';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';
import type { FolderMetricsConfig } from './folderMetricsConfig';

/** Recent runs looked at on each store change: a run ends near the top of the newest-first list. */
const RECENT_RUNS = 50;

/** What the notification's buttons do. */
export interface RegressionActions {
  explain(folderStore: FolderStore, runId: string, baselineId: string): void;
  compare(runIds: readonly string[]): void;
}

/**
 * The end-of-run check in the editor: when a run of an experiment with a baseline ends (recorded here
 * or by any other process: the CLI, another window), compare it with the baseline once and, when it is
 * worse, say so in one notification with Explain and Compare. Runs that ended before this window
 * opened are not announced (the Runs view marks them).
 */
export class RegressionWatcher extends Disposable {
  private readonly seen = new Set<string>();
  private readonly since = Date.now();

  constructor(
    private readonly stores: WorkspaceStores,
    private readonly config: FolderMetricsConfig,
    private readonly actions: RegressionActions,
    private readonly logger: Logger,
  ) {
    super();
    this.register(stores.onDidChange(() => this.check()));
  }

  /** Looks at the recently ended runs of every open store; returns the sentences it announced (for tests). */
  check(): string[] {
    const said: string[] = [];
    for (const folderStore of this.stores.ready) {
      let recent;
      try {
        recent = folderStore.store.listRuns({ limit: RECENT_RUNS });
      } catch (e) {
        this.logger.warn(`regression check: ${e instanceof Error ? e.message : e}`);
        continue;
      }
      for (const run of recent) {
        if (run.endedAt === null || run.endedAt < this.since || this.seen.has(run.id)) continue;
        this.seen.add(run.id);
        try {
          const { config, overrides } = this.config.get(folderStore.exptrackDir, folderStore.folder.uri);
          const report = regressionOfRun(folderStore.store, run.id, config, overrides);
          const worst = report?.regressions[0];
          if (!report || !worst) continue;
          const sentence = regressionSentence(worst, report.baselineName);
          said.push(sentence);
          this.logger.info(`${run.name} (${run.id}): ${report.regressions.map((r) => regressionSentence(r, report.baselineName)).join('; ')}`);
          void this.announce(folderStore, run.name, sentence, report.runId, report.baselineId, report.regressions.length - 1);
        } catch (e) {
          this.logger.warn(`regression check of ${run.id}: ${e instanceof Error ? e.message : e}`);
        }
      }
    }
    return said;
  }

  private async announce(folderStore: FolderStore, runName: string, sentence: string, runId: string, baselineId: string, more: number): Promise<void> {
    const text = `Experiments: ${runName}: ${sentence}${more > 0 ? ` (and ${more} more)` : ''}.`;
    const pick = await vscode.window.showWarningMessage(text, 'Explain', 'Compare');
    if (pick === 'Explain') this.actions.explain(folderStore, runId, baselineId);
    else if (pick === 'Compare') this.actions.compare([baselineId, runId]);
  }
}
