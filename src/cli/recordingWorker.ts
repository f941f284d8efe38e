// The recording half of `exptrack run`, in a worker thread: the main thread spawns the command and
// passes its output on, and sends every chunk here (transferred, not copied) to be parsed, written
// to output.log and journaled. So the pass-through never waits on parsing or recording, and on a
// machine with a spare core the recording runs beside the command instead of after it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { gitTreeCodeIdentity } from '../core/lineage/gitTreeCodeIdentity';
import { LineageQueries } from '../core/lineage/lineageQueries';
import { storeSqlReader } from '../core/lineage/storeSqlReader';
import type { RunEnd } from '../core/model';
import type { ActiveRun } from '../core/recorder/activeRun';
import { DeferredSink } from '../core/recorder/deferredSink';
import { Recorder } from '../core/recorder/recorder';
import { readRecorderConfig } from '../core/recorder/recorderConfig';
import type { PathState } from '../core/recorder/pathState';
import type { RunExit } from '../core/recorder/recorderTypes';
import { createFoldLog } from '../core/store/backgroundFolds';
import { JournalAppender } from '../core/store/journalAppender';
import { fileSize } from '../core/store/journalReader';
import { Store } from '../core/store/store';
import { readMetricsConfig } from '../core/metrics/metricsConfig';
import { regressionLines } from '../core/explain/regressionCheck';
import { regressionOfRun } from '../core/explain/runRegression';

/** What the main thread tells the worker at start (structured-clone data only). */
export interface RecordingWorkerData {
  readonly kind: 'exptrack-recorder';
  readonly exptrackDir: string;
  readonly workspaceDir: string;
  /** dist/cli.js (or wherever this bundle is): what `exptrack _fold` runs from. */
  readonly cliPath: string;
  readonly parse: boolean;
  readonly git: boolean;
  readonly env: boolean;
  /** Look for an earlier identical run at the end (interactive, not quiet): needs the folded store. */
  readonly wantRepeatHint: boolean;
  /** Pending journal bytes up to which the fold happens here, before `exptrack run` returns. */
  readonly inlineFoldBytes: number;
  /** False leaves a big backlog to the next writer or reader (tests and the benchmark time the fold alone). */
  readonly backgroundFold: boolean;
  /** Compare with the experiment's baseline even when the fold is not done here (`--fail-on-regression`). */
  readonly regressionCheckRequired?: boolean;
  readonly request: {
    readonly id: string;
    readonly startedAt: number;
    readonly command: readonly string[] | string;
    readonly cwd: string;
    readonly experiment?: string;
    readonly name?: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly env: NodeJS.ProcessEnv;
    /** The named paths' states, taken on the main thread before the command started. */
    readonly namedPaths?: readonly (readonly [string, PathState])[];
    /** The command was given the Python hook. */
    readonly pythonHook?: boolean;
  };
}

export type ToRecordingWorker =
  | { readonly t: 'begin'; readonly pid?: number }
  /** Output in the order received: stream i's bytes are `b[i]`. */
  | { readonly t: 'out'; readonly s: readonly ('stdout' | 'stderr')[]; readonly b: readonly (Uint8Array | string)[] }
  | { readonly t: 'end'; readonly exit: RunExit };

export type FromRecordingWorker =
  | { readonly t: 'warn'; readonly m: string }
  | { readonly t: 'done'; readonly end: RunEnd; readonly name: string; readonly metricCount: number; readonly fold: 'inline' | 'background' | 'none'; readonly repeats?: string;
      /** Sentences of the regression check against the experiment's baseline; undefined when not checked. */
      readonly regressions?: readonly string[]; readonly regressionProblem?: string };


/**
 * Folding here also means loading and saving the whole database (sql.js keeps it in memory, ~2 ms
 * per MB to save): past this size even a small run's fold goes to the background.
 */
const INLINE_FOLD_MAX_DB_BYTES = 32 * 1024 * 1024;

