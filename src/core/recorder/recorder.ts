import { MetricParser } from '../metrics/metricParser';
import { readParserConfig } from '../metrics/parserConfig';
import type { MetricParserOptions } from '../metrics/metricParser';
import { ActiveRun } from './activeRun';
import type { HookSpool } from './hookSpool';
import type { PathState } from './pathState';
import type { RecorderOptions, RunRequest } from './recorderTypes';
import { SpawnedRun, type SpawnRequest } from './spawnedRun';

/** A run whose process someone else owns (a terminal command seen through shell integration). */
export interface ObserveRequest extends RunRequest {
  /**
   * The terminal's own structured-channel file (EXPTRACK_METRICS_FILE given to the whole terminal):
   * lines appended to it while this run goes are attributed to it.
   */
  readonly metricsFile?: string;
  /** When the command started, if before the recorder was told (ms since the epoch). */
  readonly startedAt?: number;
  readonly pid?: number;
  /**
   * The run id, when the process was started elsewhere with it already (the CLI spawns on its main
   * thread and records in a worker); `runs/<id>/metrics.jsonl` is then expected to exist.
   */
  readonly id?: string;
  /** Named paths' states taken before the process started (see ActiveRunSetup). */
  readonly namedPaths?: readonly (readonly [string, PathState])[];
  /** Changes from this time on count as the run's (it may have started before the recorder was told). */
  readonly modifiedSince?: number;
  /** The process was started with the Python hook (the CLI's main thread gave it): wait for its reports. */
  readonly pythonHook?: boolean;
  /** A terminal's hook spool: report files of its processes started since `notBefore` are this run's. */
  readonly hookSpool?: HookSpool;
}

/**
 * Records runs for one workspace folder. Two ways in:
 * - {@link spawn}: the recorder starts the process (CLI, exptrack tasks). It hands every output chunk
 *   to `onOutput` unchanged (a pseudo-terminal shows it), takes input through `write`, stops it with
 *   `interrupt`/`kill`, and records the exit by itself.
 * - {@link observe}: someone else runs it (a terminal). The caller passes output chunks as they stream
 *   (`run.output(chunk)`) and the exit at the end (`run.end({exitCode})`, null when unknown).
 * Either way the run gets EXPTRACK_RUN_ID and EXPTRACK_METRICS_FILE (spawned runs in their
 * environment; observers read them from `run.channelEnv`), and `run.done` resolves when all is recorded.
 */
export class Recorder {
  private readonly live = new Set<ActiveRun>();
  private readonly spawned = new Set<SpawnedRun>();

  private readonly options: RecorderOptions;

  /**
   * `options.createParser` left undefined gives the built-in console parser configured from
   * `<exptrackDir>/config.json` (a bad config is reported and the built-in rules used); null turns
   * console parsing off.
   */
  constructor(options: RecorderOptions) {
    if (options.createParser !== undefined) {
      this.options = options;
    } else {
      let parserOptions: MetricParserOptions = {};
      try {
        parserOptions = readParserConfig(options.exptrackDir);
      } catch (e) {
        options.logger?.warn(`[recorder] ${(e as Error).message}; using the built-in metric rules`);
      }
      const now = options.now;
      this.options = { ...options, createParser: () => new MetricParser({ ...parserOptions, ...(now ? { now } : {}) }) };
    }
  }

  /** Starts `request.command` and records it. Never throws: a command that cannot start is a failed run. */
  spawn(request: SpawnRequest): SpawnedRun {
    const baseEnv = { ...process.env, ...(request.env ?? {}) };
    const run = this.track(new ActiveRun(this.options, request, { processEnv: baseEnv }));
    const spawned = new SpawnedRun(run, request, baseEnv);
    this.spawned.add(spawned);
    void run.done.finally(() => this.spawned.delete(spawned));
    return spawned;
  }

  /** Starts recording a process someone else runs; feed it with `output()` and `end()`. */
  observe(request: ObserveRequest): ActiveRun {
    const run = this.track(new ActiveRun(this.options, request, {
      processEnv: request.env ?? process.env,
      observed: true,
      sharedMetricsFile: request.metricsFile,
      startedAt: request.startedAt,
      id: request.id,
      namedPaths: request.namedPaths,
      modifiedSince: request.modifiedSince,
      pythonHook: request.pythonHook,
      hookSpool: request.hookSpool,
    }));
    run.begin(request.pid);
    return run;
  }

  /** Runs still being recorded. */
  get activeRuns(): readonly ActiveRun[] {
    return [...this.live];
  }

  /**
   * The editor is closing: processes the recorder started get SIGTERM (recorded as killed; after 3 s
   * without an exit, as interrupted); observed runs still going end as interrupted (their exit will
   * not be seen). Resolves when every recording is finished.
   */
  async dispose(): Promise<void> {
    const owned = new Set([...this.spawned].map((s) => s.run));
    for (const s of this.spawned) s.kill('SIGTERM');
    await Promise.allSettled([...this.live].map(async (r) => {
      if (owned.has(r)) {
        let timer: NodeJS.Timeout | undefined;
        const gone = await Promise.race([r.done.then(() => true), new Promise<boolean>((res) => { timer = setTimeout(() => res(false), 3000); })]);
        if (timer) clearTimeout(timer);
        if (gone) return;
      }
      await r.end({ exitCode: null });
    }));
  }

  private track(run: ActiveRun): ActiveRun {
    this.live.add(run);
    void run.done.finally(() => this.live.delete(run));
    return run;
  }
}
