import type { ParamValue } from '../model';
import { toParamValue } from './paramValue';

/** Params found in a script's arguments, and the words that may name files. */
export interface ArgvParams {
  readonly params: Record<string, ParamValue>;
  /** Option values, Hydra values and positionals: the words config files and artifacts are sought in. */
  readonly pathCandidates: readonly string[];
  /** Positional words (subcommands, input files): never params. */
  readonly positionals: readonly string[];
  /** Hydra's `--config-name`/`--config-path` (`-cn`/`-cp`) when given. */
  readonly hydra: { readonly configName: string | null; readonly configPath: string | null };
}

const NEGATIVE_NUMBER_RE = /^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^-(?:inf|infinity|nan)$/i;
// Hydra overrides: `k=v`, `+k=v`, `++k=v`, keys with dots, `/` (config groups) and `@` (packages).
const HYDRA_RE = /^(\+{0,2})([A-Za-z_][\w.\-/@]*)=(.*)$/s;
const HYDRA_DELETE_RE = /^~[A-Za-z_][\w.\-/@]*(=.*)?$/s;

function isOption(word: string): boolean {
  return word.length > 1 && word.startsWith('-') && !NEGATIVE_NUMBER_RE.test(word);
}

/**
 * Reads params from a script's arguments (what follows the script path; never the script itself):
 * `--k v`, `--k=v`, `-k v`, Hydra `k=v`, `+k=v`, `++k=v`; an option with no value is `true`; an option
 * followed by several plain words (argparse `nargs='+'`) gets them as a JSON list. A Hydra-looking word
 * is never taken as the value of the option before it. A repeated option keeps its last value, as
 * argparse does. Positionals (subcommands, file names) are not params.
 */
export function parseArgvParams(args: readonly string[]): ArgvParams {
  const params: Record<string, ParamValue> = {};
  const pathCandidates: string[] = [];
  const positionals: string[] = [];
  let configName: string | null = null;
  let configPath: string | null = null;
  let i = 0;
  while (i < args.length) {
    const word = args[i];
    if (word === '--') {
      for (const w of args.slice(i + 1)) { positionals.push(w); pathCandidates.push(w); }
      break;
    }
    if (isOption(word)) {
      const eq = word.indexOf('=');
      const key = (eq > 0 ? word.slice(0, eq) : word).replace(/^-+/, '');
      if (!key) { i++; continue; }
      let value: ParamValue;
      if (eq > 0) {
        const text = word.slice(eq + 1);
        value = toParamValue(text);
        pathCandidates.push(text);
        i++;
      } else {
        const values: string[] = [];
        let j = i + 1;
        while (j < args.length && args[j] !== '--' && !isOption(args[j]) && !HYDRA_RE.test(args[j]) && !HYDRA_DELETE_RE.test(args[j])) {
          values.push(args[j]);
          j++;
        }
        pathCandidates.push(...values);
        if (values.length === 0) value = true;
        else if (values.length === 1) value = toParamValue(values[0]);
        else value = JSON.stringify(values.map((v) => toParamValue(v)));
        i = j;
      }
      if (key === 'config-name' || key === 'cn' || key === 'config_name') configName = typeof value === 'string' ? value : String(value);
      if (key === 'config-path' || key === 'cp' || key === 'config_path') configPath = typeof value === 'string' ? value : String(value);
      params[key] = value;
      continue;
    }
    const hydra = HYDRA_RE.exec(word);
    if (hydra) {
      params[hydra[2]] = toParamValue(hydra[3]);
      pathCandidates.push(hydra[3]);
      i++;
      continue;
    }
    if (!HYDRA_DELETE_RE.test(word)) {
      positionals.push(word);
      pathCandidates.push(word);
    }
    i++;
  }
  return { params, pathCandidates, positionals, hydra: { configName, configPath } };
}
