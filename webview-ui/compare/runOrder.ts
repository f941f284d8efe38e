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

/** How many of the runs have a value for a param. */
export function paramCoverage(runs: readonly RunData[], key: string): number {
  return runs.reduce((n, r) => n + (r.params[key] === undefined ? 0 : 1), 0);
}

/**
 * Params worth plotting, best first: ones that take at least two values across the runs, those most
 * runs have first, numbers before words, then by name. A param only one run has varies only by being
 * missing elsewhere: as an axis it would draw one run of many.
 */
export function informativeParams(runs: readonly RunData[]): string[] {
  const keys = allParamKeys(runs).filter((k) => new Set(runs.filter((r) => r.params[k] !== undefined).map((r) => paramKey(r.params[k]))).size >= 2);
  const numeric = (k: string) => runs.every((r) => r.params[k] === undefined || typeof r.params[k] === 'number');
  const coverage = new Map(keys.map((k) => [k, paramCoverage(runs, k)]));
  return keys.sort((a, b) => coverage.get(b)! - coverage.get(a)! || Number(numeric(b)) - Number(numeric(a)) || a.localeCompare(b));
}

/** The parallel coordinates' first axes: informative params most runs have (at most `max`). */
export function defaultParallelParams(runs: readonly RunData[], max = 6): string[] {
  const ranked = informativeParams(runs);
  const common = ranked.filter((k) => paramCoverage(runs, k) * 2 >= runs.length);
  return (common.length ? common : ranked).slice(0, max);
}
