// Explain: what differs between a run and its baseline, ranked by how much the evidence points at each
// difference as the cause of the change in the metric. Built from what the store recorded; the CLI
// prints it (`exptrack explain`) and the editor's Explain panel shows it.

import path from 'node:path';
import type { MetricSummary, ParamValue, RunDetail, RunSummary } from '../model';
import { headlineMetric } from '../metrics/headlineMetric';
import { inferMetricDirection, relativeWorsening, type DirectionOverrides, type MetricDirection } from '../metrics/metricDirection';
import { defaultMetricsConfig, toleranceFor, type MetricsConfig } from '../metrics/metricsConfig';
import { codeChanges, type CodeChanges, type CodeFileChange } from './codeChanges';
import { curveDivergence, type CurveDivergence } from './curveDivergence';
import { spearman } from './rankCorrelation';
import { checkRegression, regressionSentence } from './regressionCheck';
import {
  commandChange, environmentChanges, hasEnvironmentChanges, inputChanges, paramChanges, paramText,
  type CommandChange, type EnvironmentChanges, type InputChange, type ParamChange,
} from './runDifferences';

export const SWEEP_METHOD = 'Spearman rank correlation';

/** How a swept param goes with the metric over the experiment's other runs. */
export interface SweepEvidence {
  readonly method: typeof SWEEP_METHOD;
  readonly rho: number;
  /** Runs with both a numeric value of the param and the metric. */
  readonly runs: number;
}

interface ItemBase {
  /** 0..1; items are listed by it, highest first. */
  readonly score: number;
  /** One line saying why the item is where it is. */
  readonly evidence: string;
  /** One line saying what changed. */
  readonly title: string;
}

export type ExplainItem =
  | (ItemBase & { readonly kind: 'data'; readonly input: InputChange })
  | (ItemBase & { readonly kind: 'param'; readonly param: ParamChange; readonly sweep: SweepEvidence | null })
  | (ItemBase & { readonly kind: 'code'; readonly code: Extract<CodeChanges, { files: unknown }> })
  | (ItemBase & { readonly kind: 'environment'; readonly environment: EnvironmentChanges })
  | (ItemBase & { readonly kind: 'command'; readonly command: CommandChange });

export interface CurvePart {
  readonly key: string;
  readonly direction: MetricDirection | null;
  readonly divergence: CurveDivergence | null;
}

export interface ExplainRunRef {
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
}

export interface ExplainReport {
  readonly run: ExplainRunRef;
  readonly baseline: ExplainRunRef;
  /** The metric the explanation is about (the worst regression's, else the headline metric). */
  readonly metric: string | null;
  readonly metricDirection: MetricDirection | null;
  /** `val_loss 0.412 is 8.3% worse than baseline calm-heron-12 (0.380)`, worst first. */
  readonly regressions: readonly string[];
  readonly metricValues: { readonly run: number | null; readonly baseline: number | null };
  readonly items: readonly ExplainItem[];
  readonly curves: readonly CurvePart[];
  /** Why the code could not be compared, when it could not. */
  readonly codeUnavailable: string | null;
  /** How the items were ranked, in words. */
  readonly method: string;
}

/** The store reads Explain makes. */
export interface ExplainStore {
  getRun(id: string): RunDetail | undefined;
  listRuns(query: { experiment?: string; limit?: number }): RunSummary[];
  series(runId: string, key: string, options?: { maxPoints?: number }): { steps: ArrayLike<number>; values: ArrayLike<number> };
  getCodeFiles(id: string): Record<string, string>;
  all(sql: string, params?: readonly (string | number | null)[]): Record<string, unknown>[];
}

export interface ExplainOptions {
  readonly config?: MetricsConfig;
  readonly overrides?: DirectionOverrides;
  /** Where to look for the git repository when neither run's cwd is in one. */
  readonly repoHint?: string;
  /** The metric to explain; default: the worst regression's, else the headline metric. */
  readonly metric?: string;
}

