// The `exptrack` command line (dist/cli.js): dispatches to the command handlers. docs/cli.md has the
// full reference; helpText.ts the short one.
// Commands are loaded when used (dynamic imports stay lazy in the bundle): `exptrack run` starts the
// command before sql.js, the lineage code or the recorder are even evaluated.
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { version } from '../../package.json';
import type { CliIo } from './cliIo';
import { COMMAND_HELP, MAIN_HELP } from './helpText';
import type { RecordingWorkerData } from './recordingWorker';

type QueryCommand = (argv: string[], io: CliIo) => Promise<number>;
const QUERY_COMMANDS: Readonly<Record<string, () => Promise<QueryCommand>>> = {
  ls: async () => (await import('./queryCommands')).ls,
  show: async () => (await import('./queryCommands')).show,
  compare: async () => (await import('./queryCommands')).compare,
  export: async () => (await import('./queryCommands')).exportRuns,
  doctor: async () => (await import('./queryCommands')).doctor,
  lineage: async () => (await import('./lineageCommand')).lineage,
};

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
  if (command === 'run') {
    const { runCommand } = await import('./runCommand');
    return runCommand(rest, {
      io,
      writeStdout: writer(process.stdout),
      writeStderr: writer(process.stderr),
      interactive: process.stdin.isTTY === true,
      colorOutput: process.stdout.isTTY === true,
      columns: process.stdout.columns,
      rows: process.stdout.rows,
      workerScript: __filename,
      outputWritten: () => process.stdout.writableLength === 0 && process.stderr.writableLength === 0,
      onSignal: (signal, handler) => { process.on(signal, handler); return () => { process.off(signal, handler); }; },
    });
  }
  if (command === 'parse') return (await import('./parseCommand')).parseCommand(rest, io, process.stdin);
  if (command === '_fold') return foldCommand(rest);
  const query = QUERY_COMMANDS[command];
  if (query) return (await query())(rest, io);
  io.stderr(`exptrack: unknown command "${command}" (exptrack --help lists the commands)\n`);
  return 2;
}

/**
 * `exptrack _fold DIR` (hidden; started detached by `exptrack run` after a big run): opens the store
 * as a writer, folds every pending journal, saves and exits. Holding the lock is not required: if
 * another writer has it, that one folds, as always.
 */
async function foldCommand(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1) return 2;
  const dir = path.resolve(argv[0]);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const { lockPath, lockState } = await import('../core/store/storeLock');
  // Another writer folding now (the previous run's fold in a sweep): opening the store meanwhile
  // would load the whole database only to find the lock taken and leave this run's journal for
  // later. Wait for that fold instead (a stale lock is broken by Store.open as always).
  for (const until = Date.now() + FOLD_WAIT_MS; Date.now() < until;) {
    const state = lockState(lockPath(dir));
    if (!state || state.stale) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const { Store } = await import('../core/store/store');
  const store = await Store.open(dir, { logger: quiet });
  await store.close();
  return 0;
}

/** How long `exptrack _fold` waits for another writer's fold to end before folding anyway. */
const FOLD_WAIT_MS = 10 * 60_000;

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

const recorderData = isMainThread ? undefined : (workerData as RecordingWorkerData | undefined);
if (recorderData?.kind === 'exptrack-recorder' && parentPort) {
  const port = parentPort;
  void import('./recordingWorker').then((m) => m.runRecordingWorker(recorderData, port));
} else if (require.main === module) {
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
