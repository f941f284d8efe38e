// Everything of the `exptrack` command line except `run`'s own thread, bundled apart as
// dist/cli-commands.js: the query commands, `parse`, `_fold`, and the recording worker. dist/cli.js
// (main.ts) stays small so that `exptrack run` starts the command after compiling ~26 KB instead of
// the whole CLI (~20 ms on a slow machine); it loads this file only for the other commands, and the
// recording thread of `exptrack run` runs from it.
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { CliIo } from './cliIo';
import type { RecordingWorkerData } from './recordingWorker';

export type CommandHandler = (argv: string[], io: CliIo) => Promise<number>;

export const QUERY_COMMANDS: Readonly<Record<string, () => Promise<CommandHandler>>> = {
  ls: async () => (await import('./queryCommands')).ls,
  show: async () => (await import('./queryCommands')).show,
  compare: async () => (await import('./queryCommands')).compare,
  export: async () => (await import('./queryCommands')).exportRuns,
  doctor: async () => (await import('./queryCommands')).doctor,
  lineage: async () => (await import('./lineageCommand')).lineage,
  import: async () => (await import('./importCommand')).importRuns,
  explain: async () => (await import('./explainCommand')).explain,
  baseline: async () => (await import('./explainCommand')).baseline,
};

export async function parseCommand(argv: readonly string[], io: CliIo, stdin: NodeJS.ReadableStream): Promise<number> {
  return (await import('./parseCommand')).parseCommand(argv, io, stdin);
}

/**
 * `exptrack _fold DIR` (hidden; started detached by `exptrack run` after a big run): opens the store
 * as a writer, folds every pending journal, saves and exits; unless the editor has the store open,
 * which folds them itself. Holding the lock is not required: if another writer has it, that one
 * folds, as always.
 */
export async function foldCommand(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1) return 2;
  const dir = path.resolve(argv[0]);
  // Started by `exptrack run`, stderr is a log (backgroundFolds.ts) deleted once this fold has saved:
  // if this process dies (out of memory, killed), the log stays and says so.
  const logFile = process.env.EXPTRACK_FOLD_LOG;
  const { foldLogHeader } = await import('../core/store/backgroundFolds');
  const say = (m: string): void => { try { process.stderr.write(`${new Date().toISOString()} ${m}\n`); } catch { /* no stderr */ } };
  if (logFile) { try { process.stderr.write(foldLogHeader()); } catch { /* no stderr */ } }
  let failed = false;
  const logger = { info: () => undefined, warn: (m: string) => say(`warning: ${m}`), error: (m: string) => { failed = true; say(`error: ${m}`); } };
  try {
    // The editor has this store open: it folds the journal anyway, within a second, into the database
    // it holds. Folding here would load and save the whole file (seconds for a big one) and make the
    // editor load it all again.
    const { liveFoldingWriter } = await import('../core/store/journalReader');
    if (!liveFoldingWriter(dir)) {
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
      const store = await Store.open(dir, { logger, reportFailedFolds: false });
      try {
        // A schema-v2 store: this background process moves its points out of the catalog too.
        await store.finishMigration();
      } finally {
        await store.close();
      }
    }
  } catch (e) {
    say(`error: ${(e as Error).stack ?? e}`);
    return 1;
  }
  if (failed) return 1;
  if (logFile) { try { fs.unlinkSync(logFile); } catch { /* already gone */ } }
  return 0;
}

/** How long `exptrack _fold` waits for another writer's fold to end before folding anyway. */
const FOLD_WAIT_MS = 10 * 60_000;

// Loaded as the recording thread of `exptrack run` (see workerRunFeed.ts).
const recorderData = isMainThread ? undefined : (workerData as RecordingWorkerData | undefined);
if (recorderData?.kind === 'exptrack-recorder' && parentPort) {
  const port = parentPort;
  void import('./recordingWorker').then((m) => m.runRecordingWorker(recorderData, port));
}
