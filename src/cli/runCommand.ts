import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEnd } from '../core/model';
import { analyzeCommand } from '../core/recorder/commandAnalysis';
import { ensureExptrackDir } from '../core/store/exptrackDir';
import { namedPathWords, snapshotNamedPaths, type PathState } from '../core/recorder/pathState';
import { pythonHookDirBeside, pythonHookEnv } from '../core/recorder/pythonHook';
import { newRunId } from '../core/recorder/runId';
import { SpawnedRun, type ProcessExit } from '../core/recorder/spawnedRun';
import { findStoreDir } from '../core/store/findStoreDir';
import { formatDuration } from '../protocol/format';
import type { CliIo } from './cliIo';
import { DEFAULT_INLINE_FOLD_BYTES, WorkerRunFeed } from './workerRunFeed';

/** The process around `exptrack run`: raw byte streams, terminal facts and signals (main.ts gives the real ones). */
export interface RunProcess {
  readonly io: CliIo;
  /** Writes child output unchanged; returns false once the destination is gone (EPIPE). */
  readonly writeStdout: (chunk: Buffer) => boolean;
  readonly writeStderr: (chunk: Buffer) => boolean;
  /** True when standard input is a terminal: Ctrl-C then reaches the child from the terminal itself. */
  readonly interactive: boolean;
  /** True when standard output is a terminal (colours and unbuffered Python output are asked for). */
  readonly colorOutput: boolean;
  readonly columns?: number;
  readonly rows?: number;
  /** True when every chunk written so far has left this process (none waits in a queued write). */
  readonly outputWritten?: () => boolean;
  /** The script the recording thread runs (dist/cli-commands.js). */
  readonly workerScript: string;
  /** The CLI's own script (dist/cli.js): what a detached `exptrack _fold` runs. */
  readonly cliScript: string;
  /** Subscribes to a signal of this process; returns an unsubscribe. */
  readonly onSignal: (signal: NodeJS.Signals, handler: () => void) => () => void;
}

class UsageError extends Error {}

/**
 * The pause between reads of a command writing its output in blocks (readPacer.ts). Output meanwhile
 * waits in the socket pair, which holds ~190 KB of 8 KB blocks on Linux: ~60 KB gather in 2 ms at
 * 30 MB/s (1e6 metric lines a second). Elsewhere socket pairs can hold far less (8 KB on macOS by
 * default): reads stay as they come.
 */
const READ_PACE_MS = process.platform === 'linux' ? 2 : 0;

interface RunArgs {
  experiment?: string;
  name?: string;
  tags: Record<string, string>;
  quiet: boolean;
  parse: boolean;
  git: boolean;
  env: boolean;
  /** Exit 3 when the run is worse than its experiment's baseline (and exited 0). */
  failOnRegression: boolean;
  command: string[];
}

/** `exptrack run` options until `--` or the first word that is not an option (then the command). */
function parseRunArgs(argv: readonly string[]): RunArgs {
  const out: RunArgs = { tags: {}, quiet: false, parse: true, git: true, env: true, failOnRegression: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.command = argv.slice(i + 1); break; }
    if (!a.startsWith('-') || a === '-') { out.command = argv.slice(i); break; }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v === '--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-e': case '--experiment': out.experiment = value(); break;
      case '-n': case '--name': out.name = value(); break;
      case '-t': case '--tag': {
        const t = value();
        const k = t.includes('=') ? t.slice(0, t.indexOf('=')) : t;
        if (!k.trim()) throw new UsageError(`--tag wants k=v, got "${t}"`);
        out.tags[k.trim()] = t.includes('=') ? t.slice(t.indexOf('=') + 1) : 'true';
        break;
      }
      case '-q': case '--quiet': out.quiet = true; break;
      case '--no-parse': out.parse = false; break;
      case '--no-git': out.git = false; break;
      case '--no-env': out.env = false; break;
      case '--fail-on-regression': out.failOnRegression = true; break;
      default: throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (!out.command.length) throw new UsageError('no command given (exptrack run [options] -- <command...>)');
  return out;
}

