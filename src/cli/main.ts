// The `exptrack` command line (dist/cli.js): dispatches to the command handlers. docs/cli.md has the
// full reference; helpText.ts the short one.
// This bundle holds `exptrack run`'s main thread and nothing else heavy: the command starts after
// ~26 KB of script is compiled. The other commands and the recording thread are in
// dist/cli-commands.js (commands.ts), loaded only when needed.
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { version } from '../../package.json';
import type { CliIo } from './cliIo';
import type * as Commands from './commands';
import { COMMAND_HELP, MAIN_HELP } from './helpText';
import { runCommand } from './runCommand';

/** The second bundle (commands.ts), next to this one. */
function commands(): typeof Commands {
  // A path esbuild leaves alone: the file is built beside this one, not into it.
  const file = path.join(__dirname, 'cli-commands.js');
  return require(file) as typeof Commands;
}

/** Runs one `exptrack` invocation against the real process and returns its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const io: CliIo = {
    cwd: process.cwd(),
    env: process.env,
    stdout: (s) => { process.stdout.write(s); },
    stderr: (s) => { process.stderr.write(s); },
  };
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(`${MAIN_HELP}\n`);
    return 2;
  }
  if (command === '-h' || command === '--help') {
    io.stdout(`${MAIN_HELP}\n`);
    return 0;
  }
  if (command === '-V' || command === '--version' || command === 'version') {
    io.stdout(`${version}\n`);
    return 0;
  }
  if (command === 'help') {
    const text = rest[0] === undefined ? MAIN_HELP : COMMAND_HELP[rest[0]];
    if (!text) { io.stderr(`exptrack: no such command "${rest[0]}" (exptrack --help lists them)\n`); return 2; }
    io.stdout(`${text}\n`);
    return 0;
  }
  // `CMD --help` before its own options (for run, only before the command to run).
  const helpAt = rest.findIndex((a) => a === '--help' || a === '-h' || a === '--');
  if (COMMAND_HELP[command] && helpAt >= 0 && rest[helpAt] !== '--' && (command !== 'run' || !rest.slice(0, helpAt).some((a) => !a.startsWith('-')))) {
    io.stdout(`${COMMAND_HELP[command]}\n`);
    return 0;
  }
  baselineWasmOnly(command);
  if (command === 'run') {
    return runCommand(rest, {
      io,
      writeStdout: writer(process.stdout),
      writeStderr: writer(process.stderr),
      interactive: process.stdin.isTTY === true,
      colorOutput: process.stdout.isTTY === true,
      columns: process.stdout.columns,
      rows: process.stdout.rows,
      workerScript: path.join(__dirname, 'cli-commands.js'),
      cliScript: __filename,
      outputWritten: () => process.stdout.writableLength === 0 && process.stderr.writableLength === 0,
      onSignal: (signal, handler) => { process.on(signal, handler); return () => { process.off(signal, handler); }; },
    });
  }
  // `exptrack ls | head`: once the reader is gone, stop quietly as a Unix tool does (killed by
  // SIGPIPE: 141), instead of an EPIPE stack trace. (`run` handles its own: the command must see it.)
  exitQuietlyOnBrokenPipe(process.stdout);
  exitQuietlyOnBrokenPipe(process.stderr);
  if (command === 'parse') return commands().parseCommand(rest, io, process.stdin);
  if (command === '_fold') return commands().foldCommand(rest);
  const { QUERY_COMMANDS } = commands();
  const query = Object.hasOwn(QUERY_COMMANDS, command) ? QUERY_COMMANDS[command] : undefined;
  if (query) return (await query())(rest, io);
  io.stderr(`exptrack: unknown command "${command}" (exptrack --help lists the commands)\n`);
  return 2;
}

/** Commands that spend seconds in sql.js (a big backlog or a schema-v2 store's migration, an import). */
const LONG_SQL_COMMANDS = new Set(['_fold', 'import']);

/**
 * V8 compiles sql.js's hot wasm functions again, optimized, on background threads, and a process cannot
 * exit before those compilations finish: SQLite's interpreter loop alone kept `exptrack ls` alive
 * ~250 ms after its last line (0.55 s -> 0.27 s wall, 105 -> 65 MB, and a small `exptrack run` 1.17 ->
 * 0.77 s, measured on 2 cores). Commands that do little SQL run on the baseline compiler only.
 */
function baselineWasmOnly(command: string): void {
  if (!LONG_SQL_COMMANDS.has(command)) setFlagsFromString('--liftoff-only');
}

/** Exit code of a process killed by SIGPIPE, as a shell reports it. */
const SIGPIPE_EXIT = 128 + 13;

function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(SIGPIPE_EXIT);
    throw e;
  });
}

/** A raw byte writer that reports (instead of throwing) once the stream is gone. */
function writer(stream: NodeJS.WriteStream): (chunk: Buffer) => boolean {
  let gone = false;
  stream.on('error', () => { gone = true; });
  return (chunk) => {
    if (gone) return false;
    try { stream.write(chunk); } catch { gone = true; }
    return !gone;
  };
}

if (require.main === module) {
  // Run by the editor's own Electron as Node (dist/bin/exptrack in VS Code's terminals): the variable
  // that makes it Node must not reach what exptrack starts (an Electron app would start as Node).
  if (process.versions.electron) delete process.env.ELECTRON_RUN_AS_NODE;
  main(process.argv.slice(2)).then((code) => {
    // Let stdout drain (a pipe), then leave even if a helper (pip freeze, git) is still running.
    process.exitCode = code;
    const leave = (): never => process.exit(code);
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', leave);
    else setImmediate(leave);
  }, (e: Error) => {
    process.stderr.write(`exptrack: ${e.message}\n`);
    process.exit(1);
  });
}
