import type { LineageQueries } from '../../core/lineage/lineageQueries';
import type { RunDetail } from '../../core/model';

/** One store as the Lineage panel reads it (one per workspace folder). */
export interface LineageSource {
  /** The folder artifact paths are relative to (the store's workspace folder). */
  readonly workspaceRoot: string;
  /** Lineage queries over the store as it is now (a new object per call is fine: they only cache rows). */
  queries(): LineageQueries;
  getRun(id: string): RunDetail | undefined;
  /** The code snapshot outside git: path -> content. */
  getCodeFiles(id: string): Readonly<Record<string, string>>;
}

/** A listener registration: a Disposable or an unsubscribe function. */
export type LineageSubscription = { dispose(): void } | (() => void);

/**
 * What the Lineage panel needs from the composition root: the open stores and a change event. Kept
 * this narrow so tests and the benchmark can hand it fixtures.
 */
export interface LineageDataSource {
  sources(): readonly LineageSource[];
  onDidChange(listener: () => void): LineageSubscription | void;
}

/** What clicking a run does outside the panel. */
export interface LineageActions {
  /** Reveal and select the run in the Runs tree. */
  revealRun(runId: string): void | PromiseLike<void>;
  /** Open the Compare panel on these runs. */
  compareRuns(runIds: readonly string[]): void | PromiseLike<void>;
}