/** Prior weight of each kind of difference when nothing else tells them apart (see docs/explain.md). */
const PRIOR = { data: 0.7, dataAddedOrRemoved: 0.5, code: 0.6, param: 0.5, command: 0.45, environment: 0.35, launcher: 0.2, machine: 0.15 } as const;
/** Runs a sweep needs before its correlation counts as evidence. */
const MIN_SWEEP_RUNS = 4;
/** Runs of the experiment read for the sweep. */
const MAX_SWEEP_RUNS = 500;

export async function explainRun(store: ExplainStore, runId: string, baselineId: string, options: ExplainOptions = {}): Promise<ExplainReport> {
  const run = store.getRun(runId);
  const baseline = store.getRun(baselineId);
  if (!run) throw new Error(`no run ${runId}`);
  if (!baseline) throw new Error(`no run ${baselineId}`);
  const config = options.config ?? defaultMetricsConfig;
  const directions = { ...config.directions, ...options.overrides };
  const regression = checkRegression(run, baseline, config, options.overrides);
  const metric = options.metric ?? regression.regressions[0]?.key ?? sharedHeadline(run, baseline);
  const metricDirection = metric ? inferMetricDirection(metric, directions) ?? null : null;

  const params = paramChanges(baseline.params, run.params);
  const inputs = inputChanges(baseline.artifacts, run.artifacts);
  const environment = environmentChanges(baseline.environment, run.environment);
  const command = commandChange(launchOf(store, baseline), launchOf(store, run), params);
  const code = withoutInputs(await codeChanges(baseline, run, (id) => store.getCodeFiles(id), options.repoHint), [baseline, run]);

  const sweep = metric ? sweepEvidence(store, run.experiment, metric, params) : new Map<string, SweepEvidence>();
  const items = rank({ params, inputs, environment, command, code, sweep, metric, metricDirection });

  const curves: CurvePart[] = [];
  for (const key of Object.keys(run.metrics).filter((k) => baseline.metrics[k]).sort((a, b) => (a === metric ? -1 : b === metric ? 1 : a.localeCompare(b)))) {
    const direction = inferMetricDirection(key, directions) ?? null;
    const divergence = curveDivergence(store.series(run.id, key, { maxPoints: 2000 }), store.series(baseline.id, key, { maxPoints: 2000 }),
      { tolerance: toleranceFor(config, key), direction: direction ?? undefined });
    curves.push({ key, direction, divergence });
  }

  const ran = sweep.size ? [...sweep.values()][0].runs : 0;
  const method = [
    'Differences ranked by evidence: a difference that is the only one comes first; then',
    sweep.size ? `params by how strongly they move ${metric} across ${ran} runs of the experiment (${SWEEP_METHOD}), and` : '',
    'by kind (input data, code, params, command, environment).',
  ].filter(Boolean).join(' ');
  return {
    run: ref(run), baseline: ref(baseline), metric, metricDirection,
    regressions: regression.regressions.map((r) => regressionSentence(r, baseline.name)),
    metricValues: { run: metric ? run.metrics[metric]?.last ?? null : null, baseline: metric ? baseline.metrics[metric]?.last ?? null : null },
    items, curves, codeUnavailable: code.source === 'none' ? code.reason : null, method,
  };
}

/**
 * Data kept in git (a tracked `data/train.csv`) is in the code snapshot too: a file either run read as
 * an input is data, said once by its input item, not again as code.
 */
function withoutInputs(code: CodeChanges, runs: readonly RunDetail[]): CodeChanges {
  if (code.source === 'none') return code;
  const inputs = new Set<string>();
  for (const r of runs) {
    for (const a of r.artifacts) {
      if (a.role !== 'input') continue;
      inputs.add(a.path);
      inputs.add(path.resolve(r.cwd, a.path));
    }
  }
  const isInput = (p: string) => inputs.has(p) || (code.source === 'git' && inputs.has(path.join(code.repo, p)));
  return { ...code, files: code.files.filter((f) => !isInput(f.path)) };
}

function ref(r: RunDetail): ExplainRunRef {
  return { id: r.id, name: r.name, experiment: r.experiment };
}