/** Exit code of `exptrack run --fail-on-regression` for a run worse than its baseline (CI gates on it). */
export const REGRESSION_EXIT = 3;

/** `"recorder": {"capture": {"pythonHook": false}}` in `.exptrack/config.json` (read here: the hook is given at the spawn). */
function hookOffInConfig(exptrackDir: string): boolean {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(exptrackDir, 'config.json'), 'utf8').replace(/^\uFEFF/, '')) as { recorder?: { capture?: { pythonHook?: unknown } } };
    return json?.recorder?.capture?.pythonHook === false;
  } catch {
    return false; // no file, or one the worker reports
  }
}

/**
 * `exptrack run [--experiment E] [--name N] [--tag k=v]... -- <command...>`: starts the command at
 * once, passes its output through byte for byte, passes Ctrl-C and SIGTERM on, and returns the
 * command's exit code (128+N for signal N). Recording (parsing, output.log, the journal) runs in a
 * worker thread fed with the output chunks; a big backlog is folded into the database afterwards
 * by a detached `exptrack _fold`.
 */
export async function runCommand(argv: readonly string[], proc: RunProcess): Promise<number> {
  const { io } = proc;
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack run: ${e.message}\nusage: exptrack run [--experiment E] [--name N] [--tag k=v]... -- <command...>\n`); return 2; }
    throw e;
  }
  const { dir: exptrackDir } = findStoreDir(io.cwd, io.env);
  const workspaceDir = path.basename(exptrackDir) === '.exptrack' ? path.dirname(exptrackDir) : io.cwd;
  const warn = (m: string): void => io.stderr(`exptrack: ${m}\n`);

  // The id and the channel file are made here, so the command starts before the recording thread has.
  const started = Date.now();
  const id = newRunId(started);
  try {
    ensureExptrackDir(exptrackDir);
    fs.mkdirSync(path.join(exptrackDir, 'runs', id), { recursive: true });
    fs.writeFileSync(path.join(exptrackDir, 'runs', id, 'metrics.jsonl'), '', { flag: 'a' });
  } catch { /* the recorder reports it */ }
  // One word with shell syntax in it (`exptrack run "python a.py | tee log"`) is a shell line.
  const command = args.command.length === 1 && /[\s|&;<>()$`*?~]/.test(args.command[0]) ? args.command[0] : args.command;
  // Named paths are looked at here, before the spawn: a command that writes its output within
  // milliseconds (`cp`, data prep) would otherwise have it noted as an input by the recording thread.
  let namedPaths: [string, PathState][] | undefined;
  try {
    namedPaths = snapshotNamedPaths(namedPathWords(analyzeCommand(command)), path.resolve(io.cwd), path.resolve(workspaceDir), [path.resolve(exptrackDir)]);
  } catch { /* the recorder looks at them itself */ }
  // The Python hook (params, opened files, interpreter of Python commands), unless turned off.
  const hookDir = io.env.EXPTRACK_PYTHON_HOOK === '0' || hookOffInConfig(exptrackDir) ? null : pythonHookDirBeside(path.dirname(proc.cliScript));
  let hookEnv: Record<string, string> = {};
  if (hookDir) {
    hookEnv = pythonHookEnv(hookDir, io.env, { workspaceDir: path.resolve(workspaceDir), cacheDir: path.join(exptrackDir, 'cache') });
    try { fs.mkdirSync(path.join(exptrackDir, 'cache'), { recursive: true }); } catch { /* then the hook lists no packages */ }
  }
  const inline = Number(io.env.EXPTRACK_INLINE_FOLD_BYTES);
  const feed = new WorkerRunFeed(proc.workerScript, {
    kind: 'exptrack-recorder',
    exptrackDir,
    workspaceDir,
    cliPath: proc.cliScript,
    parse: args.parse,
    git: args.git,
    env: args.env,
    wantRepeatHint: !args.quiet && proc.interactive,
    // Internal knobs for tests and the benchmark (docs/cli.md).
    inlineFoldBytes: io.env.EXPTRACK_INLINE_FOLD_BYTES && Number.isFinite(inline) ? inline : DEFAULT_INLINE_FOLD_BYTES,
    backgroundFold: io.env.EXPTRACK_BACKGROUND_FOLD !== '0',
    regressionCheckRequired: args.failOnRegression,
    request: { id, startedAt: started, command, cwd: io.cwd, experiment: args.experiment, name: args.name, tags: args.tags, env: { ...io.env }, namedPaths, pythonHook: hookDir !== null },
  }, warn, proc.outputWritten, hookEnv);

  let stdoutGone = false;
  let run: SpawnedRun<WorkerRunFeed> | undefined;
  // Inherit the terminal's process group when interactive, so Ctrl-C reaches the child exactly as if
  // it ran bare (and it may read the terminal); otherwise give it its own group and pass signals on.
  run = new SpawnedRun(feed, {
    command,
    cwd: io.cwd,
    source: 'cli',
    stdin: 'inherit',
    ownProcessGroup: !proc.interactive,
    color: proc.colorOutput,
    // Live Python output where a person watches it; piped or redirected, buffer as the bare command would.
    unbuffered: proc.colorOutput,
    columns: proc.columns,
    rows: proc.rows,
    // 1e6 lines in 8 KB blocks are ~4,500 reads, writes and wake-ups otherwise (and as many for
    // whatever reads our output): read them in bursts.
    paceReadsMs: READ_PACE_MS,
    onOutput: (chunk, stream) => {
      if (stream === 'stdout') {
        if (stdoutGone) return;
        if (!proc.writeStdout(chunk)) {
          // Like a bare command writing into a closed pipe (`| head`): it should see EPIPE too.
          stdoutGone = true;
          run?.closeStdout();
        }
      } else {
        proc.writeStderr(chunk);
      }
    },
  }, { ...process.env, ...io.env });

  const unsubscribe: (() => void)[] = [];
  let exited: ProcessExit | undefined;
  let stoppedBy: NodeJS.Signals | undefined;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
    unsubscribe.push(proc.onSignal(sig, () => {
      if (exited) {
        // The command is gone and exptrack is finishing the recording (waiting for disk space, say):
        // a signal now stops that, so exptrack always answers to Ctrl-C and kill.
        if (stoppedBy) return;
        stoppedBy = sig;
        warn(`${sig}: stopped finishing the recording of run ${id}; what was journaled is kept, the rest is lost`);
        feed.abandon({ exitCode: exited.exitCode, signal: exited.signal, interrupted: true });
        return;
      }
      // From a terminal, SIGINT and SIGQUIT already went to the whole foreground group: don't double them.
      if (proc.interactive && (sig === 'SIGINT' || sig === 'SIGQUIT')) run?.markInterrupted();
      else run?.kill(sig);
    }));
  }

  const exit = await run.exited;
  exited = exit;
  const end: RunEnd = await run.done;
  for (const u of unsubscribe) u();
  const result = feed.result;
  if (!args.quiet && proc.interactive && !exit.error) {
    io.stderr(`exptrack: ${end.status} ${result?.name ?? ''} (${id}) in ${formatDuration(end.endedAt - started)}, ${result?.metricCount ?? 0} metric points; exptrack show @last\n`);
    if (result?.repeats) io.stderr(result.repeats);
  }
  // Worse than the experiment's baseline: said on stderr always (CI logs), an exit code when asked.
  for (const line of result?.regressions ?? []) io.stderr(`exptrack: regression: ${line}; exptrack explain ${id}\n`);
  if (result?.regressionProblem) warn(result.regressionProblem);
  if (stoppedBy && !exit.signal && exit.exitCode === 0) return 128 + (os.constants.signals[stoppedBy] ?? 0);
  if (args.failOnRegression && exit.exitCode === 0 && !exit.signal && result?.regressions?.length) return REGRESSION_EXIT;
  if (exit.signal) return 128 + (os.constants.signals[exit.signal] ?? 0);
  return exit.exitCode ?? 1;
}
