import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricBatch, pointsOf } from '../metrics/metricBatch';
import type { ArtifactRole, MetricPoint, ParamValue, RecordSink, RunEnd, RunStatus } from '../model';
import { ensureExptrackDir } from '../store/exptrackDir';
import { ArtifactTracker, DEFAULT_OUTPUT_GLOBS } from './artifactTracker';
import { parseArgvParams } from './argvParams';
import { readCodeFiles } from './codeFiles';
import { analyzeCommand, type CommandAnalysis } from './commandAnalysis';
import { isConfigFileName, namedConfigFiles, readConfigParams } from './configParams';
import { allowListedEnv, collectGpus, collectHostInfo } from './environmentInfo';
import { FileHasher } from './fileHasher';
import { captureGit } from './gitSnapshot';
import { MetricsFileTailer } from './metricsFileTailer';
import { SpoolFollower, type HookSpool } from './hookSpool';
import { OutputLog } from './outputLog';
import { namedPathWords, type PathState } from './pathState';
import { pythonHookEnv } from './pythonHook';
import { cachedPackages, findWorkspaceVenvPython, listPackages, probePythonCached, pythonInfoOf, resolvePythonWord, type PythonInfo } from './pythonInfo';
import type { MetricLineParser, ParsedMetricLike, RecorderOptions, RunExit, RunRequest } from './recorderTypes';
import { newRunId } from './runId';
import { newRunName } from './runName';
import { isCredentialFile, leftOutTags, type LeftOutFile } from './secretFiles';
import { redactArgv, redactCommandLine, redactParams, redactText } from './secrets';
import { shellQuote } from './shellWords';
import { parseStructuredLine, type HookRecord, type StructuredRecord } from './structuredLine';

