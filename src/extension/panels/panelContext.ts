import type * as vscode from 'vscode';
import type { LineageQueries } from '../../core/lineage/lineageQueries';
import { PanelPayloads, type PayloadSource } from '../../core/display/panelPayloads';
import type { RunDetail, RunSummary } from '../../core/model';
import type { MetricDirection } from '../../protocol/panelData';
import { inferMetricDirection } from '../../core/metrics/metricDirection';

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

/** A listener registration as returned by an event: a Disposable or an unsubscribe function. */
export type Subscription = { dispose(): void } | (() => void);

/** The part of the store the panels read. `Store` satisfies it; tests and the benchmark pass their own. */
export interface PanelDataSource extends PayloadSource {
  getRun(id: string, options?: { series?: string[] }): RunDetail | undefined;
  /** `runs` names the changed runs; empty (or `reloaded`) means anything may have changed. */
  onDidChange(listener: (e: { runs: string[]; reloaded?: boolean }) => void): Subscription | void;
  /** Code kept for a run outside git (entry script and the files it names): path -> content. */
  getCodeFiles?(runId: string): Readonly<Record<string, string>> | undefined;
  /** Every open store, for the Lineage panel (a lineage crosses runs, so it is read per store). */
  lineageSources?(): readonly LineageSource[];
  /** The runs of the experiment `runId` belongs to, and its baseline: the Run panel's trend. */
  experimentRuns?(runId: string, experiment: string): { readonly runs: readonly RunSummary[]; readonly baselineRunId: string | undefined };
}

/** The slice of the `vscode` module the panels use, so they can be built against a stand-in. */
export type PanelVscode = Pick<typeof vscode, 'window' | 'commands' | 'env' | 'workspace' | 'Uri' | 'ViewColumn' | 'ProgressLocation'>;

/** Everything a panel is constructed with; built once in the composition root. */
export interface PanelContext {
  readonly vscode: PanelVscode;
  readonly extensionUri: vscode.Uri;
  readonly data: PanelDataSource;
  /** One line to the extension's log channel (the composition root's logger adds the `[panels]` tag). */
  readonly log: (message: string) => void;
  /** Per-key direction overrides (e.g. from a setting); read each time a panel sends data. */
  readonly metricDirections?: () => Readonly<Record<string, MetricDirection>>;
  /** Reveals and selects a run in the Runs view (the Lineage panel's click on a run). */
  readonly revealRun?: (runId: string) => void | PromiseLike<void>;
}

/** A panel's payload builder: the store, the key-word direction rule and the user's overrides. */
export function panelPayloads(ctx: PanelContext): PanelPayloads {
  return new PanelPayloads(ctx.data, inferMetricDirection, ctx.metricDirections);
}

export function unsubscribe(s: Subscription | void): void {
  if (typeof s === 'function') s();
  else s?.dispose();
}

/** Whether a store change event may concern any of `runIds`. */
export function touchesRuns(e: { runs: readonly string[]; reloaded?: boolean }, runIds: readonly string[]): string[] {
  return e.reloaded || e.runs.length === 0 ? [...runIds] : e.runs.filter((id) => runIds.includes(id));
}
