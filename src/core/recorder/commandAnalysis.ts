import path from 'node:path';
import { splitShellCommands } from './shellWords';

/** What a command line runs, as far as the recorder can tell without running anything. */
export interface CommandAnalysis {
  /** The words of the command that runs the work, after env assignments and wrappers. */
  readonly argv: readonly string[];
  /** Leading `NAME=value` words and `env NAME=value` of that command. */
  readonly envAssignments: Readonly<Record<string, string>>;
  /** The python executable word (`python3`, `.venv/bin/python`, `torchrun`...) when it is a python run. */
  readonly python: string | null;
  /** The script or module the command runs, or the program itself for other commands. */
  readonly entry: { readonly kind: 'script' | 'module' | 'program'; readonly name: string } | null;
  /** The arguments given to the entry: where params come from. */
  readonly scriptArgs: readonly string[];
  /** Every word after the program name: where named paths (config files, artifacts) come from. */
  readonly allArgs: readonly string[];
}

// Wrappers whose own options come first and then a whole command.
const COMMAND_WRAPPERS = new Set(['env', 'nohup', 'time', 'exec', 'nice', 'stdbuf', 'sudo', 'command', 'caffeinate']);
// Environment runners: `<tool> run [options] <command...>`.
const ENV_RUNNERS = new Set(['uv', 'poetry', 'pipenv', 'conda', 'mamba', 'micromamba', 'pixi', 'hatch', 'pdm', 'rye']);
// Options of those runners that take a value (so the value is not mistaken for the command).
const RUNNER_VALUE_OPTIONS = new Set([
  '-n', '--name', '-p', '--prefix', '--python', '--with', '--with-requirements', '--project', '--directory',
  '--extra', '--group', '--env-file', '--index', '--index-url', '-e', '--environment', '--manifest-path', '--cwd',
]);
// Launchers that run a python script: `<launcher> [options] script.py args` or `-m module`.
const PYTHON_LAUNCHERS = new Set(['torchrun', 'deepspeed', 'accelerate', 'horovodrun', 'mpirun', 'srun', 'lightning', 'composer']);
// Interpreters whose first non-option word is the script.
const OTHER_INTERPRETERS = new Set(['bash', 'sh', 'zsh', 'node', 'Rscript', 'julia', 'ruby', 'perl', 'deno', 'bun', 'lua']);
/** Their options whose next word is code to run, not a script. */
const INLINE_CODE_FLAGS = new Set(['-c', '-e', '-E', '--eval', '-p', '--print', '--command']);
// Python options that take a value.
const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '--check-hash-based-pycs']);

const PYTHON_RE = /^(python|python[23](\.\d+)?|pypy3?|ipython)(\.exe)?$/i;

/** True when `word` names a python interpreter (`python`, `python3.11`, `/x/.venv/bin/python`). */
export function isPythonExecutable(word: string): boolean {
  return PYTHON_RE.test(path.basename(word));
}

/**
 * Analyses a command given as a shell line (terminals) or as argv (tasks, CLI). For a line, the simple
 * command that looks like the work is taken: the first one running python or a known launcher, else
 * the first one (so `cd src && python train.py | tee log` is `python train.py`).
 */
export function analyzeCommand(command: string | readonly string[]): CommandAnalysis {
  let argv: readonly string[];
  if (typeof command === 'string') {
    const commands = splitShellCommands(command);
    argv = commands.find((c) => looksLikeWork(c)) ?? commands.find((c) => c[0] !== 'cd') ?? commands[0] ?? [];
  } else {
    argv = command;
  }
  return analyzeArgv(argv);
}

function looksLikeWork(words: readonly string[]): boolean {
  const a = analyzeArgv(words);
  return a.python !== null;
}