function launchOf(store: ExplainStore, run: RunDetail): { command: string; source: string } {
  const row = store.all('SELECT source FROM runs WHERE id = ?', [run.id])[0];
  return { command: run.command, source: typeof row?.source === 'string' ? row.source : '' };
}

function sharedHeadline(run: RunDetail, baseline: RunDetail): string | null {
  const shared: Record<string, MetricSummary> = {};
  for (const [k, m] of Object.entries(run.metrics)) if (baseline.metrics[k]) shared[k] = m;
  return headlineMetric(shared)?.[0] ?? headlineMetric(run.metrics)?.[0] ?? null;
}

function numeric(v: ParamValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/**
 * For each changed param with numeric values: Spearman's ρ between the param and the metric's final
 * value over the experiment's finished runs that recorded both.
 */
function sweepEvidence(
  store: ExplainStore, experiment: string, metric: string, params: readonly ParamChange[],
): Map<string, SweepEvidence> {
  const out = new Map<string, SweepEvidence>();
  const keys = params.filter((p) => Number.isFinite(numeric(p.baseline)) && Number.isFinite(numeric(p.run))).map((p) => p.key);
  if (!keys.length) return out;
  const runs = store.listRuns({ experiment, limit: MAX_SWEEP_RUNS }).filter((r) => r.status === 'finished' && r.metrics[metric]?.count);
  if (runs.length < MIN_SWEEP_RUNS) return out;
  const finals = new Map(runs.map((r) => [r.id, r.metrics[metric].last]));
  for (const key of keys) {
    // One query per changed param (its numeric values across the experiment), not a getRun per run.
    const rows = store.all(
      'SELECT r.id AS id, p.num AS num FROM params p JOIN runs r ON r.rid = p.run JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? AND p.key = ? AND p.num IS NOT NULL',
      [experiment, key]);
    const xs: number[] = [];
    const ys: number[] = [];
    for (const row of rows) {
      const y = finals.get(String(row.id));
      const x = Number(row.num);
      if (y !== undefined && Number.isFinite(x) && Number.isFinite(y)) { xs.push(x); ys.push(y); }
    }
    if (xs.length < MIN_SWEEP_RUNS || new Set(xs).size < 2) continue;
    const rho = spearman(xs, ys);
    if (rho !== null) out.set(key, { method: SWEEP_METHOD, rho, runs: xs.length });
  }
  return out;
}

interface RankInput {
  readonly params: readonly ParamChange[];
  readonly inputs: readonly InputChange[];
  readonly environment: EnvironmentChanges;
  readonly command: CommandChange | null;
  readonly code: CodeChanges;
  readonly sweep: ReadonlyMap<string, SweepEvidence>;
  readonly metric: string | null;
  readonly metricDirection: MetricDirection | null;
}

function rank(x: RankInput): ExplainItem[] {
  const items: ExplainItem[] = [];
  for (const input of x.inputs) {
    const title = input.change === 'changed'
      ? `input ${input.path} changed: ${versionText(input.baseline)} → ${versionText(input.run)}`
      : input.change === 'added' ? `input ${input.path} read only by this run (${versionText(input.run)})`
        : `input ${input.path} read only by the baseline (${versionText(input.baseline)})`;
    const score = input.change === 'changed' ? PRIOR.data : PRIOR.dataAddedOrRemoved;
    items.push({ kind: 'data', input, title, score, evidence: input.change === 'changed' ? 'the same path read with different content (content hash differs)' : 'a different set of input files' });
  }
  if (x.code.source !== 'none' && x.code.files.length) {
    const files = x.code.files;
    const lines = files.reduce((n, f) => n + f.added + f.removed, 0);
    items.push({
      kind: 'code', code: x.code, score: PRIOR.code, evidence: 'the code snapshots differ',
      title: `code changed: ${files.length === 1 ? files[0].path : `${files.length} files`} (${lines} line${lines === 1 ? '' : 's'}: ${countText(files)})`,
    });
  }
  for (const param of x.params) {
    const sweep = x.sweep.get(param.key) ?? null;
    let score: number = PRIOR.param;
    let evidence = 'a param the run was given differs';
    if (sweep) {
      score = 0.15 + 0.8 * Math.abs(sweep.rho);
      const towards = x.metric ? `higher ${param.key} goes with ${sweep.rho > 0 ? 'higher' : 'lower'} ${x.metric}` : '';
      evidence = `${SWEEP_METHOD} ρ = ${sweep.rho.toFixed(2)} over ${sweep.runs} runs of the experiment${towards ? `: ${towards}` : ''}`;
    }
    items.push({ kind: 'param', param, sweep, score, evidence, title: `param ${param.key}: ${paramText(param.baseline)} → ${paramText(param.run)}` });
  }
  if (x.command && !x.command.onlyParams) {
    const c = x.command;
    items.push({
      kind: 'command', command: c, score: c.baseline === c.run ? PRIOR.launcher : PRIOR.command,
      evidence: c.baseline === c.run ? 'launched another way; the same command line' : 'the command line differs beyond the params',
      title: c.launcher && c.baseline === c.run ? `launched from ${c.launcher.run} (baseline: ${c.launcher.baseline})` : `command changed: ${c.run}`,
    });
  }
  const env = x.environment;
  if (hasEnvironmentChanges(env)) {
    const parts: string[] = [];
    if (env.python) parts.push(`python ${env.python.baseline} → ${env.python.run}`);
    if (env.packages.length) parts.push(packagesText(env.packages));
    if (env.gpus) parts.push(`GPU ${env.gpus.baseline ?? 'none'} → ${env.gpus.run ?? 'none'}`);
    if (env.variables.length) parts.push(`${env.variables.map((v) => v.key).join(', ')} changed`);
    if (env.machine.length) parts.push(env.machine.map((m) => `${m.key} ${m.baseline} → ${m.run}`).join(', '));
    const onlyMachine = !env.python && !env.gpus && !env.packages.length && !env.variables.length;
    items.push({
      kind: 'environment', environment: env, score: onlyMachine ? PRIOR.machine : PRIOR.environment,
      evidence: onlyMachine ? 'another machine, same software' : 'the software or devices differ',
      title: `environment changed: ${parts.join('; ')}`,
    });
  }
  // What changed alone comes first: with one difference, it is the explanation the records allow.
  if (items.length === 1) {
    const only = items[0];
    items[0] = { ...only, score: 1, evidence: `the only recorded difference from the baseline; ${only.evidence}` } as ExplainItem;
  }
  return items.map((it, i) => [it, i] as const).sort((a, b) => b[0].score - a[0].score || a[1] - b[1]).map(([it]) => it);
}

function versionText(v: { sha256: string | null; size: number | null } | null): string {
  if (!v) return 'not read';
  const parts = [v.sha256 ? `sha256 ${v.sha256.slice(0, 12)}` : 'no hash', v.size !== null ? sizeText(v.size) : ''];
  return parts.filter(Boolean).join(', ');
}

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function countText(files: readonly CodeFileChange[]): string {
  const a = files.reduce((n, f) => n + f.added, 0);
  const r = files.reduce((n, f) => n + f.removed, 0);
  return `+${a} −${r}`;
}

function packagesText(p: EnvironmentChanges['packages']): string {
  const shown = p.slice(0, 3).map((c) => (c.change === 'added' ? `+${c.name} ${c.run}` : c.change === 'removed' ? `−${c.name}` : `${c.name} ${c.baseline} → ${c.run}`));
  return `packages ${shown.join(', ')}${p.length > 3 ? ` and ${p.length - 3} more` : ''}`;
}

/** How far the run's value of the metric is from the baseline's (relative, positive = worse); null when unknown. */
export function metricWorsening(report: ExplainReport): number | null {
  const { run, baseline } = report.metricValues;
  if (run === null || baseline === null || !report.metricDirection) return null;
  return relativeWorsening(report.metricDirection, run, baseline);
}