/** Runs the recording for one `exptrack run`; messages come through `port`. */
export function runRecordingWorker(data: RecordingWorkerData, port: MessagePort): void {
  // On Linux the nice value belongs to the thread: the command (and the main thread passing its output
  // on) come first, recording takes what CPU is left. Elsewhere it would slow the whole process: skip.
  if (process.platform === 'linux') {
    try { os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL); } catch { /* not allowed: fine */ }
  }
  const post = (m: FromRecordingWorker): void => port.postMessage(m);
  const warn = (m: string): void => post({ t: 'warn', m });
  const { exptrackDir } = data;
  const { config, problems } = readRecorderConfig(exptrackDir);
  for (const p of problems) warn(p);
  let appender: JournalAppender | undefined;
  const discard = new DeferredSink();
  try {
    appender = JournalAppender.open(exptrackDir, { info: () => undefined, warn, error: warn });
  } catch (e) {
    discard.discard();
    warn(`not recording this run: ${(e as Error).message}`);
  }
  const recorder = new Recorder({
    ...config,
    sink: appender?.sink ?? discard,
    exptrackDir,
    workspaceDir: data.workspaceDir,
    logger: { warn },
    ...(data.parse ? {} : { createParser: null }),
    capture: { ...config.capture, ...(data.git ? {} : { git: false }), ...(data.env ? {} : { environment: false }) },
  });
  const r = data.request;
  let run: ActiveRun | undefined;
  const begin = (pid?: number): ActiveRun => {
    run ??= recorder.observe({ id: r.id, startedAt: r.startedAt, pid, command: r.command, cwd: r.cwd, source: 'cli', experiment: r.experiment, name: r.name, tags: r.tags, env: r.env, namedPaths: r.namedPaths, pythonHook: r.pythonHook });
    return run;
  };
  port.on('message', (m: ToRecordingWorker) => {
    if (m.t === 'begin') begin(m.pid);
    else if (m.t === 'out') {
      const active = begin();
      for (let i = 0; i < m.b.length; i++) active.output(m.b[i], m.s[i]);
    }
    else if (m.t === 'end') {
      const active = begin();
      void active.end(m.exit).then(async (end) => {
        // A full disk: wait (bounded) for space, then say what could not be written (docs/cli.md).
        const wait = Number(r.env.EXPTRACK_DISK_FULL_WAIT_MS);
        await appender?.closeWaitingForSpace(r.env.EXPTRACK_DISK_FULL_WAIT_MS && Number.isFinite(wait) ? wait : undefined);
        let fold: 'inline' | 'background' | 'none' = 'none';
        let repeats: string | undefined;
        let check: RegressionCheckResult | undefined;
        if (appender) {
          try {
            if (pendingJournalBytes(exptrackDir) <= data.inlineFoldBytes && fileSize(path.join(exptrackDir, 'exptrack.db')) <= INLINE_FOLD_MAX_DB_BYTES) {
              ({ repeats, check } = await foldHere(exptrackDir, warn, data.wantRepeatHint ? active.id : undefined, active.id));
              fold = 'inline';
            } else if (data.backgroundFold) {
              startBackgroundFold(data.cliPath, exptrackDir, r.env);
              fold = 'background';
            }
          } catch (e) {
            // The journal holds the run; the next writer or reader folds it.
            warn(`saving the run: ${(e as Error).message}`);
          }
        }
        if (!check && data.regressionCheckRequired) check = await checkInReadStore(exptrackDir, active.id, warn);
        post({ t: 'done', end, name: active.name, metricCount: active.metricCount, fold, repeats, regressions: check?.lines, regressionProblem: check?.problem });
        port.close();
      });
    }
  });
}

