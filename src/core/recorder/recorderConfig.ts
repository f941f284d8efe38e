import fs from 'node:fs';
import path from 'node:path';
import type { RecorderOptions } from './recorderTypes';

/** The recorder settings a workspace can keep in `.exptrack/config.json` under `"recorder"`. */
export type RecorderConfig = Pick<RecorderOptions, 'outputLimitBytes' | 'outputGlobs' | 'envAllowList' | 'capture' | 'untrackedLimits' | 'maxHashBytes' | 'finishTimeoutMs'>;

/**
 * Reads the `"recorder"` section of `<exptrackDir>/config.json`:
 * `{"recorder": {"outputLimitBytes": 1e8, "outputGlobs": ["results/**"], "envAllowList": ["MY_VAR", "MY_*"],
 * "capture": {"packages": false}, "untrackedLimits": {"maxFileBytes": 100000}, "maxHashBytes": 1e9}}`.
 * A missing file gives `{}`; wrong entries are left out and reported in `problems`, never thrown.
 */
export function readRecorderConfig(exptrackDir: string): { config: RecorderConfig; problems: string[] } {
  const file = path.join(exptrackDir, 'config.json');
  const problems: string[] = [];
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${file}: ${(e as Error).message}`);
    return { config: {}, problems };
  }
  const section = json && typeof json === 'object' ? (json as Record<string, unknown>).recorder : undefined;
  if (section === undefined) return { config: {}, problems };
  if (!section || typeof section !== 'object' || Array.isArray(section)) return { config: {}, problems: [`${file}: "recorder" must be an object`] };
  const s = section as Record<string, unknown>;
  const config: { -readonly [K in keyof RecorderConfig]: RecorderConfig[K] } = {};
  const positive = (k: 'outputLimitBytes' | 'maxHashBytes' | 'finishTimeoutMs'): void => {
    if (s[k] === undefined) return;
    if (typeof s[k] === 'number' && (s[k] as number) > 0) config[k] = s[k] as number;
    else problems.push(`${file}: "recorder.${k}" must be a positive number`);
  };
  positive('outputLimitBytes');
  positive('maxHashBytes');
  positive('finishTimeoutMs');
  const strings = (k: 'outputGlobs' | 'envAllowList'): void => {
    if (s[k] === undefined) return;
    if (Array.isArray(s[k]) && (s[k] as unknown[]).every((x) => typeof x === 'string')) config[k] = s[k] as string[];
    else problems.push(`${file}: "recorder.${k}" must be an array of strings`);
  };
  strings('outputGlobs');
  strings('envAllowList');
  if (s.capture !== undefined) {
    const c = s.capture as Record<string, unknown>;
    if (c && typeof c === 'object' && Object.values(c).every((v) => typeof v === 'boolean')) config.capture = c as RecorderConfig['capture'];
    else problems.push(`${file}: "recorder.capture" must map environment/packages/git/artifacts to true or false`);
  }
  if (s.untrackedLimits !== undefined) {
    const u = s.untrackedLimits as Record<string, unknown>;
    if (u && typeof u === 'object' && Object.values(u).every((v) => typeof v === 'number' && v >= 0)) config.untrackedLimits = u as RecorderConfig['untrackedLimits'];
    else problems.push(`${file}: "recorder.untrackedLimits" must map maxFileBytes/maxFiles/maxTotalBytes to numbers`);
  }
  return { config, problems };
}