function analyzeArgv(input: readonly string[]): CommandAnalysis {
  const env: Record<string, string> = {};
  let argv = [...input];
  // Unwrap env assignments, wrappers and environment runners until the real program is first.
  for (let guard = 0; guard < 8 && argv.length; guard++) {
    const first = argv[0];
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(first);
    if (assign) { env[assign[1]] = assign[2]; argv = argv.slice(1); continue; }
    const base = path.basename(first);
    if (COMMAND_WRAPPERS.has(base)) {
      let i = 1;
      while (i < argv.length && (argv[i].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]))) {
        const a = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(argv[i]);
        if (a) env[a[1]] = a[2];
        i++;
      }
      argv = argv.slice(i);
      continue;
    }
    if (ENV_RUNNERS.has(base) && argv[1] === 'run') {
      let i = 2;
      while (i < argv.length && argv[i].startsWith('-')) {
        if (RUNNER_VALUE_OPTIONS.has(argv[i])) i++;
        i++;
      }
      argv = argv.slice(i);
      continue;
    }
    break;
  }
  const allArgs = argv.slice(1);
  if (!argv.length) return { argv, envAssignments: env, python: null, entry: null, scriptArgs: [], allArgs };
  const program = argv[0];
  const base = path.basename(program);

  if (isPythonExecutable(program)) {
    let i = 1;
    while (i < argv.length) {
      const a = argv[i];
      if (a === '-m') {
        const module = argv[i + 1];
        if (module === undefined) break;
        // `python -m torch.distributed.run ...` is torchrun.
        if (module === 'torch.distributed.run' || module === 'torch.distributed.launch') {
          return { ...launcherEntry(argv.slice(i + 2), env, program), argv, allArgs };
        }
        return { argv, envAssignments: env, python: program, entry: { kind: 'module', name: module }, scriptArgs: argv.slice(i + 2), allArgs };
      }
      if (a === '-c') return { argv, envAssignments: env, python: program, entry: null, scriptArgs: argv.slice(i + 2), allArgs };
      if (a === '-') break;
      if (!a.startsWith('-')) {
        return { argv, envAssignments: env, python: program, entry: { kind: 'script', name: a }, scriptArgs: argv.slice(i + 1), allArgs };
      }
      if (PYTHON_VALUE_OPTIONS.has(a)) i++;
      i++;
    }
    return { argv, envAssignments: env, python: program, entry: null, scriptArgs: [], allArgs };
  }
  if (PYTHON_LAUNCHERS.has(base)) {
    // `accelerate launch`, `lightning run model`, `composer`: skip the launcher's verb words.
    let rest = argv.slice(1);
    if ((base === 'accelerate' && rest[0] === 'launch') || base === 'lightning') {
      while (rest.length && !rest[0].startsWith('-') && !/\.py$/i.test(rest[0])) rest = rest.slice(1);
    }
    return { ...launcherEntry(rest, env, program), argv, allArgs };
  }
  if (/\.py$/i.test(base)) {
    // `./train.py --lr 1` with a shebang, or `uv run train.py`.
    return { argv, envAssignments: env, python: program, entry: { kind: 'script', name: program }, scriptArgs: argv.slice(1), allArgs };
  }
  if (OTHER_INTERPRETERS.has(base)) {
    let i = 1;
    if (base === 'deno' && argv[1] === 'run') i = 2;
    while (i < argv.length && argv[i].startsWith('-')) {
      // `node -e CODE`, `bash -c CODE`: the code is not a script (its last path part named the experiment).
      if (INLINE_CODE_FLAGS.has(argv[i])) return { argv, envAssignments: env, python: null, entry: null, scriptArgs: argv.slice(i + 2), allArgs };
      i++;
    }
    if (i < argv.length) {
      return { argv, envAssignments: env, python: null, entry: { kind: 'script', name: argv[i] }, scriptArgs: argv.slice(i + 1), allArgs };
    }
  }
  return { argv, envAssignments: env, python: null, entry: { kind: 'program', name: program }, scriptArgs: argv.slice(1), allArgs };
}

/** `<launcher options> (script.py | -m module) args`: the script is the first `.py` word. */
function launcherEntry(rest: readonly string[], env: Record<string, string>, program: string): Omit<CommandAnalysis, 'argv' | 'allArgs'> {
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if ((a === '-m' || a === '--module') && i + 1 < rest.length && rest[i + 1] && !rest[i + 1].startsWith('-')) {
      // torchrun's `-m` is a flag followed by the module; accelerate's likewise.
      return { envAssignments: env, python: program, entry: { kind: 'module', name: rest[i + 1] }, scriptArgs: rest.slice(i + 2) };
    }
    if (!a.startsWith('-') && /\.py$/i.test(a)) {
      return { envAssignments: env, python: program, entry: { kind: 'script', name: a }, scriptArgs: rest.slice(i + 1) };
    }
  }
  return { envAssignments: env, python: program, entry: null, scriptArgs: [] };
}
