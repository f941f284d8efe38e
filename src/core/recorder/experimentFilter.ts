import fs from 'node:fs';
import path from 'node:path';
import { analyzeCommand, isPythonExecutable, type CommandAnalysis } from './commandAnalysis';
import { splitShellCommands } from './shellWords';

/**
 * Commands that install, create or inspect an environment, or run a test suite: never experiments,
 * wherever they are typed. Patterns as in `exptrack.capture.ignoreCommands` (see {@link compileCommandFilter});
 * a user pattern `!pytest` records what one of these would skip.
 */
export const BUILTIN_IGNORED_COMMANDS: readonly string[] = [
  'pip*', 'python -m pip', 'python -m ensurepip', 'pipx',
  'uv pip', 'uv venv', 'uv add', 'uv remove', 'uv sync', 'uv lock', 'uv tool', 'uv python', 'uv init', 'uvx',
  'conda', 'mamba', 'micromamba', 'poetry install', 'poetry add', 'poetry remove', 'poetry lock', 'pipenv install', 'pipenv sync',
  'python -m venv', 'python -m virtualenv', 'virtualenv',
  'python --version', 'python -V', 'python -VV', 'python -c',
  'pytest', 'py.test', 'python -m pytest', 'python -m unittest',
];

/** A process that ends this soon after it started, not found or not runnable, never ran: see {@link whyNeverStarted}. */
export const FAILED_START_MS = 1000;

/** Decides whether a command line is left unrecorded. */
export interface CommandFilter {
  /** True when the command is not an experiment (a built-in or user pattern matches it last). */
  ignores(command: string | readonly string[]): boolean;
}

interface Rule {
  readonly negate: boolean;
  readonly test: (words: readonly string[], line: string) => boolean;
}

/**
 * Compiles the built-in patterns followed by `userPatterns` (the setting `exptrack.capture.ignoreCommands`).
 * A pattern is either
 * - **words**, matched against the start of the command's words: `pip`, `python -m pip`, `make data`.
 *   `*` and `?` inside a word are wildcards (`pip*` is also `pip3`); the program word matches by base name
 *   (`pip` is also `/usr/bin/pip`); the word `python` stands for any python interpreter (`python3.11`,
 *   `.venv/bin/python`), whose own options before `-m`/the script are skipped. The command is looked at
 *   after `VAR=value` words, wrappers (`env`, `time`, `nohup`...) and environment runners (`uv run`,
 *   `conda run`...), so `uv run pytest` is `pytest`; in a line of several commands, the one that does
 *   the work (`pip install -r req.txt && python train.py` is `python train.py`);
 * - **a regular expression** between slashes, tested against the whole command line: `/^make\s/`, `/--dry-run/i`.
 * A pattern starting with `!` records what an earlier one skips (`!pytest`). The last matching pattern
 * decides. Bad patterns are left out and described in `problems`.
 */
export function compileCommandFilter(userPatterns: readonly unknown[] = []): { filter: CommandFilter; problems: string[] } {
  const problems: string[] = [];
  const rules: Rule[] = [];
  for (const p of [...BUILTIN_IGNORED_COMMANDS, ...userPatterns]) {
    if (typeof p !== 'string' || !p.trim() || p.trim() === '!') { problems.push(`${JSON.stringify(p)} is not a pattern (a non-empty string)`); continue; }
    const rule = compileRule(p.trim());
    if (typeof rule === 'string') problems.push(`"${p}": ${rule}`);
    else rules.push(rule);
  }
  return {
    problems,
    filter: {
      ignores(command: string | readonly string[]): boolean {
        const line = typeof command === 'string' ? command.trim() : command.join(' ');
        const words = matchWords(analyzeCommand(command));
        let ignored = false;
        for (const r of rules) if (r.test(words, line)) ignored = !r.negate;
        return ignored;
      },
    },
  };
}

function compileRule(pattern: string): Rule | string {
  const negate = pattern.startsWith('!');
  const body = negate ? pattern.slice(1).trim() : pattern;
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(body);
  if (regex) {
    let re: RegExp;
    try { re = new RegExp(regex[1], regex[2]); } catch (e) { return `not a valid regular expression (${(e as Error).message})`; }
    return { negate, test: (_words, line) => re.test(line) };
  }
  const commands = splitShellCommands(body);
  if (commands.length !== 1 || !commands[0].length) return 'words of one command, or a /regular expression/';
  const parts = commands[0];
  const matchers = parts.map((w, i) => wordMatcher(w, i === 0));
  return { negate, test: (words) => words.length >= matchers.length && matchers.every((m, i) => m(words[i])) };
}

function wordMatcher(word: string, program: boolean): (w: string) => boolean {
  if (isPythonExecutable(word)) return (w) => w === 'python';
  const pattern = program ? programName(word) : word;
  if (!/[*?]/.test(pattern)) return (w) => w === pattern;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (w) => re.test(w);
}

/** The words patterns see: the program by base name, python normalised to `python <what it runs>`. */
function matchWords(a: CommandAnalysis): string[] {
  if (!a.argv.length) return [];
  if (isPythonExecutable(a.argv[0])) {
    if (a.entry?.kind === 'module') return ['python', '-m', a.entry.name, ...a.scriptArgs];
    if (a.entry?.kind === 'script') return ['python', a.entry.name, ...a.scriptArgs];
    const c = a.allArgs.indexOf('-c');
    return c >= 0 ? ['python', ...a.allArgs.slice(c)] : ['python', ...a.allArgs];
  }
  return [programName(a.argv[0]), ...a.argv.slice(1)];
}

function programName(word: string): string {
  return path.basename(word).replace(/\.exe$/i, '');
}

/** What is known of a finished run to tell whether it ever started. */
export interface StartCheck {
  readonly analysis: CommandAnalysis;
  readonly cwd: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly exitCode: number | null;
  /**
   * Whether the script the command names was missing when it started ({@link missingScript} then).
   * Unknown (undefined): looked at now, and only for a run that ended within its first second — a
   * long run whose script was deleted meanwhile did run.
   */
  readonly scriptMissingAtStart?: boolean;
}

/** The script a command runs (`python trian.py`), when it names one that does not exist; else null. */
export function missingScript(analysis: CommandAnalysis, cwd: string): string | null {
  const entry = analysis.entry;
  if (entry?.kind !== 'script') return null;
  return fs.existsSync(path.resolve(cwd, entry.name)) ? null : entry.name;
}

/**
 * Why the command never really ran, or null when it did: it ended with an error while the script it
 * names did not exist (`python trian.py` exits 2), or within {@link FAILED_START_MS} of its start with
 * a shell's "not found" (127) or "not executable" (126) status — a spawn error is recorded as 127; the
 * time bound keeps a long job that exits 127 itself. A script that started and failed (an import error,
 * a bad flag) is a failed run, not this.
 */
export function whyNeverStarted(run: StartCheck): string | null {
  if (run.exitCode === null || run.exitCode === 0) return null;
  const quick = run.endedAt - run.startedAt < FAILED_START_MS;
  const script = run.analysis.entry?.kind === 'script' ? run.analysis.entry.name : null;
  if (script && (run.scriptMissingAtStart ?? (quick && missingScript(run.analysis, run.cwd) !== null))) return `${script} does not exist`;
  if (!quick) return null;
  const program = run.analysis.argv[0] ?? '';
  if (run.exitCode === 127) return `${program} was not found`;
  if (run.exitCode === 126) return `${program} is not executable`;
  return null;
}
