// User-configured patterns (`exptrack.metrics.patterns`, `.exptrack/config.json`) and the ignore list,
// compiled once. A bad regex is reported and skipped, never thrown at the stream.

import { normaliseKey } from './metricKeys';

/** A user pattern ready to run. */
export interface CompiledPattern {
  readonly name: string;
  readonly regex: RegExp;
  readonly key: string | undefined;
}

/** A pattern or ignore entry that could not be used, with the reason. */
export interface PatternProblem {
  readonly name: string;
  readonly message: string;
}

/** Compiles user patterns; each needs a `value` group and either a `key` group or a fixed key. */
export function compilePatterns(patterns: readonly { name: string; regex: string; key?: string }[]): { patterns: CompiledPattern[]; invalid: PatternProblem[] } {
  const out: CompiledPattern[] = [];
  const invalid: PatternProblem[] = [];
  patterns.forEach((p, i) => {
    const name = typeof p?.name === 'string' && p.name !== '' ? p.name : `#${i + 1}`;
    const problem = patternProblem(p);
    if (problem !== null) {
      invalid.push({ name, message: problem });
      return;
    }
    out.push({ name, regex: new RegExp(p.regex, 'g'), key: typeof p.key === 'string' && p.key !== '' ? p.key : undefined });
  });
  return { patterns: out, invalid };
}

/** Why a pattern cannot be used, or null when it can. */
export function patternProblem(p: { regex?: unknown; key?: unknown } | null | undefined): string | null {
  if (p === null || typeof p !== 'object') return 'not an object';
  if (typeof p.regex !== 'string' || p.regex === '') return '"regex" must be a non-empty string';
  let re: RegExp;
  try {
    re = new RegExp(p.regex);
  } catch (e) {
    return `invalid regex: ${(e as Error).message}`;
  }
  const groups = /\(\?<([A-Za-z_]\w*)>/g;
  const names = new Set<string>();
  for (const m of p.regex.matchAll(groups)) names.add(m[1]);
  if (!names.has('value')) return 'the regex needs a named group "value", e.g. (?<value>[-+\\d.eE]+)';
  if (!names.has('key') && (typeof p.key !== 'string' || p.key === '')) return 'give the regex a named group "key" or set "key"';
  if (p.key !== undefined && typeof p.key !== 'string') return '"key" must be a string';
  void re;
  return null;
}

/**
 * Ignore entries: a plain name drops that key (compared after normalisation, so `val/loss` also drops
 * `val_loss`); an entry with regex syntax (`^time/`, `.*_runtime$`) is a case-insensitive regex.
 */
export function compileIgnore(entries: readonly string[]): { matches: (key: string) => boolean; invalid: PatternProblem[] } {
  const names = new Set<string>();
  const regexes: RegExp[] = [];
  const invalid: PatternProblem[] = [];
  for (const e of entries) {
    if (typeof e !== 'string' || e === '') continue;
    if (/[\\^$*+?()[\]{}|]/.test(e)) {
      try {
        regexes.push(new RegExp(e, 'i'));
      } catch (err) {
        invalid.push({ name: e, message: `invalid regex: ${(err as Error).message}` });
      }
    } else {
      names.add(normaliseKey(e));
    }
  }
  if (names.size === 0 && regexes.length === 0) return { matches: () => false, invalid };
  return { matches: (key) => names.has(normaliseKey(key)) || regexes.some((r) => r.test(key)), invalid };
}
