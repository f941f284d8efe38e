import type * as vscode from 'vscode';
import type { RunDetail, RunSummary } from '../../core/model';
import type { MetricDirection } from '../../protocol/panelData';

/** Columns of one downsampled series, as the store's `series()` returns them. */
export interface SeriesColumns {
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly times: Float64Array;
}

/** A listener registration as returned by an event: a Disposable or an unsubscribe function. */
export type Subscription = { dispose(): void } | (() => void);

/**
 * The part of the store the panels read. `Store` satisfies it; tests and the benchmark pass their own.
 * `series` must downsample to at most `maxPoints` with min/max buckets that keep extremes and the last
 * point exactly.
 */
export interface PanelDataSource {
  getRun(id: string, options?: { series?: string[] }): RunDetail | undefined;
  series(runId: string, key: string, options?: { maxPoints?: number; fromStep?: number; toStep?: number }): SeriesColumns;
  /** `runs` names the changed runs; empty (or `reloaded`) means anything may have changed. */
  onDidChange(listener: (e: { runs: string[]; reloaded?: boolean }) => void): Subscription | void;
  /** Last lines of a run's console output, when the store keeps it. */
  outputTail?(runId: string, maxLines: number): string | undefined;
  /** Code kept for a run outside git (entry script and the files it names): path -> content. */
  getCodeFiles?(runId: string): Readonly<Record<string, string>> | undefined;
  /** The runs of the experiment `runId` belongs to, and its baseline: the Run panel's trend. */
  experimentRuns?(runId: string, experiment: string): { readonly runs: readonly RunSummary[]; readonly baselineRunId: string | undefined };
}

/** The slice of the `vscode` module the panels use, so they can be built against a stand-in. */
export type PanelVscode = Pick<typeof vscode, 'window' | 'commands' | 'env' | 'workspace' | 'Uri' | 'ViewColumn'>;

/** Everything a panel is constructed with; built once in the composition root. */
export interface PanelContext {
  readonly vscode: PanelVscode;
  readonly extensionUri: vscode.Uri;
  readonly data: PanelDataSource;
  /** One line to the extension's log channel; the panel adds its `[panels]` tag. */
  readonly log: (message: string) => void;
  /** Per-key direction overrides (e.g. from a setting); read each time a panel sends data. */
  readonly metricDirections?: () => Readonly<Record<string, MetricDirection>>;
  /** How "open run" from the Compare panel shows a run; defaults to the Run panel. */
  readonly openRun?: (runId: string) => void;
}

export function unsubscribe(s: Subscription | void): void {
  if (typeof s === 'function') s();
  else s?.dispose();
}

/** Whether a store change event may concern any of `runIds`. */
export function touchesRuns(e: { runs: readonly string[]; reloaded?: boolean }, runIds: readonly string[]): string[] {
  return e.reloaded || e.runs.length === 0 ? [...runIds] : e.runs.filter((id) => runIds.includes(id));
}
