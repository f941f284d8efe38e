import * as vscode from 'vscode';
import { baselinesByExperiment } from '../../core/explain/baseline';
import { ScriptRunIndex } from '../../core/editor/scriptRuns';
import { directionOverrides, type DirectionOverrides } from '../../core/metrics/metricDirection';
import { readMetricsConfig, toleranceFor, type MetricsConfig } from '../../core/metrics/metricsConfig';
import type { RunSummary } from '../../core/model';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';

/** The runs of one script file, with what the lens and hover judge them by. */
export interface ScriptRuns {
  readonly folderStore: FolderStore;
  /** Newest first. */
  readonly runs: readonly RunSummary[];
  /** The baseline of an experiment, when it has one. */
  baselineOf(experiment: string): RunSummary | undefined;
  readonly directions: DirectionOverrides;
  tolerance(key: string): number;
}

interface FolderIndex {
  readonly index: ScriptRunIndex;
  readonly byId: ReadonlyMap<string, RunSummary>;
  readonly baselines: ReadonlyMap<string, string>;
  readonly config: MetricsConfig;
}

/** Lenses are asked again at most this often while runs record (a live run changes the store 4 times a second). */
const CHANGE_INTERVAL_MS = 1000;
/**
 * And no sooner than this many times the last rebuild took: at 10,000 runs listing them costs
 * ~0.3-1 s (`npm run bench`), which must not be paid every second of a live run.
 */
const REBUILD_COST_FACTOR = 10;

/**
 * Runs by script file for the CodeLens and the hover. Built from the stores already open, once per
 * store change and only when asked (a lens query is then a map lookup); a window whose stores are not
 * open yet opens the existing ones once, in the background, and never creates one.
 */
export class ScriptRunsIndex extends Disposable {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Fired (at most once a second) when the runs may have changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly built = new Map<FolderStore, FolderIndex>();
  private readonly scriptMemo = new Map<string, readonly string[]>();
  private stale = true;
  private opening: Promise<unknown> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private builtAt = 0;
  private buildMs = 0;

  constructor(private readonly stores: WorkspaceStores, private readonly logger: Logger) {
    super();
    this.register(stores.onDidChange(() => { this.stale = true; this.fireSoon(); }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('exptrack.metrics.directions')) { this.stale = true; this.fireSoon(); }
    }));
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  /**
   * The runs of the script at `fsPath` (newest first), or undefined when it has none. `fresh` (a
   * launch deciding whether it repeats a run that ended a moment ago) rebuilds whatever changed.
   */
  runsOf(fsPath: string, options: { fresh?: boolean } = {}): ScriptRuns | undefined {
    this.ensureOpen();
    // Stale but rebuilt a moment ago: the last index answers (a keystroke asks the lenses again too);
    // the change event due after the interval brings the new one.
    if (this.stale && (options.fresh || Date.now() - this.builtAt >= this.interval())) this.rebuild();
    for (const [folderStore, x] of this.built) {
      const runs = x.index.runsOf(fsPath);
      if (!runs.length) continue;
      return {
        folderStore, runs,
        baselineOf: (experiment) => { const id = x.baselines.get(experiment); return id === undefined ? undefined : x.byId.get(id); },
        directions: x.config.directions,
        tolerance: (key) => toleranceFor(x.config, key),
      };
    }
    return undefined;
  }

  private ensureOpen(): void {
    if (this.opening || this.stores.ready.length) return;
    this.opening = this.stores.openExisting().catch((e) => this.logger.warn(`cannot open the stores: ${e instanceof Error ? e.message : e}`));
  }

  private rebuild(): void {
    this.stale = false;
    this.built.clear();
    const t0 = performance.now();
    let count = 0;
    const fromSetting = directionOverrides(vscode.workspace.getConfiguration('exptrack').get('metrics.directions')).directions;
    for (const folderStore of this.stores.ready) {
      try {
        const runs = folderStore.store.listRuns();
        count += runs.length;
        const { config, problems } = readMetricsConfig(folderStore.exptrackDir);
        for (const p of problems) this.logger.warn(p);
        this.built.set(folderStore, {
          index: ScriptRunIndex.build(runs, this.scriptMemo),
          byId: new Map(runs.map((r) => [r.id, r])),
          baselines: baselinesByExperiment(runs, folderStore.store.tagsByRun()),
          // config.json (shared with the CLI) over the setting.
          config: { ...config, directions: { ...fromSetting, ...config.directions } },
        });
      } catch (e) {
        this.logger.warn(`script index of ${folderStore.folder.name}: ${e instanceof Error ? e.message : e}`);
      }
    }
    const ms = performance.now() - t0;
    this.builtAt = Date.now();
    this.buildMs = ms;
    if (ms > 50) this.logger.info(`indexed ${count} runs by script in ${ms.toFixed(0)} ms`);
  }

  private interval(): number {
    return Math.max(CHANGE_INTERVAL_MS, REBUILD_COST_FACTOR * this.buildMs);
  }

  private fireSoon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.builtAt + this.interval() - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changeEmitter.fire();
    }, wait);
  }
}
