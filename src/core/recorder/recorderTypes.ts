// The shapes the recorder's users (CLI, tasks, terminals) and its collaborators (the stdout metric
// parser, a logger) meet it with. Plain data, no behaviour.
import type { MetricBatch } from '../metrics/metricBatch';
import type { RecordSink } from '../model';
import type { UntrackedLimits } from './gitSnapshot';

/** A metric found in console output; `step` null when the line did not say. */
export interface ParsedMetricLike {
  readonly key: string;
  readonly value: number;
  readonly step?: number | null;
  readonly time?: number;
}

/** The stdout parser as the recorder uses it (src/core/metrics/metricParser.ts fits). */
export interface MetricLineParser {
  push(chunk: string | Uint8Array): readonly ParsedMetricLike[];
  end(): readonly ParsedMetricLike[];
  /** As push() and end(), the points going into a batch instead (MetricParser has them): the hot path. */
  pushInto?(chunk: string | Uint8Array, batch: MetricBatch): void;
  endInto?(batch: MetricBatch): void;
  /** Counters such as `skippedLongLines` (MetricParser has them); summed into the run's tags. */
  readonly stats?: Readonly<Record<string, number>>;
}

/** Where the recorder reports problems it survives (a bad config file, git failing...). */
export interface RecorderLogger {
  warn(message: string): void;
  info?(message: string): void;
}

/** What turns on and tunes a recorder; one per workspace folder. */
export interface RecorderOptions {
  readonly sink: RecordSink;
  /** `<workspace>/.exptrack`: run folders go to `runs/<id>/`, caches to `cache/`. */
  readonly exptrackDir: string;
  /** Artifact paths are made relative to it, and the output globs apply under it. */
  readonly workspaceDir: string;
  readonly logger?: RecorderLogger;
  /** Clock, ms since the epoch (tests pin it). */
  readonly now?: () => number;
  /** A stdout parser per output stream; null turns console parsing off. */
  readonly createParser?: (() => MetricLineParser) | null;
  /** Cap of output.log in bytes (default 64 MiB: the first and last halves are kept). */
  readonly outputLimitBytes?: number;
  /** Globs (relative to the workspace) of files that are outputs when created or changed by a run. */
  readonly outputGlobs?: readonly string[];
  /** Extra environment variable names to record (`FOO`, or a prefix `FOO_*`). */
  readonly envAllowList?: readonly string[];
  /** Turn parts of the capture off (all on by default). */
  readonly capture?: { readonly environment?: boolean; readonly packages?: boolean; readonly git?: boolean; readonly artifacts?: boolean; readonly pythonHook?: boolean };
  /**
   * The folder of the Python hook (dist/python-hook): processes the recorder spawns get it on
   * PYTHONPATH (see pythonHook.ts), unless `capture.pythonHook` is false. Absent: no hook.
   */
  readonly pythonHookDir?: string | null;
  readonly untrackedLimits?: Partial<UntrackedLimits>;
  /** Files bigger than this are recorded without a hash (default 8 GiB). */
  readonly maxHashBytes?: number;
  /** How long the end of a run waits for environment and git capture still under way (default 15 s). */
  readonly finishTimeoutMs?: number;
  /** Follows large artifact files being hashed (streamed, in the background), for a progress display. */
  readonly onHashProgress?: (progress: { readonly runId: string; readonly path: string; readonly bytesDone: number; readonly bytesTotal: number }) => void;
  /** How often the structured-channel file is read while a run goes (default 250 ms). */
  readonly pollMs?: number;
}

/** One run to record. */
export interface RunRequest {
  /** argv (CLI, tasks) or one shell line (terminals, `shell: true` tasks). */
  readonly command: readonly string[] | string;
  readonly cwd: string;
  readonly experiment?: string;
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** What captured it: `cli`, `task`, `terminal`. */
  readonly source: string;
  /**
   * Spawned runs: variables added to this process's environment for the child. Observed runs: what
   * is known of the terminal's environment (used to find its python; default this process's).
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** How a run ended, as its owner saw it. */
export interface RunExit {
  /** null when unknown (the terminal closed, shell integration lost): recorded as interrupted. */
  readonly exitCode: number | null;
  readonly signal?: string | null;
  /** The user asked it to stop (Ctrl-C, Stop in the editor): recorded as killed. */
  readonly interrupted?: boolean;
}
