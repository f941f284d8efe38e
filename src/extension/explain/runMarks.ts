import type { RunDetail, RunSummary } from '../../core/model';
import { baselinesByExperiment, isBaselineTags } from '../../core/explain/baseline';
import { checkRegression, regressionSentence } from '../../core/explain/regressionCheck';
import type { FolderStore } from '../workspaceStores';
import type { FolderMetricsConfig } from './folderMetricsConfig';

/** What the Runs view adds to a run's row: it is its experiment's baseline, or worse than it. */
export interface RunMark {
  readonly baseline: boolean;
  /** The worst regression in words, when the run is worse than its baseline. */
  readonly regression: string | null;
}

type TagsByRun = ReadonlyMap<string, Readonly<Record<string, string>>>;

/**
 * Marks for the Runs view's rows, computed from the summaries and tags the view has read anyway: the
 * baselines of a store are found once per read of its tags (the view reads them once per refresh),
 * so the current baseline and config always decide, for runs recorded by any process.
 */
export class RunMarks {
  private readonly baselines = new WeakMap<TagsByRun, Map<string, RunDetail>>();

  constructor(private readonly config: FolderMetricsConfig) {}

  mark(folderStore: FolderStore, run: RunSummary, tags: TagsByRun): RunMark | undefined {
    if (isBaselineTags(tags.get(run.id))) return { baseline: true, regression: null };
    const baseline = this.baselinesOf(folderStore, tags).get(run.experiment);
    if (!baseline || run.status !== 'finished') return undefined;
    const { config, overrides } = this.config.get(folderStore.exptrackDir, folderStore.folder.uri);
    const worst = checkRegression(run, baseline, config, overrides).regressions[0];
    return worst ? { baseline: false, regression: regressionSentence(worst, baseline.name) } : undefined;
  }

  private baselinesOf(folderStore: FolderStore, tags: TagsByRun): Map<string, RunDetail> {
    let map = this.baselines.get(tags);
    if (map) return map;
    // Few runs carry the tag: read those, not the whole list.
    const tagged = [...tags].filter(([, t]) => isBaselineTags(t)).map(([id]) => folderStore.store.getRun(id)).filter((r): r is RunDetail => !!r);
    const byId = new Map(tagged.map((r) => [r.id, r]));
    map = new Map([...baselinesByExperiment(tagged, tags)].map(([experiment, id]) => [experiment, byId.get(id)!]));
    this.baselines.set(tags, map);
    return map;
  }
}