const FLUSH_POINTS = 5000;
/** Console points go to the sink in batches of this many (a journal record's most). */
const BATCH_POINTS = 1000;
const FLUSH_MS = 100;
const MAX_CARRY = 1024 * 1024;
const STRUCTURED_MARKERS = [Buffer.from('"params"'), Buffer.from('"tags"'), Buffer.from('"artifact')];
const signalsByNumber: Record<number, string> = Object.fromEntries(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/** Extra inputs of an {@link ActiveRun}, beyond the request. */
export interface ActiveRunSetup {
  /** Per-terminal structured-channel file to follow from its current end (observed runs). */
  readonly sharedMetricsFile?: string;
  /** The process is someone else's and its environment unknown (a terminal): look for the workspace venv. */
  readonly observed?: boolean;
  /** Start time when the run began before the recorder heard of it. */
  readonly startedAt?: number;
  /** The process environment to read python and allow-listed variables from. */
  readonly processEnv: NodeJS.ProcessEnv;
  /** The run id when another thread made it already (and gave the process its channel variables). */
  readonly id?: string;
  /** Named paths' states taken before the process started (the CLI's main thread does it before spawning). */
  readonly namedPaths?: readonly (readonly [string, PathState])[];
  /** The process may have started before the recorder heard of it: changes from then on are the run's. */
  readonly modifiedSince?: number;
  /** The process has the Python hook (its reports come on the channel): wait for its interpreter. */
  readonly pythonHook?: boolean;
  /** A terminal's hook spool: its processes' report files are followed as this run's channel. */
  readonly hookSpool?: HookSpool;
}

/** Which source set a param: a later source of the same or a higher rank replaces it, a lower one does not. */
const RANK = { config: 1, commandLine: 2, declared: 3, argparse: 3, resolved: 4 } as const;
/** Most configs opened by a run (seen by the hook) read for params; they must also be small, as settings are. */
const MAX_OPENED_CONFIGS = 16;
const MAX_OPENED_CONFIG_BYTES = 256 * 1024;
/** Files a run writes that hold its resolved hyperparameters: Lightning's and Hydra's. */
const RESOLVED_CONFIG_RE = /(?:^|[\\/])(?:hparams\.ya?ml|\.hydra[\\/]config\.yaml)$/;

/**
 * The recording of one run, whoever owns its process: it turns what it is told (output chunks as they
 * arrive, then the exit) into sink calls, and gathers on its own the params, the structured channel,
 * the environment, git and artifacts. Made by `Recorder.spawn` (which feeds it) or `Recorder.observe`
 * (whose caller feeds it through {@link output} and {@link end}). Bad input never throws out of it.
 */
export class ActiveRun {
  /** Sortable unique id (see newRunId). */
  readonly id: string;
  readonly experiment: string;
  readonly name: string;
  /** The command as recorded (secrets redacted). */
  readonly command: string;
  readonly cwd: string;
  readonly startedAt: number;
  /** `<exptrackDir>/runs/<id>`: output.log and metrics.jsonl. */
  readonly runDir: string;
  readonly outputFile: string;
  /** The structured channel a script may append JSON lines to (`EXPTRACK_METRICS_FILE`). */
  readonly metricsFile: string;
  /** Variables to give the process: EXPTRACK_RUN_ID and EXPTRACK_METRICS_FILE. */
  readonly channelEnv: Readonly<Record<string, string>>;
  /** Resolves once everything about the run is handed to the sink. */
  readonly done: Promise<RunEnd>;
  /** The analysis of the command (entry script, python, script args). */
  readonly analysis: CommandAnalysis;

  private status: RunStatus = 'running';
  private readonly sink: RecordSink;
  private readonly log: OutputLog | null;
  private readonly parsers = new Map<string, MetricLineParser>();
  private readonly carries = new Map<string, Buffer>();
  private readonly tailers: { start(intervalMs: number): void; finish(): void }[] = [];
  private readonly tracker: ArtifactTracker | null;
  private readonly declared: { path: string; role: ArtifactRole | null }[] = [];
  private readonly steps = new Map<string, number>();
  private readonly background: Promise<unknown>[] = [];
  private readonly listeners = new Set<(points: readonly MetricPoint[]) => void>();
  private pending: MetricPoint[] = [];
  /** Points the console parser found, in columns (the hot path: no object per point). */
  private readonly batch = new MetricBatch(BATCH_POINTS, () => this.flushBatch());
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private resolveDone!: (end: RunEnd) => void;
  private readonly now: () => number;
  private environment: Record<string, unknown> = {};
  private pointCount = 0;
  private begun = false;
  private configFiles: string[] = [];
  private credentialConfigs: string[] = [];
  private stopRequested = false;
  private readonly paramRanks = new Map<string, number>();
  /** Configs the process opened (the hook), read for params, and files it wrote that resolve params. */
  private readonly openedConfigs = new Set<string>();
  private readonly resolvedConfigs = new Set<string>();
  private hookPython: PythonInfo | null = null;
  private readonly hookPythonSeen: Promise<PythonInfo | null>;
  private resolveHookPython!: (info: PythonInfo | null) => void;
  /** Resolves once the process's output and channel are read to the end. */
  private readonly channelRead: Promise<void>;
  private resolveChannelRead!: () => void;

  constructor(private readonly options: RecorderOptions, private readonly request: RunRequest, private readonly setup: ActiveRunSetup) {
    this.now = options.now ?? Date.now;
    this.sink = options.sink;
    this.startedAt = setup.startedAt ?? this.now();
    this.id = setup.id ?? newRunId(this.startedAt);
    this.cwd = path.resolve(request.cwd);
    this.analysis = analyzeCommand(request.command);
    this.command = typeof request.command === 'string' ? redactCommandLine(request.command) : joinArgv(redactArgv(request.command));
    this.experiment = request.experiment?.trim() || defaultExperiment(this.analysis);
    this.name = request.name?.trim() || newRunName();
    this.runDir = path.join(options.exptrackDir, 'runs', this.id);
    this.outputFile = path.join(this.runDir, 'output.log');
    this.metricsFile = path.join(this.runDir, 'metrics.jsonl');
    const hookDir = options.capture?.pythonHook === false ? null : options.pythonHookDir ?? null;
    this.channelEnv = {
      EXPTRACK_RUN_ID: this.id, EXPTRACK_METRICS_FILE: this.metricsFile,
      ...(hookDir ? pythonHookEnv(hookDir, setup.processEnv, { workspaceDir: path.resolve(options.workspaceDir), cacheDir: path.join(options.exptrackDir, 'cache') }) : {}),
    };
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    this.hookPythonSeen = new Promise((resolve) => { this.resolveHookPython = resolve; });
    this.channelRead = new Promise((resolve) => { this.resolveChannelRead = resolve; });
    if (!hookDir && !setup.pythonHook && !setup.hookSpool) this.resolveHookPython(null);

    let log: OutputLog | null = null;
    try {
      ensureExptrackDir(options.exptrackDir);
      fs.mkdirSync(this.runDir, { recursive: true });
      MetricsFileTailer.create(this.metricsFile);
      log = new OutputLog(this.outputFile, options.outputLimitBytes, (e) => this.warn(`output.log: ${e.message}`), () => {
        // The run folder was deleted under the run (`rm -rf .exptrack`): make it again, channel included.
        ensureExptrackDir(options.exptrackDir);
        fs.mkdirSync(this.runDir, { recursive: true });
        MetricsFileTailer.create(this.metricsFile);
      });
      // The hook lists the environment's packages into the cache at exit: only into a folder that exists.
      if (hookDir) fs.mkdirSync(path.join(options.exptrackDir, 'cache'), { recursive: true });
    } catch (e) {
      this.warn(`cannot write the run folder ${this.runDir}: ${(e as Error).message}`);
    }
    this.log = log;
    const channelProblem = (m: string): void => this.warn(m);
    this.tailers.push(new MetricsFileTailer(this.metricsFile, (line) => this.structuredLine(line, true), 0, channelProblem));
    if (setup.sharedMetricsFile) {
      this.tailers.push(new MetricsFileTailer(setup.sharedMetricsFile, (line) => this.structuredLine(line, true), MetricsFileTailer.sizeOf(setup.sharedMetricsFile), channelProblem));
    }
    if (setup.hookSpool) this.tailers.push(new SpoolFollower(setup.hookSpool, (line) => this.structuredLine(line, true)));

    // Paths named on the command line are looked at now, before the process can change them.
    let tracker: ArtifactTracker | null = null;
    if (options.capture?.artifacts !== false) {
      try {
        const hasher = new FileHasher(path.join(options.exptrackDir, 'cache', 'hashes.jsonl'), options.maxHashBytes);
        tracker = new ArtifactTracker(this.cwd, path.resolve(options.workspaceDir), hasher, options.outputGlobs ?? DEFAULT_OUTPUT_GLOBS, [path.resolve(options.exptrackDir)],
          options.onHashProgress && ((p) => options.onHashProgress?.({ runId: this.id, ...p })));
        if (setup.namedPaths) tracker.adoptNamedPaths(setup.namedPaths, this.startedAt, setup.modifiedSince);
        else tracker.noteNamedPaths(namedPathWords(this.analysis), this.startedAt, setup.modifiedSince);
      } catch (e) {
        this.warn(`artifacts: ${(e as Error).message}`);
      }
    }
    this.tracker = tracker;
  }

  /** The run's status so far. */
  get currentStatus(): RunStatus {
    return this.status;
  }

  /** Metric points recorded so far. */
  get metricCount(): number {
    return this.pointCount;
  }

  /** Called with every batch of metric points as it is recorded (for live views); returns an unsubscribe. */
  onMetrics(listener: (points: readonly MetricPoint[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells the sink the run started and starts the capture that goes on beside the process: params and
   * config files, the structured channel, environment, packages, git. Call right after the process
   * started (its pid when known). Idempotent.
   */
  begin(pid?: number): void {
    if (this.begun) return;
    this.begun = true;
    this.guard('start', () => this.sink.startRun({ id: this.id, experiment: this.experiment, name: this.name, command: this.command, cwd: this.cwd, startedAt: this.startedAt, source: this.request.source, pid, host: collectHostInfo().host }));
    const tags: Record<string, string> = { ...(this.request.tags ?? {}) };
    const parent = this.setup.processEnv.EXPTRACK_RUN_ID;
    if (parent && parent !== this.id && !tags['exptrack.parentRun']) tags['exptrack.parentRun'] = parent;
    if (Object.keys(tags).length) this.guard('tags', () => this.sink.tags(this.id, tags));
    this.guard('params', () => this.recordParams());
    for (const t of this.tailers) t.start(this.options.pollMs ?? 250);
    this.tracker?.hashInputsInBackground();
    if (this.options.capture?.environment !== false) this.background.push(this.captureEnvironment());
    if (this.options.capture?.git !== false) this.background.push(this.captureCode());
  }


  /** Console output as it arrives, stdout and stderr interleaved as received. */
  output(chunk: Uint8Array | string, stream: 'stdout' | 'stderr' | 'terminal' = 'stdout'): void {
    if (this.ending) return;
    try {
      this.log?.write(chunk);
      const parser = this.parserFor(stream);
      if (parser?.pushInto) {
        parser.pushInto(chunk, this.batch);
        if (this.batch.length) this.scheduleFlush();
      } else if (parser) {
        const found = parser.push(chunk);
        if (found.length) this.addParsed(found);
      }
      this.scanStructured(chunk, stream);
    } catch (e) {
      this.warn(`output: ${(e as Error).message}`);
    }
  }

  /**
   * The process ended: finishes parsing, the structured channel, output.log and artifacts, waits (up to
   * `finishTimeoutMs`) for environment and git capture, then records the end. Idempotent: later calls
   * get the same promise.
   */
  end(exit: RunExit): Promise<RunEnd> {
    if (this.ending) return this.done;
    this.ending = true;
    const endedAt = this.now();
    const status = statusOf(exit);
    this.stopRequested = exit.interrupted === true;
    const signal = exit.signal ?? (status === 'killed' && exit.exitCode !== null && exit.exitCode > 128 ? signalsByNumber[exit.exitCode - 128] ?? null : null);
    void this.finish({ endedAt, exitCode: exit.exitCode, signal: signal ?? null, status });
    return this.done;
  }

  private async finish(end: RunEnd): Promise<void> {
    try {
      await this.wrapUp();
    } catch (e) {
      // Whatever went wrong above, the run still gets its end and `done` resolves.
      this.warn(`finishing: ${(e as Error).message}`);
    }
    this.flushMetrics();
    this.status = end.status;
    if (this.stopRequested && end.status === 'finished') this.guard('tags', () => this.sink.tags(this.id, { 'exptrack.stopRequested': 'true' }));
    this.guard('end', () => this.sink.endRun(this.id, end));
    this.resolveDone(end);
  }

  private async wrapUp(): Promise<void> {
    if (!this.begun) this.begin();
    let skippedLongLines = 0;
    for (const [stream, parser] of this.parsers) {
      try {
        if (parser.endInto) parser.endInto(this.batch);
        else { const rest = parser.end(); if (rest.length) this.addParsed(rest); }
      } catch (e) { this.warn(`parser (${stream}): ${(e as Error).message}`); }
      skippedLongLines += parser.stats?.skippedLongLines ?? 0;
    }
    // Over-long lines are skipped by the parser (bounded memory); `exptrack doctor` counts them.
    if (skippedLongLines > 0) this.guard('tags', () => this.sink.tags(this.id, { 'exptrack.skippedLongLines': String(skippedLongLines) }));
    for (const [stream, carry] of this.carries) if (carry.length) this.structuredFromBuffer(carry, stream, true);
    this.carries.clear();
    for (const t of this.tailers) t.finish();
    this.resolveHookPython(null); // no report from a hook by now: the probe decides
    this.resolveChannelRead();
    this.guard('params', () => this.readResolvedConfigs());
    this.flushMetrics();
    this.log?.close();
    if (this.tracker) {
      try {
        for (const a of await this.tracker.finish(this.declared)) this.guard('artifact', () => this.sink.artifact(this.id, a));
      } catch (e) {
        this.warn(`artifacts: ${(e as Error).message}`);
      }
    }
    const timeout = this.options.finishTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.background), new Promise((r) => { timer = setTimeout(r, timeout); })]);
    if (timer) clearTimeout(timer);
  }

  private parserFor(stream: string): MetricLineParser | null {
    if (!this.options.createParser) return null;
    let p = this.parsers.get(stream);
    if (!p) {
      try { p = this.options.createParser(); } catch (e) { this.warn(`parser: ${(e as Error).message}`); return null; }
      this.parsers.set(stream, p);
    }
    return p;
  }

  private addParsed(found: readonly ParsedMetricLike[]): void {
    let now: number | undefined;
    const pending = this.pending;
    for (const m of found) {
      if (typeof m.key !== 'string' || !m.key || typeof m.value !== 'number') continue;
      if (typeof m.step === 'number' && Number.isFinite(m.step) && typeof m.time === 'number') {
        // The hot path (a million lines): the parser's point already is a MetricPoint; no copy.
        this.steps.set(m.key, m.step);
        pending.push(m as MetricPoint);
      } else {
        now ??= this.now();
        // Steps of the console points batched so far count for "one past the last step".
        if (this.batch.length) this.flushBatch();
        pending.push({ key: m.key, value: m.value, step: this.stepFor(m.key, m.step), time: typeof m.time === 'number' ? m.time : now });
      }
    }
    this.scheduleFlush();
  }

  private stepFor(key: string, step: number | null | undefined): number {
    // No step given: one past the last step of that key, as W&B does; so each value is a new point.
    const s = typeof step === 'number' && Number.isFinite(step) ? step : (this.steps.get(key) ?? -1) + 1;
    this.steps.set(key, s);
    return s;
  }

  private scheduleFlush(): void {
    if (this.pending.length >= FLUSH_POINTS) this.flushMetrics();
    else if (this.pending.length || this.batch.length) this.timer ??= setTimeout(() => { this.timer = undefined; this.flushMetrics(); }, FLUSH_MS);
  }

  /** Hands the batched console points to the sink (in columns when it takes them so). */
  private flushBatch(): void {
    if (!this.batch.length) return;
    const { keys, f } = this.batch.drain();
    const n = f.length >> 2;
    this.pointCount += n;
    // The last step of each key, for points that come without one (structured lines).
    const last = new Float64Array(keys.length);
    for (let o = 0; o < f.length; o += 4) last[f[o]] = f[o + 1];
    for (let k = 0; k < keys.length; k++) this.steps.set(keys[k], last[k]);
    const sink = this.sink;
    let points: MetricPoint[] | undefined;
    const asPoints = (): MetricPoint[] => {
      points ??= pointsOf(keys, f);
      return points;
    };
    if (sink.metricColumns) this.guard('metrics', () => sink.metricColumns!(this.id, keys, f));
    else this.guard('metrics', () => sink.metrics(this.id, asPoints()));
    for (const l of this.listeners) {
      try { l(asPoints()); } catch { /* a listener's problem is not the run's */ }
    }
  }

  private flushMetrics(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.flushBatch();
    if (!this.pending.length) return;
    const points = this.pending;
    this.pending = [];
    this.pointCount += points.length;
    this.guard('metrics', () => this.sink.metrics(this.id, points));
    for (const l of this.listeners) {
      try { l(points); } catch { /* a listener's problem is not the run's */ }
    }
  }

  /** JSON lines on stdout with params, tags or artifacts; metrics in them are the parser's business. */
  private scanStructured(chunk: Uint8Array | string, stream: string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const carry = this.carries.get(stream);
    // Without a parser every JSON object line is ours (metrics too); with one, only those with params,
    // tags or artifacts.
    const mayHold = this.options.createParser ? STRUCTURED_MARKERS.some((m) => buf.includes(m)) : buf.includes(123);
    if (!carry?.length && !mayHold) {
      // Fast path: nothing structured here; remember only an unfinished last line that might be.
      const nl = buf.lastIndexOf(10);
      const tail = nl < 0 ? buf : buf.subarray(nl + 1);
      if (tail.length && tail.length < MAX_CARRY && tail.includes(123)) this.carries.set(stream, Buffer.from(tail));
      return;
    }
    this.structuredFromBuffer(carry?.length ? Buffer.concat([carry, buf]) : buf, stream, false);
  }

  private structuredFromBuffer(buf: Buffer, stream: string, final: boolean): void {
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      this.structuredCandidate(buf.subarray(start, nl));
      start = nl + 1;
    }
    const rest = buf.subarray(start);
    if (final) { if (rest.length) this.structuredCandidate(rest); this.carries.delete(stream); }
    else if (rest.length && rest.length < MAX_CARRY && rest.includes(123)) this.carries.set(stream, Buffer.from(rest));
    else this.carries.delete(stream);
  }

  private structuredCandidate(line: Buffer): void {
    // Decide on the bytes before decoding: most lines are not JSON objects.
    let k = 0;
    while (k < line.length && (line[k] === 32 || line[k] === 9)) k++;
    if (k >= line.length || (line[k] !== 123 && line[k] !== 27)) return;
    if (this.options.createParser && !STRUCTURED_MARKERS.some((m) => line.includes(m))) return;
    // Only lines that are a JSON object; strip a trailing \r and ANSI colour codes around it.
    let text = line.toString('utf8');
    // Colour codes (CSI) and terminal notes such as shell integration's OSC 633 marks around the line.
    if (text.includes('\x1b')) text = text.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-9;?]*[A-Za-z]/g, '');
    const i = text.indexOf('{');
    if (i < 0 || (i > 0 && text.slice(0, i).trim() !== '')) return;
    this.structuredLine(text, !this.options.createParser);
  }

  private structuredLine(line: string, takeMetrics: boolean): void {
    const rec: StructuredRecord | null = parseStructuredLine(line);
    if (!rec) return;
    if (rec.hook) { this.hookRecord(rec.hook); return; }
    if (takeMetrics) {
      const now = this.now();
      for (const [key, value] of Object.entries(rec.metrics)) {
        this.pending.push({ key, value, step: this.stepFor(key, rec.step), time: now });
      }
      this.scheduleFlush();
    }
    if (rec.params) { const p = rec.params; this.guard('params', () => this.emitParams(p, RANK.declared)); }
    if (rec.tags) { const t = rec.tags; this.guard('tags', () => this.sink.tags(this.id, t)); }
    for (const a of rec.artifacts) if (this.declared.length < 10_000) this.declared.push(a);
  }

  private recordParams(): void {
    // From the redacted command: a secret may be a param's name too (mysql's `-pPASSWORD`).
    const redacted = typeof this.request.command === 'string' ? redactCommandLine(this.request.command) : redactArgv(this.request.command);
    const parsed = parseArgvParams(analyzeCommand(redacted).scriptArgs);
    const params: Record<string, ParamValue> = {};
    const existing = namedConfigFiles(parsed, this.analysis.entry, this.cwd);
    // A credential file named on the command line (`--credentials sa.json`) is not a config: never read.
    this.credentialConfigs = existing.filter((c) => isCredentialFile(c));
    this.configFiles = existing.filter((c) => !this.credentialConfigs.includes(c));
    // Config files first, the command line over them: flags override config as in most scripts.
    for (const file of this.configFiles) {
      this.openedConfigs.add(file);
      const r = readConfigParams(file);
      if ('error' in r) { this.warn(`config ${file}: ${r.error}`); continue; }
      Object.assign(params, r.params);
    }
    this.emitParams(params, RANK.config);
    this.emitParams(parsed.params, RANK.commandLine);
  }

  /**
   * Hands params to the sink, except those a source of higher rank gave already: a config the
   * process opens late, or the command line's text, never overwrite the parsed namespace.
   */
  private emitParams(params: Readonly<Record<string, ParamValue>>, rank: number): void {
    const out: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(params)) {
      if ((this.paramRanks.get(k) ?? 0) > rank) continue;
      this.paramRanks.set(k, rank);
      out[k] = v;
    }
    if (Object.keys(out).length) this.sink.params(this.id, redactParams(out));
  }

  /** A report of the Python hook (see HookRecord). */
  private hookRecord(h: HookRecord): void {
    switch (h.kind) {
      case 'python':
        if (!this.hookPython) {
          this.hookPython = pythonInfoOf(h.python);
          this.resolveHookPython(this.hookPython);
        }
        return;
      case 'argparse':
        // Launchers are Python too (torchrun): only the entry script's parse is the run's.
        if (this.isEntryScript(h.script)) this.guard('params', () => this.emitParams(h.params, RANK.argparse));
        return;
      case 'file':
        this.tracker?.noteOpened(path.resolve(this.cwd, h.path), h.write);
        if (h.write && RESOLVED_CONFIG_RE.test(h.path)) this.resolvedConfigs.add(h.path);
        else if (!h.write && isConfigFileName(h.path)) this.readOpenedConfig(path.resolve(this.cwd, h.path));
        return;
      case 'dropped':
        this.options.logger?.info?.(`[recorder] run ${this.id}: process ${h.pid} opened ${h.count} more files than the hook reports`);
        return;
    }
  }

  /** A config file the process read: its settings are params, below the command line's (as a named one). */
  private readOpenedConfig(file: string): void {
    if (this.openedConfigs.has(file) || this.openedConfigs.size >= MAX_OPENED_CONFIGS) return;
    this.openedConfigs.add(file);
    try {
      if (fs.statSync(file).size > MAX_OPENED_CONFIG_BYTES) return; // data (a vocabulary, a dataset index), not settings
    } catch { return; }
    const r = readConfigParams(file);
    if ('error' in r) { this.options.logger?.info?.(`[recorder] run ${this.id}: config ${file} the run opened: ${r.error}`); return; }
    if (Object.keys(r.params).length > 1000) return;
    this.guard('params', () => this.emitParams(r.params, RANK.config));
    if (!this.configFiles.includes(file)) this.configFiles.push(file);
  }

  /** Lightning's hparams.yaml and Hydra's .hydra/config.yaml the run wrote: what it really ran with. */
  private readResolvedConfigs(): void {
    for (const file of this.resolvedConfigs) {
      const r = readConfigParams(path.resolve(this.cwd, file));
      if ('error' in r) { this.warn(`resolved params ${file}: ${r.error}`); continue; }
      this.emitParams(r.params, RANK.resolved);
    }
  }

  /** Whether a Python process running `script` is the command's entry (unknown: yes). */
  private isEntryScript(script: string | null): boolean {
    const entry = this.analysis.entry;
    if (!script || !entry || entry.kind === 'program') return true;
    if (entry.kind === 'module') {
      const rel = entry.name.split('.').join(path.sep);
      return script.endsWith(`${path.sep}${rel}.py`) || script.endsWith(`${path.sep}${path.join(rel, '__main__.py')}`);
    }
    const expected = path.resolve(this.cwd, entry.name);
    if (expected === script) return true;
    try { return fs.realpathSync(expected) === fs.realpathSync(script); } catch { return false; }
  }


  private async captureEnvironment(): Promise<void> {
    const env = { ...this.setup.processEnv, ...this.analysis.envAssignments };
    this.environment = {
      ...collectHostInfo(),
      envVars: allowListedEnv(env, this.options.envAllowList),
    };
    this.guard('environment', () => this.sink.environment(this.id, this.environment));
    const tasks: Promise<void>[] = [collectGpus().then((gpus) => { this.environment.gpus = gpus; })];
    // The hook's report names the interpreter that ran (a venv outside the workspace, a conda env):
    // better than any guess from PATH. Its packages are listed by the hook at the process's exit.
    const reported = await this.hookPythonSeen;
    if (reported) {
      tasks.push((async () => {
        this.environment.python = reported;
        this.guard('environment', () => this.sink.environment(this.id, { python: reported }));
        if (this.options.capture?.packages === false) return;
        const cacheDir = path.join(this.options.exptrackDir, 'cache');
        let packages = cachedPackages(reported, cacheDir);
        if (!packages) {
          await this.channelRead;
          packages = await listPackages(reported, env, cacheDir);
        }
        if (packages) { this.environment.packages = packages.packages; this.environment.packagesSource = packages.source; }
      })());
    } else if (this.analysis.python) {
      const word = this.analysis.python;
      tasks.push((async () => {
        // A terminal's PATH is not ours: its activated venv is likelier than our PATH's python.
        const venv = this.setup.observed && !this.request.env ? findWorkspaceVenvPython(word, this.cwd, this.options.workspaceDir) : null;
        const interpreter = venv ?? resolvePythonWord(word, env, this.cwd);
        if (!interpreter) return;
        const info = await probePythonCached(interpreter, env, this.cwd, path.join(this.options.exptrackDir, 'cache'));
        if (!info) { this.environment.python = { executable: redactText(interpreter) }; return; }
        this.environment.python = info;
        if (this.options.capture?.packages === false) return;
        const packages = await listPackages(info, env, path.join(this.options.exptrackDir, 'cache'));
        if (packages) { this.environment.packages = packages.packages; this.environment.packagesSource = packages.source; }
      })());
    }
    await Promise.allSettled(tasks);
    this.guard('environment', () => this.sink.environment(this.id, this.environment));
  }

  private async captureCode(): Promise<void> {
    let git = null;
    try {
      git = await captureGit(this.cwd, this.id, { untracked: this.options.untrackedLimits, exclude: [path.resolve(this.options.exptrackDir)] });
    } catch (e) {
      this.warn(`git: ${(e as Error).message}`);
    }
    if (git) {
      const g = git;
      this.guard('git', () => this.sink.git(this.id, g.git));
      this.recordLeftOut(g.leftOut);
      return;
    }
    // Outside git: keep the entry script and the config files it was given.
    const files: string[] = [];
    if (this.analysis.entry?.kind === 'script') files.push(this.analysis.entry.name);
    files.push(...this.configFiles, ...this.credentialConfigs);
    const code = readCodeFiles(files, this.cwd, path.resolve(this.options.workspaceDir));
    if (Object.keys(code.files).length) this.guard('codeFiles', () => this.sink.codeFiles(this.id, code.files));
    this.recordLeftOut(code.leftOut);
  }

  /** Says in the run what its code snapshot left out (the tag `exptrack.codeLeftOut`). */
  private recordLeftOut(leftOut: readonly LeftOutFile[]): void {
    const tags = leftOutTags(leftOut);
    if (Object.keys(tags).length) this.guard('tags', () => this.sink.tags(this.id, tags));
  }

  private guard(what: string, f: () => void): void {
    try { f(); } catch (e) { this.warn(`${what}: ${(e as Error).message}`); }
  }

  private warn(message: string): void {
    try { this.options.logger?.warn(`[recorder] run ${this.id}: ${message}`); } catch { /* nothing more to do */ }
  }
}


/**
 * The status follows the process's real end. Asked to stop (Ctrl-C, SIGTERM, Stop) it is `killed`,
 * unless it then exited 0 by itself (it ignored the request, or finished cleanly on it): `finished`,
 * with the tag `exptrack.stopRequested` saying that a stop was asked for.
 */
function statusOf(exit: RunExit): RunStatus {
  if (exit.signal) return 'killed';
  if (exit.interrupted) return exit.exitCode === 0 ? 'finished' : 'killed';
  if (exit.exitCode === null || exit.exitCode === undefined) return 'interrupted';
  if (exit.exitCode === 0) return 'finished';
  // A shell reports death by signal n as 128+n: INT, QUIT, ABRT, KILL, TERM count as killed.
  if ([129, 130, 131, 134, 137, 143].includes(exit.exitCode)) return 'killed';
  return 'failed';
}

function defaultExperiment(a: CommandAnalysis): string {
  if (a.entry?.kind === 'module') return a.entry.name;
  if (a.entry) return path.basename(a.entry.name) || a.entry.name;
  return 'default';
}

/** argv as one line a shell would read back the same. */
function joinArgv(argv: readonly string[]): string {
  return argv.map((a) => shellQuote(a, 'linux')).join(' ');
}
