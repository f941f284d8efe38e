// An experiment's baseline: the run carrying the tag `exptrack.baseline` = `1`. A tag, so it is
// journaled like every other tag edit and every process (editor windows, the CLI) reads the same one.

import type { RunSummary } from '../model';

/** The webviews read it as EXPERIMENT_BASELINE_TAG (src/protocol/explainMessages.ts): keep the two equal. */
export const BASELINE_TAG = 'exptrack.baseline';

/** The slice of the Store that baselines read and write. */
export interface BaselineStore {
  listRuns(query: { experiment?: string }): RunSummary[];
  tagsByRun(): Map<string, Record<string, string>>;
  getRun(id: string): (RunSummary & { readonly tags: Readonly<Record<string, string>> }) | undefined;
  setTags(id: string, tags: Record<string, string | null>): void;
}

/** Whether a run's tags mark it as its experiment's baseline. */
export function isBaselineTags(tags: Readonly<Record<string, string>> | undefined): boolean {
  return tags?.[BASELINE_TAG] === '1';
}

/**
 * Experiment name -> its baseline run id, for every experiment that has one. When two processes set
 * different baselines at the same moment both runs may carry the tag until the next edit: the most
 * recently started of them is the baseline (the same answer everywhere).
 */
export function baselinesByExperiment(runs: readonly RunSummary[], tagsByRun: ReadonlyMap<string, Readonly<Record<string, string>>>): Map<string, string> {
  const out = new Map<string, RunSummary>();
  for (const run of runs) {
    if (!isBaselineTags(tagsByRun.get(run.id))) continue;
    const seen = out.get(run.experiment);
    if (!seen || run.startedAt > seen.startedAt || (run.startedAt === seen.startedAt && run.id > seen.id)) out.set(run.experiment, run);
  }
  return new Map([...out].map(([e, r]) => [e, r.id]));
}

/** The baseline run id of `experiment`, or undefined. */
export function baselineOf(store: BaselineStore, experiment: string): string | undefined {
  return baselinesByExperiment(store.listRuns({ experiment }), store.tagsByRun()).get(experiment);
}

/**
 * Makes `runId` its experiment's baseline: tags it and removes the tag from the experiment's other
 * runs (one baseline per experiment). Returns the run ids that lost the tag.
 */
export function setBaseline(store: BaselineStore, runId: string): string[] {
  const run = store.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const cleared = clearOthers(store, run.experiment, runId);
  if (!isBaselineTags(run.tags)) store.setTags(runId, { [BASELINE_TAG]: '1' });
  return cleared;
}

/** Removes the baseline of `experiment`; returns the run ids that lost the tag. */
export function clearBaseline(store: BaselineStore, experiment: string): string[] {
  return clearOthers(store, experiment, undefined);
}

function clearOthers(store: BaselineStore, experiment: string, keep: string | undefined): string[] {
  const tags = store.tagsByRun();
  const cleared: string[] = [];
  for (const r of store.listRuns({ experiment })) {
    if (r.id === keep || !Object.hasOwn(tags.get(r.id) ?? {}, BASELINE_TAG)) continue;
    store.setTags(r.id, { [BASELINE_TAG]: null });
    cleared.push(r.id);
  }
  return cleared;
}
