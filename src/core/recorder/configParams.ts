import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import type { ParamValue } from '../model';
import type { ArgvParams } from './argvParams';
import type { CommandAnalysis } from './commandAnalysis';
import { flattenParams } from './flattenParams';

/** Config files bigger than this are not read for params (they are data, not settings). */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

const CONFIG_EXT_RE = /\.(ya?ml|json|toml)$/i;

/** True when the file name looks like a YAML, JSON or TOML config. */
export function isConfigFileName(file: string): boolean {
  return CONFIG_EXT_RE.test(file);
}

/**
 * The config files a command names that exist, absolute: config-looking words of its arguments and
 * Hydra's `--config-name` (in `--config-path`, default `conf/`, beside the entry script). What the
 * recorder reads params from at the start of a run, and what a re-run compares.
 */
export function namedConfigFiles(parsed: ArgvParams, entry: CommandAnalysis['entry'], cwd: string): string[] {
  const configs = new Set<string>();
  for (const w of parsed.pathCandidates) if (isConfigFileName(w)) configs.add(w);
  if (parsed.hydra.configName) {
    const dir = parsed.hydra.configPath ?? 'conf';
    const entryDir = entry?.kind === 'script' ? path.dirname(path.resolve(cwd, entry.name)) : cwd;
    const name = /\.ya?ml$/i.test(parsed.hydra.configName) ? parsed.hydra.configName : `${parsed.hydra.configName}.yaml`;
    configs.add(path.resolve(entryDir, dir, name));
  }
  return [...new Set([...configs].map((c) => path.resolve(cwd, c)))].filter((c) => fs.existsSync(c));
}

/**
 * Reads a YAML, JSON or TOML config file and returns its settings flattened as `a.b.c`. When the file
 * is missing, too big, or does not parse to a mapping, the reason is returned instead, so a broken
 * config never stops a run from being recorded.
 */
export function readConfigParams(file: string): { params: Record<string, ParamValue> } | { error: string } {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return { error: 'not a file' };
    if (st.size > MAX_CONFIG_BYTES) return { error: `larger than ${MAX_CONFIG_BYTES} bytes` };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { error: (e as Error).message };
  }
  const ext = path.extname(file).toLowerCase();
  let data: unknown;
  try {
    if (ext === '.json') {
      data = JSON.parse(text);
    } else if (ext === '.toml') {
      data = parseToml(text);
    } else {
      // Several YAML documents merge in order, later keys winning, as most config loaders do.
      const docs = parseAllDocuments(text, { prettyErrors: false });
      const list = Array.isArray(docs) ? docs : [docs];
      const merged: Record<string, unknown> = {};
      for (const d of list) {
        if (d.errors.length) throw d.errors[0];
        const value: unknown = d.toJS({ maxAliasCount: 1000 });
        if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(merged, value);
      }
      data = merged;
    }
  } catch (e) {
    return { error: `does not parse: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { error: 'not a mapping' };
  return { params: flattenParams(data) };
}
