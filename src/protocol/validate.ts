// Small structural checks for messages crossing the webview boundary. Both sides validate what they
// receive: the host because a webview is untrusted content, the webview because a stale host (after an
// extension update) may speak an older protocol.

export type Check = (value: unknown) => boolean;

export const isString: Check = (v) => typeof v === 'string';
export const isNumber: Check = (v) => typeof v === 'number';
export const isFiniteNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
export const isBoolean: Check = (v) => typeof v === 'boolean';
export const isFloat64Array: Check = (v) => v instanceof Float64Array;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function nullable(check: Check): Check {
  return (v) => v === null || check(v);
}

export function arrayOf(check: Check): Check {
  return (v) => Array.isArray(v) && v.every(check);
}

export function recordOf(check: Check): Check {
  return (v) => isRecord(v) && Object.values(v).every(check);
}

export function oneOf(...values: readonly unknown[]): Check {
  return (v) => values.includes(v);
}

/** An object whose listed fields pass their checks; other fields are allowed and ignored. */
export function shape(fields: Readonly<Record<string, Check>>): Check {
  return (v) => isRecord(v) && Object.entries(fields).every(([k, check]) => check(v[k]));
}

/**
 * A guard for a message union from one check per `type`: unknown types and malformed fields are
 * rejected (both sides validate everything that crosses the webview boundary).
 */
export function messageGuard<M extends { type: string }>(checks: Readonly<Record<M['type'], Check>>): (v: unknown) => v is M {
  return (v: unknown): v is M => isRecord(v) && typeof v.type === 'string' && Object.hasOwn(checks, v.type)
    && checks[v.type as M['type']](v);
}

export const isParamValue: Check = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

export const isMetricSummary = shape({
  last: isNumber, min: isNumber, max: isNumber, count: isNumber, lastStep: isNumber, bestStep: nullable(isNumber),
});

export const isGitData = shape({
  commit: nullable(isString), branch: nullable(isString), dirty: isBoolean, snapshot: nullable(isString),
});

export const isRunData = shape({
  id: isString, name: isString, experiment: isString,
  status: oneOf('running', 'finished', 'failed', 'killed', 'interrupted'),
  command: isString, startedAt: isNumber, endedAt: nullable(isNumber), durationMs: nullable(isNumber),
  params: recordOf(isParamValue), tags: recordOf(isString), metrics: recordOf(isMetricSummary),
  git: nullable(isGitData),
});

export const isArtifactData = shape({
  path: isString, role: oneOf('input', 'output'), kind: oneOf('dataset', 'model', 'file'),
  sha256: nullable(isString), size: nullable(isNumber),
});

export const isRunDetailData: Check = (v) => isRunData(v) && shape({
  note: nullable(isString), environment: recordOf(isString), artifacts: arrayOf(isArtifactData),
  outputTail: nullable(isString),
})(v);

export const isSeriesData: Check = (v) => shape({
  runId: isString, key: isString, steps: isFloat64Array, values: isFloat64Array, times: isFloat64Array,
})(v) && (v as { steps: Float64Array; values: Float64Array; times: Float64Array }).steps.length === (v as { values: Float64Array }).values.length
  && (v as { steps: Float64Array }).steps.length === (v as { times: Float64Array }).times.length;

export const isStepRange = shape({ runId: isString, fromStep: isNumber, toStep: isNumber });

export const isDirections = recordOf(oneOf('lower', 'higher'));
