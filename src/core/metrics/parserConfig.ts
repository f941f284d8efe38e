// Reads the CLI's parser configuration from `<exptrackDir>/config.json`:
//   {"metrics": {"patterns": [{"name": "...", "regex": "...", "key": "..."}], "ignore": ["..."]}}

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricParserOptions, MetricPatternConfig } from './metricParser';
import { compileIgnore, patternProblem } from './userPatterns';

/** A config file that cannot be used; the message names the file and what to fix. */
export class ParserConfigError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ParserConfigError';
  }
}

/**
 * Reads `<exptrackDir>/config.json` and returns the metric parser options it sets. A missing file (or
 * a file without a `metrics` section) gives `{}`. A file that is not valid JSON, has the wrong shape or
 * holds a bad regex throws {@link ParserConfigError} with a message meant for the user; callers report
 * it and carry on with the built-in rules.
 */
export function readParserConfig(exptrackDir: string): MetricParserOptions {
  const file = path.join(exptrackDir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ParserConfigError(file, `cannot read: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ParserConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ParserConfigError(file, 'expected a JSON object');
  const metrics = (json as Record<string, unknown>).metrics;
  if (metrics === undefined) return {};
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw new ParserConfigError(file, '"metrics" must be an object');
  const { patterns, ignore } = metrics as Record<string, unknown>;
  const options: { patterns?: MetricPatternConfig[]; ignore?: string[] } = {};
  if (patterns !== undefined) {
    if (!Array.isArray(patterns)) throw new ParserConfigError(file, '"metrics.patterns" must be an array');
    const problems: string[] = [];
    const list: MetricPatternConfig[] = [];
    patterns.forEach((p: unknown, i: number) => {
      const entry = p as { name?: unknown; regex?: unknown; key?: unknown } | null;
      const name = entry !== null && typeof entry === 'object' && typeof entry.name === 'string' ? entry.name : `#${i + 1}`;
      const problem = patternProblem(entry);
      if (problem !== null) problems.push(`metrics.patterns[${i}] (${name}): ${problem}`);
      else list.push({ name, regex: entry!.regex as string, ...(typeof entry!.key === 'string' ? { key: entry!.key } : {}) });
    });
    if (problems.length > 0) throw new ParserConfigError(file, problems.join('; '));
    options.patterns = list;
  }
  if (ignore !== undefined) {
    if (!Array.isArray(ignore) || ignore.some((e) => typeof e !== 'string')) throw new ParserConfigError(file, '"metrics.ignore" must be an array of strings');
    const bad = compileIgnore(ignore as string[]).invalid;
    if (bad.length > 0) throw new ParserConfigError(file, bad.map((b) => `metrics.ignore "${b.name}": ${b.message}`).join('; '));
    options.ignore = ignore as string[];
  }
  return options;
}
