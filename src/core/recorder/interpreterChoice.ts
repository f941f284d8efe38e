import path from 'node:path';
import { shellQuote, splitShellCommands } from './shellWords';

/** Where the interpreter of an editor launcher came from, in the order they are tried. */
export type InterpreterSource = 'pythonExtension' | 'defaultInterpreterPath' | 'workspaceVenv' | 'recordedRun' | 'default';

/** What each source gave, looked up by the editor (src/extension/pythonInterpreters.ts). */
export interface InterpreterCandidates {
  /**
   * The Python extension's active environment: its executable, or why there is none (no environment
   * selected, the API failed). Undefined when the extension is not installed.
   */
  readonly pythonExtension?: { readonly executable: string } | { readonly problem: string };
  /** `python.defaultInterpreterPath` as written (`${workspaceFolder}`, `~` and relative paths allowed). */
  readonly defaultInterpreterPath?: string;
  /** A venv's interpreter found in the workspace (`.venv`, `venv`), or null. */
  readonly workspaceVenv?: string | null;
  /** The interpreter recorded for the run being re-run (its environment's python executable), or null. */
  readonly recordedRun?: string | null;
  /** The workspace folder: `${workspaceFolder}` and relative paths in the setting resolve against it. */
  readonly workspaceFolder?: string;
  /** The home folder, for a setting starting with `~`. */
  readonly home?: string;
  /** Default `process.platform`: the last resort is `python3`, or `python` on Windows. */
  readonly platform?: NodeJS.Platform;
}

/** The interpreter a launcher uses, and what was looked at to choose it. */
export interface InterpreterChoice {
  readonly executable: string;
  readonly source: InterpreterSource;
  /** Each source in order with what it gave, up to the chosen one: for the message when it cannot start. */
  readonly tried: readonly string[];
}

/** How a source is named to the user. */
export const INTERPRETER_SOURCE_LABELS: Readonly<Record<InterpreterSource, string>> = {
  pythonExtension: "the Python extension's selected interpreter",
  defaultInterpreterPath: 'the setting python.defaultInterpreterPath',
  workspaceVenv: 'a virtual environment in the workspace (.venv, venv)',
  recordedRun: 'the interpreter recorded for the run being re-run',
  default: 'the default',
};

/**
 * The interpreter for Run Current File, Run Command and Re-run: the Python extension's active
 * environment when that extension is installed and has one, else `python.defaultInterpreterPath`,
 * else a venv in the workspace, else the interpreter the re-run run recorded, else `python3`
 * (`python` on Windows). The setting's default value `python` counts as not set: it names whatever is
 * first on the editor's PATH, which is rarely the user's environment and on Debian does not exist.
 */
export function chooseInterpreter(c: InterpreterCandidates): InterpreterChoice {
  const tried: string[] = [];
  const pick = (executable: string, source: InterpreterSource): InterpreterChoice => {
    tried.push(`${INTERPRETER_SOURCE_LABELS[source]}: ${executable}`);
    return { executable, source, tried };
  };

  if (c.pythonExtension === undefined) tried.push(`${INTERPRETER_SOURCE_LABELS.pythonExtension}: not installed`);
  else if ('executable' in c.pythonExtension && c.pythonExtension.executable.trim()) return pick(c.pythonExtension.executable, 'pythonExtension');
  else tried.push(`${INTERPRETER_SOURCE_LABELS.pythonExtension}: ${'problem' in c.pythonExtension ? c.pythonExtension.problem : 'none'}`);

  const configured = resolveSettingPath(c.defaultInterpreterPath, c.workspaceFolder, c.home);
  if (configured) return pick(configured, 'defaultInterpreterPath');
  tried.push(`${INTERPRETER_SOURCE_LABELS.defaultInterpreterPath}: not set`);

  if (c.workspaceVenv) return pick(c.workspaceVenv, 'workspaceVenv');
  tried.push(`${INTERPRETER_SOURCE_LABELS.workspaceVenv}: none`);

  if (c.recordedRun !== undefined) {
    if (c.recordedRun) return pick(c.recordedRun, 'recordedRun');
    tried.push(`${INTERPRETER_SOURCE_LABELS.recordedRun}: none`);
  }
  return pick((c.platform ?? process.platform) === 'win32' ? 'python' : 'python3', 'default');
}

/** The setting's value as a path: `${workspaceFolder}` and `~` expanded, relative to the workspace; undefined when not set. */
function resolveSettingPath(value: string | undefined, workspaceFolder: string | undefined, home: string | undefined): string | undefined {
  const v = typeof value === 'string' ? value.trim() : '';
  if (!v || v === 'python') return undefined;
  let p = v.replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? '${workspaceFolder}');
  if (home && (p === '~' || p.startsWith('~/') || p.startsWith('~\\'))) p = path.join(home, p.slice(1));
  // A bare command name (`python3.11`, `pypy3`) is looked up on PATH; a relative path is the workspace's.
  if (workspaceFolder && !path.isAbsolute(p) && /[/\\]/.test(p)) p = path.resolve(workspaceFolder, p);
  return p;
}

const BARE_PYTHON = /^python(3(\.\d+)?)?$/;

/**
 * A recorded command line that runs a bare `python`/`python3`/`python3.X` (after `VAR=value` words)
 * with `interpreter` in its place; null when it does not start so (an explicit path, `uv run`, a
 * launcher: kept as recorded).
 */
export function substituteInterpreter(command: string, interpreter: string, platform: NodeJS.Platform = process.platform): string | null {
  const [first] = splitShellCommands(command);
  if (!first) return null;
  let i = 0;
  while (i < first.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(first[i])) i++;
  const word = first[i];
  if (word === undefined || !BARE_PYTHON.test(word)) return null;
  // Find that word in the line as written (after the assignments) and replace only it.
  const m = new RegExp(`^((?:\\s*[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:[^"\\\\]|\\\\.)*"|\\S)*){${i}}\\s*)${word.replace(/\./g, '\\.')}(?=\\s|$)`).exec(command);
  if (!m) return null;
  return `${m[1]}${shellQuote(interpreter, platform)}${command.slice(m[0].length)}`;
}