/** Bytes in `journal/*.jsonl`: what the next fold has to read. */
export function pendingJournalBytes(exptrackDir: string): number {
  const dir = path.join(exptrackDir, 'journal');
  let total = 0;
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return 0; }
  for (const n of names) {
    if (!n.endsWith('.jsonl')) continue;
    try { total += fs.statSync(path.join(dir, n)).size; } catch { /* folded and deleted meanwhile */ }
  }
  return total;
}

interface RegressionCheckResult {
  readonly lines: readonly string[];
  readonly problem?: string;
}

/** The run against its experiment's baseline (docs/explain.md); never throws. */
function regressionCheck(store: Store, exptrackDir: string, runId: string): RegressionCheckResult {
  try {
    const { config, problems } = readMetricsConfig(exptrackDir);
    const report = regressionOfRun(store, runId, config);
    return { lines: report ? regressionLines(report) : [], problem: problems.length ? problems.join('; ') : undefined };
  } catch (e) {
    return { lines: [], problem: `regression check: ${(e as Error).message}` };
  }
}

/** When the fold is left to the background: a read-only look (journals included) just for the check. */
async function checkInReadStore(exptrackDir: string, runId: string, warn: (m: string) => void): Promise<RegressionCheckResult> {
  try {
    const store = await Store.open(exptrackDir, { readOnly: true, logger: { info: () => undefined, warn, error: warn } });
    try { return regressionCheck(store, exptrackDir, runId); } finally { await store.close(); }
  } catch (e) {
    return { lines: [], problem: `regression check: ${(e as Error).message}` };
  }
}

/**
 * Folds and saves in this process; returns the "this run repeats ..." line when asked for one and the
 * regression check of `runId` (the store is open and folded anyway).
 */
async function foldHere(exptrackDir: string, warn: (m: string) => void, hintFor: string | undefined, runId: string): Promise<{ repeats?: string; check: RegressionCheckResult }> {
  const store = await Store.open(exptrackDir, { logger: { info: () => undefined, warn, error: warn } });
  let repeats: string | undefined;
  let check: RegressionCheckResult = { lines: [] };
  try {
    // A small store (this fold is for small ones) moves a schema-v2 store's points out of the catalog in a moment.
    await store.finishMigration(30_000);
    try {
      await store.flush();
      check = regressionCheck(store, exptrackDir, runId);
    } catch (e) {
      check = { lines: [], problem: `regression check: ${(e as Error).message}` };
    }
    if (hintFor) {
      try {
        const [hint] = new LineageQueries(storeSqlReader(store), gitTreeCodeIdentity()).duplicatesOf(hintFor, 1);
        if (hint) repeats = `exptrack: this run repeats ${hint.run.name} (${hint.reason})\n`;
      } catch { /* a hint, never a failure */ }
    }
  } finally {
    await store.close();
  }
  return { repeats, check };
}

/**
 * Starts `exptrack _fold <dir>` detached (its own session, no stdio, not waited for): it opens the
 * store as a writer, folds and saves, and exits. If another writer holds the lock it leaves the fold
 * to that one, as every writer does.
 */
export function startBackgroundFold(cliPath: string, exptrackDir: string, env: NodeJS.ProcessEnv): void {
  // Its stderr goes to a log it deletes once it has saved: if it dies (out of memory, killed), the
  // log stays and says so (doctor, the editor, the next exptrack run). See backgroundFolds.ts.
  let log: { file: string; fd: number } | undefined;
  try { log = createFoldLog(exptrackDir, `exptrack run (pid ${process.pid})`); } catch { /* no log (disk full): fold anyway */ }
  // Under the editor's Electron (exptrack in VS Code's terminals) the fold needs it to run as Node too.
  const base = process.versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : env;
  try {
    const child = spawn(process.execPath, [cliPath, '_fold', exptrackDir], {
      detached: true, stdio: ['ignore', 'ignore', log ? log.fd : 'ignore'], env: log ? { ...base, EXPTRACK_FOLD_LOG: log.file } : base, windowsHide: true,
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    if (log) fs.closeSync(log.fd);
  }
}
