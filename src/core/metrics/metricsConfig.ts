// How runs are judged against each other, from `<exptrackDir>/config.json`:
//   {"metrics": {"directions": {"val_score": "higher"}, "tolerance": 0.01, "tolerances": {"val_loss": 0.02}}}
// Read by the CLI and the editor alike so both call the same run a regression.

import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicWrite';
import { directionOverrides, type MetricDirection } from './metricDirection';

/** 1%: a run within 1% of its baseline's value is not called worse. */
export const DEFAULT_TOLERANCE = 0.01;

export interface MetricsConfig {
  /** Per-key directions that win over the name. */
  readonly directions: Readonly<Record<string, MetricDirection>>;
  /** Relative tolerance per key (0.02 = 2%). */
  readonly tolerances: Readonly<Record<string, number>>;
  /** Relative tolerance for keys without their own. */
  readonly tolerance: number;
}

/** The relative tolerance of `key` under `config`. */
export function toleranceFor(config: MetricsConfig, key: string): number {
  return Object.hasOwn(config.tolerances, key) ? config.tolerances[key] : config.tolerance;
}

export const defaultMetricsConfig: MetricsConfig = { directions: {}, tolerances: {}, tolerance: DEFAULT_TOLERANCE };

/**
 * Reads the `metrics` section's directions and tolerances. A missing file gives the defaults; wrong
 * entries are left out and named in `problems` (never thrown: the caller reports them once).
 */
export function readMetricsConfig(exptrackDir: string): { config: MetricsConfig; problems: string[] } {
  const file = path.join(exptrackDir, 'config.json');
  const problems: string[] = [];
  const json = readJsonObject(file, problems);
  const metrics = json?.metrics;
  if (metrics === undefined) return { config: defaultMetricsConfig, problems };
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return { config: defaultMetricsConfig, problems: [...problems, `${file}: "metrics" must be an object`] };
  const m = metrics as Record<string, unknown>;
  const { directions, invalid } = directionOverrides(m.directions);
  if (m.directions !== undefined && (typeof m.directions !== 'object' || Array.isArray(m.directions) || m.directions === null)) {
    problems.push(`${file}: "metrics.directions" must map metric keys to "lower" or "higher"`);
  }
  for (const k of invalid) problems.push(`${file}: "metrics.directions.${k}" must be "lower" or "higher"`);
  let tolerance = DEFAULT_TOLERANCE;
  if (m.tolerance !== undefined) {
    if (isTolerance(m.tolerance)) tolerance = m.tolerance;
    else problems.push(`${file}: "metrics.tolerance" must be a number >= 0 (0.01 = 1%)`);
  }
  const tolerances: Record<string, number> = {};
  if (m.tolerances !== undefined) {
    if (m.tolerances && typeof m.tolerances === 'object' && !Array.isArray(m.tolerances)) {
      for (const [k, v] of Object.entries(m.tolerances as Record<string, unknown>)) {
        if (isTolerance(v)) tolerances[k] = v;
        else problems.push(`${file}: "metrics.tolerances.${k}" must be a number >= 0 (0.01 = 1%)`);
      }
    } else problems.push(`${file}: "metrics.tolerances" must map metric keys to numbers`);
  }
  return { config: { directions, tolerances, tolerance }, problems };
}

/**
 * Sets (or with null removes) the direction of one metric key in `<exptrackDir>/config.json`, keeping
 * everything else in the file. Throws, naming the file, when the file exists but is not a JSON object
 * (rewriting it would lose what the user wrote).
 */
export function writeMetricDirection(exptrackDir: string, key: string, direction: MetricDirection | null): void {
  const file = path.join(exptrackDir, 'config.json');
  const problems: string[] = [];
  const json = readJsonObject(file, problems) ?? {};
  if (problems.length) throw new Error(`${problems[0]}; fix it before setting a direction`);
  const metrics = json.metrics === undefined ? {} : json.metrics;
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) throw new Error(`${file}: "metrics" must be an object`);
  const m = metrics as Record<string, unknown>;
  const current = m.directions && typeof m.directions === 'object' && !Array.isArray(m.directions) ? { ...(m.directions as Record<string, unknown>) } : {};
  if (direction) current[key] = direction;
  else delete current[key];
  const next = { ...json, metrics: { ...m, directions: current } };
  fs.mkdirSync(exptrackDir, { recursive: true });
  writeFileAtomic(file, Buffer.from(`${JSON.stringify(next, null, 2)}\n`), String(process.pid));
}

function isTolerance(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** The file's top-level object; undefined when missing. A file that cannot be used adds a problem. */
function readJsonObject(file: string, problems: string[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${file}: cannot read: ${(e as Error).message}`);
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
    problems.push(`${file}: expected a JSON object`);
  } catch (e) {
    problems.push(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return undefined;
}
