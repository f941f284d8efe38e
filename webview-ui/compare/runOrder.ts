import type { ParamValueData, RunData } from '../../src/protocol/panelData';

/** Param keys whose values are not all the same across the runs (a key missing from a run counts). */
export function changedParamKeys(runs: readonly RunData[]): Set<string> {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.params)));
  const changed = new Set<string>();
  for (const k of keys) {
    const first = paramKey(runs[0]?.params[k]);
    if (runs.some((r) => paramKey(r.params[k]) !== first)) changed.add(k);
  }
  return changed;
}

/** Identity of a param value for comparison: missing, null, and each typed value are distinct. */
export function paramKey(v: ParamValueData | undefined): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

export function allParamKeys(runs: readonly RunData[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort((a, b) => a.localeCompare(b));
}

export function allMetricKeys(runs: readonly RunData[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) => a.localeCompare(b));
}
