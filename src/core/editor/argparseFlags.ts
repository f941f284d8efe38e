// The command-line flags a Python script declares (`parser.add_argument('--lr', ...)`,
// `@click.option('--lr')`), with where their option strings sit, for the hover that shows the values
// the recorded runs used.

import type { ParamValue, RunSummary } from '../model';
import { inferMetricDirection, isBetter, type DirectionOverrides } from '../metrics/metricDirection';

/** One declared flag: its option strings and the text range of each in the file. */
export interface DeclaredFlag {
  /** `['-b', '--batch-size']` */
  readonly options: readonly string[];
  /** Offsets of each option string's text (inside the quotes) in the file. */
  readonly ranges: readonly { readonly start: number; readonly end: number }[];
}

const CALL_RE = /\b(?:add_argument|click\.option|typer\.Option)\s*\(/g;
// A plain or prefixed (r, u) one-line string literal.
const STRING_RE = /\s*[rRuU]?(['"])(-{1,2}[A-Za-z0-9][\w.-]*)\1\s*(,|\))/y;

/** Every flag declared in `text`, in order. Positional arguments (no leading `-`) are not flags. */
export function declaredFlags(text: string): DeclaredFlag[] {
  const out: DeclaredFlag[] = [];
  CALL_RE.lastIndex = 0;
  for (let m = CALL_RE.exec(text); m; m = CALL_RE.exec(text)) {
    const options: string[] = [];
    const ranges: { start: number; end: number }[] = [];
    let at = m.index + m[0].length;
    for (;;) {
      STRING_RE.lastIndex = at;
      const s = STRING_RE.exec(text);
      if (!s) break;
      const start = s.index + s[0].indexOf(s[1]) + 1;
      options.push(s[2]);
      ranges.push({ start, end: start + s[2].length });
      at = STRING_RE.lastIndex;
      if (s[3] === ')') break;
    }
    if (options.length) out.push({ options, ranges });
  }
  return out;
}

/** The flag whose option string covers `offset`, if any. */
export function flagAt(text: string, offset: number): { flag: DeclaredFlag; range: { start: number; end: number } } | undefined {
  for (const flag of declaredFlags(text)) {
    const range = flag.ranges.find((r) => offset >= r.start && offset <= r.end);
    if (range) return { flag, range };
  }
  return undefined;
}

/**
 * The param keys a flag is recorded under: the command line's own spelling without dashes (`lr`,
 * `batch-size`, `b`: the hook names params as the user typed them, else the first long option) and
 * argparse's dest (`batch_size`).
 */
export function paramKeysOf(flag: DeclaredFlag): string[] {
  const keys = new Set<string>();
  for (const o of flag.options) {
    const bare = o.replace(/^-+/, '');
    keys.add(bare);
    keys.add(bare.replace(/-/g, '_'));
  }
  return [...keys];
}

/** One value a flag took across the runs. */
export interface FlagValueUse {
  /** The value as text (`3e-4`, `true`), or null for runs that recorded no value for the flag. */
  readonly value: string | null;
  readonly runs: number;
  /** The best headline value among those runs and the run that gave it. */
  readonly best: { readonly value: number; readonly run: RunSummary } | undefined;
}

export interface FlagUsage {
  readonly key: string | undefined;
  readonly direction: 'lower' | 'higher' | undefined;
  /** Most used first. */
  readonly values: readonly FlagValueUse[];
  /** The run with the best headline value overall and the flag's value in it. */
  readonly best: { readonly run: RunSummary; readonly value: number; readonly flagValue: string | null } | undefined;
}

/**
 * The values `flag` took in `runs` (each with its params) and which gave the best `key` (the
 * headline metric: its last value, better by the metric's direction; without a direction there is no
 * best). Runs without the metric count for the value but not for best.
 */
export function flagUsage(flag: DeclaredFlag, runs: readonly { readonly run: RunSummary; readonly params: Readonly<Record<string, ParamValue>> }[],
  key: string | undefined, directions: DirectionOverrides = {}): FlagUsage {
  const keys = paramKeysOf(flag);
  const direction = key ? inferMetricDirection(key, directions) : undefined;
  const byValue = new Map<string | null, { runs: number; best?: { value: number; run: RunSummary } }>();
  let best: FlagUsage['best'];
  for (const { run, params } of runs) {
    const k = keys.find((x) => Object.hasOwn(params, x));
    const value = k === undefined ? null : paramText(params[k]);
    let use = byValue.get(value);
    if (!use) byValue.set(value, (use = { runs: 0 }));
    use.runs++;
    const v = key ? run.metrics[key]?.last : undefined;
    if (v === undefined || !direction || Number.isNaN(v)) continue;
    if (!use.best || isBetter(direction, v, use.best.value)) use.best = { value: v, run };
    if (!best || isBetter(direction, v, best.value)) best = { run, value: v, flagValue: value };
  }
  const values = [...byValue].map(([value, u]) => ({ value, runs: u.runs, best: u.best }))
    .sort((a, b) => b.runs - a.runs || compareValues(a.value, b.value));
  return { key, direction, values, best };
}

/** Numbers by value (`0.03` before `0.1`), other text naturally; values not recorded last. */
function compareValues(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const x = Number(a);
  const y = Number(b);
  if (a.trim() && b.trim() && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b, undefined, { numeric: true });
}

function paramText(v: ParamValue): string {
  return v === null ? 'null' : String(v);
}
