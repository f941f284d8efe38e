// Streaming console-output metric parser: raw bytes in arbitrary chunks in, metric points out.
// The rules it follows are written down in docs/metrics-parsing.md.

import { isAscii } from 'node:buffer';
import type { MetricBatch } from './metricBatch';
import { KeyKind, keyHasSplit, keyKind, stepPriority } from './metricKeys';
import type { LineScan, RawPair } from './lineScanner';
import { ConfigDump, type Member, memberOf } from './configDump';
import { LineShapeCache } from './lineShapeCache';
import { barPosition, mayBeRichBar } from './progressBar';
import { visibleText } from './terminalText';
import { TableReader, type TableRows } from './tableReader';
import { type CompiledPattern, compileIgnore, compilePatterns } from './userPatterns';

/** One metric observation read from console output. */
export interface ParsedMetric {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  /** 1-based line number in the stream. */
  readonly line: number;
  /** ms epoch wall clock when the chunk that completed the line (or redraw) arrived. */
  readonly time: number;
}

/** A user pattern: a regex with named groups `key`, `value`, `step` (or a fixed `key`). */
export interface MetricPatternConfig {
  readonly name: string;
  /** JavaScript regex source with named groups `key`, `value`, optional `step`. */
  readonly regex: string;
  /** Fixed key when the regex has no `key` group. */
  readonly key?: string;
}

/** Options for {@link MetricParser}. */
export interface MetricParserOptions {
  /** Tried before the built-in rules; a segment that matches any of them is not read further. */
  readonly patterns?: readonly MetricPatternConfig[];
  /** Keys or regexes to drop (a plain string matches the key after normalisation). */
  readonly ignore?: readonly string[];
  /** Clock for `time`, read once per chunk (tests inject one). */
  readonly now?: () => number;
  /** Longest line segment kept, in characters; longer ones are skipped and counted. Default 65536. */
  readonly maxLineLength?: number;
  /**
   * Read lines of an already-seen shape through the fast path (default true). It gives the same
   * points; false exists so that tests can compare the two.
   */
  readonly fastPath?: boolean;
}

/** What the parser did with a line shape once training had started: replayed for later lines of it. */
interface Decision {
  readonly split: string | null;
  /** Pair giving the step, or -1. */
  readonly stepIdx: number;
  /** Pair giving the epoch, or -1. */
  readonly epochIdx: number;
  /** Pairs emitted, and under which final keys. */
  readonly emitIdx: readonly number[];
  readonly emitKeys: readonly string[];
  /** No final key twice among emitKeys. */
  readonly distinctKeys: boolean;
  readonly dropped: number;
}

/** What terminal text never holds: NUL and the C0 controls other than BEL, BS, tab, LF, VT, FF, CR, ESC; DEL. */
const BINARY_RE = /[\x00-\x06\x0e-\x1a\x1c-\x1f\x7f]/;

/**
 * Binary output (random bytes, a file printed by mistake) rather than a log line: a control character
 * no terminal text has, or mostly invalid UTF-8 (decoded as U+FFFD; a stray bad byte in a real line is
 * tolerated).
 */
function isBinary(raw: string): boolean {
  if (BINARY_RE.test(raw)) return true;
  let bad = 0;
  for (let i = raw.indexOf('\ufffd'); i >= 0; i = raw.indexOf('\ufffd', i + 1)) bad++;
  return bad * 4 > raw.length;
}

const DEFAULT_MAX_LINE = 65536;
const HAS_NUMBERISH = /[0-9]|nan|inf/i;
const SPACED_SPLIT_RE = /(?:^|\s)(train|training|val|valid|validation|test|eval|evaluation|dev)(?:\s|$)/i;
const SPLIT_ONLY_RE = /^(?:train|training|val|valid|validation|test|eval|evaluation|dev|learn)$/i;
const CLOCK_KEY_RE = /time|wall|date|clock|created|started|ts$/i;
const BULLET_RE = /^\s*(?:[*•>]|->|=>)\s/;
const KERAS_BAR_RE = /^\s*\d+\/(\d+)\s+(?:\[[=>.]*\]|━)/;

/**
 * Reads metrics from a console stream the way a person reads a training log. Feed it chunks as they
 * arrive (split anywhere, even inside a UTF-8 sequence or a CRLF); it returns the points each chunk
 * completes. Never invents metrics from timestamps, sizes, versions, ids or prose counts.
 */
export class MetricParser {
  private readonly now: () => number;
  private readonly maxLine: number;
  private readonly patterns: readonly CompiledPattern[];
  private readonly ignored: (key: string) => boolean;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** The decoder holds no partial UTF-8 sequence (see decode()). */
  private decoderClean = true;
  /** Whether the last chunk decoded was ASCII (its text is its bytes, char for byte). */
  private decodedAscii = false;
  private readonly tables = new TableReader();
  private readonly shapes = new LineShapeCache();
  private readonly dump = new ConfigDump();
  private readonly counters = new Map<string, number>();
  // Last point per key: a redraw of the same physical line repeating it is not a new point.
  private readonly lineLast = new Map<string, ParsedMetric>();
  // Final names by raw name and split: logs repeat the same few keys millions of times.
  private readonly keyCache = new Map<string, string | null>();
  // Scratch space for one line's candidate pairs, reused to keep the hot path allocation-free.
  private readonly candPairs: RawPair[] = [];
  private readonly candKinds: KeyKind[] = [];
  private readonly candValues: number[] = [];
  private readonly candIndex: number[] = [];
  private readonly counts = { lines: 0, segments: 0, metrics: 0, skippedLongLines: 0, invalidPatterns: 0, userPatternHits: 0, droppedPairs: 0, bytes: 0, fastLines: 0 };
  private readonly fastPath: boolean;

  private partial = '';
  private pendingCr = false;
  private skipping = false;
  private lineNo = 1;
  private lineHasText = false;
  private context: number | undefined;
  private started = false;
  private inEpoch = false;
  private lastSplit: string | null = null;
  private epochBarTotal: number | undefined;
  /**
   * Progress bars that name their epoch and count (`Epoch 3: 45%|…| 450/1000`): the bars' total (0 before
   * one), the step each epoch's bar reached, and for the segment being read: its step (undefined when
   * it is no such bar) and whether its points are readings of a redrawn display (a bar, or the wrapped
   * metrics line after one).
   */
  private barTotal = 0;
  private barReached = 0;
  private readonly barSteps = new Map<number, number>();
  private barStep: number | undefined;
  private liveDisplay = false;
  private live = false;
  /** Last value read per key from a redrawn display: a redraw repeating it is no new point. */
  private readonly liveLast = new Map<string, number>();
  /** What the redraws at the display's current position show, per key, until it moves on. */
  private readonly pending = new Map<string, { held: boolean; value: number; step: number; time: number; line: number }>();
  private pendingCount = 0;
  private out: ParsedMetric[] = [];
  /**
   * When the chunk being read arrived: every line it completes is stamped with it. Its lines did
   * arrive together, and one clock read per chunk instead of per line is a measurable share of a
   * million-line log.
   */
  private time = 0;
  /** Where points go during pushInto()/endInto(); null: into `out`. */
  private batch: MetricBatch | null = null;

  constructor(options: MetricParserOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxLine = Math.max(80, options.maxLineLength ?? DEFAULT_MAX_LINE);
    this.fastPath = options.fastPath ?? true;
    const compiled = compilePatterns(options.patterns ?? []);
    this.patterns = compiled.patterns;
    this.counts.invalidPatterns = compiled.invalid.length;
    const ignore = compileIgnore(options.ignore ?? []);
    this.ignored = ignore.matches;
    this.counts.invalidPatterns += ignore.invalid.length;
  }

  /** Counters for `exptrack doctor`: lines, segments, metrics, skippedLongLines, invalidPatterns, ... (fastLines: lines read by the fast path) */
  get stats(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  /** Feed raw bytes or text in arbitrary chunks (not lines). Returns metrics completed by this chunk. */
  push(chunk: string | Uint8Array): ParsedMetric[] {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      this.counts.bytes += chunk.byteLength;
      text = this.decode(chunk);
    }
    this.out = [];
    if (text.length > 0) {
      this.time = this.now();
      // An ASCII chunk's text has one char per byte: the fast path reads the bytes themselves.
      // (Equal lengths alone would not do: a decoded chunk can have them with chars and bytes out of step.)
      this.shapes.bytes = typeof chunk !== 'string' && this.decodedAscii ? chunk : null;
      try { this.feed(text); } finally { this.shapes.bytes = null; }
    }
    return this.out;
  }

  /**
   * As push(), with the points going into `batch` instead of being returned: no object per point
   * (the recorder's hot path; `line` is not kept).
   */
  pushInto(chunk: string | Uint8Array, batch: MetricBatch): void {
    this.batch = batch;
    try { this.push(chunk); } finally { this.batch = null; }
  }

  /** As end(), into `batch`. */
  endInto(batch: MetricBatch): void {
    this.batch = batch;
    try { this.end(); } finally { this.batch = null; }
  }

  /**
   * Bytes to text, as the streaming UTF-8 decoder gives it. Logs are nearly all ASCII: a chunk that is,
   * with no partial character held back from the one before, is copied as one-byte text instead
   * (a SIMD check and a copy: a tenth of the decoder's cost, ~30 ms per million lines).
   */
  private decode(chunk: Uint8Array): string {
    this.decodedAscii = false;
    if (chunk.byteLength === 0) return '';
    if (this.decoderClean && isAscii(chunk)) {
      this.decodedAscii = true;
      return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    }
    const text = this.decoder.decode(chunk, { stream: true });
    // A chunk ending in an ASCII byte leaves nothing in the decoder (no sequence continues past it).
    this.decoderClean = chunk[chunk.byteLength - 1] < 0x80;
    return text;
  }

  /** Flush the last unterminated line. */
  end(): ParsedMetric[] {
    this.out = [];
    this.time = this.now();
    const tail = this.decoder.decode();
    if (tail.length > 0) this.feed(tail);
    if (this.pendingCr) {
      this.pendingCr = false;
      this.endSegment(true);
    } else if (this.partial.length > 0 || this.skipping || this.lineHasText) {
      this.endSegment(true);
    }
    this.flushPending();
    this.emitTable(this.tables.flush());
    return this.out;
  }

  private feed(text: string): void {
    const n = text.length;
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.charCodeAt(0) === 0x0a) {
        this.endSegment(true);
        i = 1;
      } else {
        this.endSegment(false);
      }
    }
    let nl = text.indexOf('\n', i);
    let cr = text.indexOf('\r', i);
    while (i < n) {
      if (nl >= 0 && nl < i) nl = text.indexOf('\n', i);
      if (cr >= 0 && cr < i) cr = text.indexOf('\r', i);
      const t = nl < 0 ? cr : cr < 0 ? nl : Math.min(nl, cr);
      if (t < 0) {
        this.append(text, i, n);
        break;
      }
      // A whole line in this chunk, of a shape seen before: the fast path, same result.
      const fastTried = t === nl && t > i && this.fastPath && this.partial.length === 0 && !this.skipping && t - i <= this.maxLine;
      if (fastTried && this.fastLine(text, i, t)) {
        this.shapes.clearStash();
        this.counts.segments++;
        this.counts.lines++;
        this.counts.fastLines++;
        this.lineNo++;
        this.lineHasText = false;
        i = t + 1;
        continue;
      }
      this.append(text, i, t);
      if (fastTried) {
        // The same line, the general way (its shape hash is reused when it gets that far).
        this.endSegment(true);
        this.shapes.clearStash();
        i = t + 1;
        continue;
      }
      if (t === cr) {
        if (t + 1 >= n) {
          this.pendingCr = true; // CR at the chunk's end: CRLF or a redraw, the next chunk tells.
          i = n;
          break;
        }
        if (text.charCodeAt(t + 1) === 0x0a) {
          this.endSegment(true);
          i = t + 2;
        } else {
          this.endSegment(false);
          i = t + 1;
        }
      } else {
        this.endSegment(true);
        i = t + 1;
      }
    }
  }

  /**
   * The common case of a long log, a line whose shape (text with its numbers folded) was read before
   * once training started (`step=5 loss=0.16 acc=0.9`, `epoch 3 | loss: 0.2 | acc: 0.9`): replays the
   * decision taken for that shape without the table, progress-bar and split checks that cannot apply
   * to it. Returns false, having changed nothing, whenever any of them might apply; the caller then
   * takes the general path. Its output equals the general path's (test/unit/metricParserFastPath.test.ts
   * checks every fixture log at every chunk size).
   */
  private fastLine(text: string, from: number, to: number): boolean {
    if (!this.started || this.patterns.length > 0 || !this.tables.idle) return false;
    const shapes = this.shapes;
    shapes.clearStash();
    const plan = shapes.fastPlan(text, from, to);
    if (plan === null) return false;
    const d = plan.memo as Decision | undefined;
    if (d === undefined || d.split !== plan.split || this.lastSplit !== plan.split) return false;
    // Only shapes known to be no member of a configuration dump (the dump state then simply ends).
    if (plan.member !== null) return false;
    if (plan.fast === 0) plan.fast = fastEligible(text.slice(from, to)) ? 1 : 2;
    if (plan.fast !== 1 || !shapes.readFastValues(plan, text, to)) return false;
    const values = shapes.fastValues;
    this.live = false;
    this.barStep = undefined;
    // From here on exactly replayDecision().
    const step = decidedStep(d, shapes.fastStep, values);
    if (step === null) return false;
    // Under a bar's display, a line with no step of its own may be its wrapped metrics line: the general path decides.
    if (this.liveDisplay && step === undefined && shapes.fastEpoch === undefined && d.epochIdx < 0) return false;
    this.dump.reset();
    plan.notHeader = true;
    shapes.fastTaken(plan, text, from, to);
    // Whole only when no segment of this line came before (a redraw: `...\rstep=3 loss=0.2\n`).
    this.applyDecision(d, step, shapes.fastEpoch, values, !this.lineHasText);
    return true;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.lineHasText = true;
    if (this.skipping) return;
    if (this.partial.length + (to - from) > this.maxLine) {
      // Too long to be a log line worth reading (a base64 blob, a dumped tensor): drop it, count it.
      this.partial = '';
      this.skipping = true;
      this.counts.skippedLongLines++;
      return;
    }
    this.partial = this.partial.length === 0 ? (from === 0 && to === text.length ? text : text.slice(from, to)) : this.partial + text.slice(from, to);
  }

  private endSegment(lineEnd: boolean): void {
    const segment = this.partial;
    this.partial = '';
    if (this.skipping) this.skipping = false;
    else if (segment.length > 0) {
      this.counts.segments++;
      this.readSegment(segment);
    }
    if (lineEnd) {
      // A redrawn line ended by a newline is final (a closed tqdm bar, the last line of a display).
      if (this.pendingCount > 0) this.flushPending();
      this.counts.lines++;
      this.lineNo++;
      this.lineHasText = false;
    }
  }

  private readSegment(raw: string): void {
    // Binary output (random bytes, a file printed by mistake) is no log line: short keys in it would
    // read as metrics (`\x0bp=4\x04` -> p = 4).
    this.live = false;
    this.barStep = undefined;
    if (isBinary(raw)) return;
    const text = visibleText(raw);
    if (this.patterns.length > 0 && this.readUserPatterns(text)) return;
    if (!HAS_NUMBERISH.test(text)) {
      // No number: may still shape what follows (table headers, box-table sections and borders).
      this.dump.line(memberOf(text, null));
      this.emitTable(this.tables.noNumberLine(text, this.lineNo));
      return;
    }
    const box = this.tables.boxRow(text, this.lineNo);
    if (box.handled) {
      this.dump.reset();
      this.emitTable(box.flushed);
      return;
    }
    this.emitTable(box.flushed);
    const row = this.tables.dataRow(text, this.lineNo);
    if (row) {
      this.dump.reset();
      this.emitTable(row);
      return;
    }
    const scan = this.shapes.scan(text);
    const plan = this.shapes.lastPlan;
    // Whether a line can be a table header depends on its shape only: remember a no.
    const mayBeHeader = plan === null || plan.notHeader !== true;
    if (scan.barDescription !== null && scan.pairs.length === 0) {
      const barRow = this.tables.dataRow(scan.barDescription, this.lineNo);
      if (barRow) {
        this.emitTable(barRow);
        return;
      }
      if (mayBeHeader && !this.tables.headerCandidate(scan.barDescription) && plan !== null) plan.notHeader = true;
    } else if (scan.barDescription === null) {
      const header = mayBeHeader && scan.pairs.length === 0 && scan.epoch === undefined && scan.step === undefined && this.tables.headerCandidate(text);
      if (!header) {
        if (plan !== null) plan.notHeader = true;
        this.tables.otherLine(text);
      }
    }
    this.noteProgressTotal(text, scan);
    this.noteBar(text, scan);
    this.carrySplit(text, scan);
    let member = plan?.member as Member | null | undefined;
    if (member === undefined) {
      member = memberOf(text, scan);
      if (plan !== null) plan.member = member;
    }
    if (this.dump.line(member)) {
      // One setting of a configuration dump: a param, not a metric.
      this.counts.droppedPairs += scan.pairs.length;
      return;
    }
    this.apply(scan, plan);
  }

  /**
   * A bulleted summary right after lines of a split (` * Acc@1 76.1 Acc@5 92.9` after the `Test: [..]`
   * lines of the PyTorch ImageNet example) belongs to that split.
   */
  private carrySplit(text: string, scan: LineScan): void {
    const previous = this.lastSplit;
    this.lastSplit = scan.split;
    if (scan.split !== null || previous === null || scan.pairs.length === 0 || scan.epoch !== undefined || scan.step !== undefined) return;
    if (BULLET_RE.test(text)) scan.split = previous;
  }

  /**
   * Keras prints `model.evaluate` with the same bar and keys as training (`313/313 ━━━ - loss: ...`).
   * After an `Epoch k/K` header, a bar whose total differs from the epoch's own is an evaluation: its
   * keys go to the test split instead of extending the training series.
   */
  private noteProgressTotal(text: string, scan: LineScan): void {
    const m = KERAS_BAR_RE.exec(text);
    if (m === null) {
      if (scan.epoch !== undefined && scan.pairs.length === 0) {
        this.epochBarTotal = undefined;
        this.inEpoch = true;
      }
      return;
    }
    if (!this.inEpoch) return;
    const total = Number(m[1]);
    if (this.epochBarTotal === undefined) this.epochBarTotal = total;
    else if (total !== this.epochBarTotal && scan.split === null) scan.split = 'test';
  }

  /**
   * A bar naming its epoch and count (`Epoch 3:  45%|…| 450/1000 […, loss=0.43]`, Rich's `Epoch 3/9 ━━━ 450/1000 …`)
   * places its values at step epoch × total + count, so a long epoch's chart moves while it runs. Its
   * redraws, and the wrapped metrics line Rich prints under it, repeat values already read: only a
   * value that changed is a new point (see emit()). A bar of another total (a validation loop) is placed
   * by its epoch like any other line.
   */
  private noteBar(text: string, scan: LineScan): void {
    const isBar = scan.barPos >= 0 || mayBeRichBar(text);
    const pos = isBar ? barPosition(text, scan.barPos) : null;
    if (pos === null || (this.barTotal !== 0 && pos.total !== this.barTotal)) {
      // The wrapped metrics line under a bar belongs to its display; anything else ends it.
      if (!isBar && this.liveDisplay && scan.pairs.length > 0) this.live = true;
      else this.endDisplay();
      return;
    }
    this.barTotal = pos.total;
    let step = pos.epoch * pos.total + pos.count;
    // A bar is reset for the next epoch before its description names it (`Epoch 0:   0%| 0/8 [… val_loss=0.621]`
    // after `Epoch 0: 100%| 8/8`): at 0 it shows what the step already reached holds, never an earlier step.
    if (pos.count === 0 && step < this.barReached) step = this.barReached;
    if (step !== this.barReached) this.flushPending();
    this.barReached = step;
    this.barStep = step;
    this.barSteps.set(pos.epoch, step);
    this.live = true;
    this.liveDisplay = true;
  }

  /** The bar's display ended: what it showed last is read. */
  private endDisplay(): void {
    this.live = false;
    this.liveDisplay = false;
    this.flushPending();
  }

  /**
   * The step an epoch marker stands for: the epoch itself, or once bars have placed points at
   * epoch × total + count, the step that epoch's bar reached (its start when none was seen), so that
   * an epoch's summary line and its bar share one axis.
   */
  private epochStep(epoch: number): number {
    if (this.barTotal === 0) return epoch;
    return this.barSteps.get(epoch) ?? epoch * this.barTotal;
  }

  private apply(scan: LineScan, plan: { memo: unknown } | null): void {
    // Once training has started, what happens to a line depends only on its shape: replay the
    // decision taken for the first line of this shape.
    if (plan !== null && this.started && scan.values !== null) {
      const memo = plan.memo as Decision | undefined;
      if (memo !== undefined && memo.split === scan.split && this.replayDecision(memo, scan, scan.values)) return;
    }
    const record = plan !== null && this.started && scan.values !== null;
    let stepIdx = -1;
    let epochIdx = -1;
    const emitIdx: number[] = [];
    const emitKeys: string[] = [];
    let dropped = 0;
    let step = scan.step;
    let stepPrio = step === undefined ? 0 : 3;
    let epoch = scan.epoch;
    const candPairs = this.candPairs;
    const candKinds = this.candKinds;
    const candValues = this.candValues;
    let count = 0;
    const values = scan.values;
    let configEcho = false;
    let structuredNever = false;
    let stepKey = false;
    for (let pi = 0; pi < scan.pairs.length; pi++) {
      const pair = scan.pairs[pi];
      const value = values === null ? pair.value : values[pi];
      const kind = keyKind(pair.key);
      if (kind === KeyKind.Step) {
        stepKey = true;
        const p = stepPriority(pair.key);
        if (p === 0) continue; // batch index within an epoch: neither a step nor a metric
        if (p === 1) {
          if (epoch === undefined) {
            epoch = value;
            epochIdx = pi;
          }
        } else if (p > stepPrio && Number.isFinite(value)) {
          step = value;
          stepPrio = p;
          stepIdx = pi;
        }
        continue;
      }
      if (kind === KeyKind.Never || kind === KeyKind.Timer) {
        if (!pair.bare && kind === KeyKind.Never) {
          configEcho = true;
          if (pair.structured) structuredNever = true;
        }
        dropped++;
        continue;
      }
      this.candIndex[count] = pi;
      candPairs[count] = pair;
      candKinds[count] = kind;
      candValues[count] = value;
      count++;
    }
    const hasMarker = step !== undefined || epoch !== undefined;
    const startedBefore = this.started;
    // A line with a step of its own is no part of a bar's display.
    if (hasMarker && this.barStep === undefined) this.endDisplay();
    if (epoch !== undefined && Number.isFinite(epoch)) this.context = this.epochStep(epoch);
    if (this.barStep !== undefined) this.context = this.barStep;
    if (step !== undefined && Number.isFinite(step)) this.context = step;
    if (hasMarker) this.started = true;
    if (count === 0) {
      this.counts.droppedPairs += dropped;
      if (record) plan.memo = { split: scan.split, stepIdx, epochIdx, emitIdx, emitKeys, distinctKeys: new Set(emitKeys).size === emitKeys.length, dropped } satisfies Decision;
      return;
    }
    // Settings echoed before training starts (a config dict, argparse values) are params, not metrics,
    // and so is a dict of settings printed at any time (a trial's hyperparameters between trainings):
    // a never-a-metric name beside a value that is no number (`'activation': <class ...>`, `=None`).
    if (configEcho && (!startedBefore && !hasMarker || scan.literal && scan.step === undefined && scan.epoch === undefined && !stepKey)) {
      this.counts.droppedPairs += dropped + count;
      if (record && startedBefore) plan.memo = { split: scan.split, stepIdx, epochIdx, emitIdx, emitKeys, distinctKeys: true, dropped: dropped + count } satisfies Decision;
      return;
    }

    let measured = false;
    let separated = 0;
    // A dict of settings in a line (`parameters: {'lr': 0.00123, 'n_layers': 2, 'dropout': 0.31}`, a trial's
    // hyperparameters): a never-a-metric name in it and no measured one. Its pairs are params.
    let settingsDict = structuredNever && !stepKey;
    for (let ci = 0; ci < count; ci++) {
      if (candKinds[ci] === KeyKind.Measured) {
        measured = true;
        if (candPairs[ci].structured) settingsDict = false;
      }
      if (!candPairs[ci].bare) separated++;
    }
    if (measured) this.started = true;
    const started = this.started;
    const lineStep = step ?? this.barStep ?? (epoch === undefined ? undefined : this.epochStep(epoch));
    const time = this.time;
    let split = scan.split;
    let carried = false;
    for (let ci = 0; ci < count; ci++) {
      const pair = candPairs[ci];
      const kind = candKinds[ci];
      let ok: boolean;
      // `host:8080`, `module:train:42`: glued integers are locations, not values (dicts and JSON aside).
      if (pair.tight && pair.integral && !pair.structured) ok = false;
      else if (settingsDict && pair.structured) ok = false;
      else {
        switch (kind) {
          case KeyKind.Measured:
            // `learn: 0.68  test: 0.69` (CatBoost) are values; `Train: 0 [0/1251]` (timm) is an epoch.
            ok = !(pair.integral && SPLIT_ONLY_RE.test(pair.key));
            break;
          case KeyKind.Hyper:
            ok = started && (!pair.bare || measured);
            break;
          default:
            // `T: 800`, `n: 5`: one-letter neutral names are counters far more often than values;
            // neutral integers (`skipped=0`) count things unless the line is clearly a metric line.
            if (pair.key.length === 1) ok = false;
            // `time: 1716550000.12`: a clock reading (epoch seconds or ms), not a duration.
            else if (candValues[ci] >= 1e9 && candValues[ci] < 1e14 && CLOCK_KEY_RE.test(pair.key)) ok = false;
            else if (pair.bare || pair.integral && !pair.structured) ok = measured;
            else ok = measured || hasMarker || (started && (separated >= 2 || pair.structured));
        }
      }
      if (!ok) {
        dropped++;
        continue;
      }
      // A spaced label naming a split (`Val Loss: 0.4 Acc: 0.8`) carries it to the measured names after it.
      // The label names its split outright, so even train carries (`train Loss: … Top-1 Acc: …`:
      // `train_Top-1_Acc` beside `test_Top-1_Acc`).
      const own = pair.key.includes(' ') ? SPACED_SPLIT_RE.exec(pair.key) : null;
      if (own !== null) {
        split = own[1].toLowerCase();
        carried = true;
      }
      const key = own === null && carried && kind === KeyKind.Measured ? this.finalKey(pair.key, split, true) : this.finalKey(pair.key, kind === KeyKind.Measured ? split : scan.split);
      if (key === null) continue;
      emitIdx.push(this.candIndex[ci]);
      emitKeys.push(key);
    }
    // A name twice in one line (`Blur(p=0.01), MedianBlur(p=0.01)`) names different things: neither
    // is a series (each would be a point at a made-up step).
    if (emitKeys.length > 1) dropped += dropRepeated(emitIdx, emitKeys);
    for (let i = 0; i < emitKeys.length; i++) this.emit(emitKeys[i], values === null ? scan.pairs[emitIdx[i]].value : values[emitIdx[i]], lineStep, time);
    this.counts.droppedPairs += dropped;
    if (record && startedBefore) plan.memo = { split: scan.split, stepIdx, epochIdx, emitIdx, emitKeys, distinctKeys: new Set(emitKeys).size === emitKeys.length, dropped } satisfies Decision;
  }

  /** Applies a recorded decision; false when this line's values make it not apply (a NaN step). */
  private replayDecision(d: Decision, scan: LineScan, values: readonly number[]): boolean {
    const step = decidedStep(d, scan.step, values);
    if (step === null) return false;
    this.applyDecision(d, step, scan.epoch, values);
    return true;
  }

  /**
   * Emits a line's points as decision `d` says, with the step already read; updates the step context.
   * `wholeLine`: the fast path read the line whole (it ended in `\n`, no segment of it before).
   */
  private applyDecision(d: Decision, step: number | undefined, scannedEpoch: number | undefined, values: readonly number[], wholeLine = false): void {
    let epoch = scannedEpoch;
    if (d.epochIdx >= 0 && epoch === undefined) epoch = values[d.epochIdx];
    if ((step !== undefined || epoch !== undefined) && this.barStep === undefined) this.endDisplay();
    if (epoch !== undefined && Number.isFinite(epoch)) this.context = this.epochStep(epoch);
    if (this.barStep !== undefined) this.context = this.barStep;
    if (step !== undefined && Number.isFinite(step)) this.context = step;
    this.counts.droppedPairs += d.dropped;
    const n = d.emitIdx.length;
    if (n === 0) return;
    const time = this.time;
    const lineStep = step ?? this.barStep ?? (epoch === undefined ? undefined : this.epochStep(epoch));
    if (wholeLine && d.distinctKeys) {
      const at = lineStep ?? this.context;
      if (at !== undefined) {
        // A whole line of the fast path: nothing else can share its line number, so there is no
        // redraw to compare with (what lineLast is for), and its keys are distinct. Same points as emit().
        const line = this.lineNo;
        const batch = this.batch;
        if (batch !== null) for (let i = 0; i < n; i++) batch.add(d.emitKeys[i], at, values[d.emitIdx[i]], time);
        else for (let i = 0; i < n; i++) this.out.push({ key: d.emitKeys[i], value: values[d.emitIdx[i]], step: at, line, time });
        this.counts.metrics += n;
        return;
      }
    }
    for (let i = 0; i < n; i++) this.emit(d.emitKeys[i], values[d.emitIdx[i]], lineStep, time);
  }

  /** `named`: the split was named outright on the line, so even train prefixes. */
  private finalKey(raw: string, split: string | null, named = false): string | null {
    const cacheKey = split === null ? raw : `${split}${named ? '\u0001' : '\u0000'}${raw}`;
    const hit = this.keyCache.get(cacheKey);
    if (hit !== undefined) return hit;
    const key = this.computeFinalKey(raw, split, named);
    if (this.keyCache.size > 10000) this.keyCache.clear();
    if (this.lineLast.size > 10000) this.lineLast.clear();
    this.keyCache.set(cacheKey, key);
    return key;
  }

  private computeFinalKey(raw: string, split: string | null, named: boolean): string | null {
    let key = raw.replace(/\s+/g, '_');
    // Train is the default split (frameworks print `loss` and `val_loss`), so only other splits prefix.
    if (split !== null && (named || split !== 'train' && split !== 'training') && !keyHasSplit(key)) key = `${split}_${key}`;
    if (this.ignored(key)) return null;
    return key;
  }

  private emit(key: string, value: number, explicitStep: number | undefined, time: number): void {
    let step = explicitStep ?? this.context;
    if (step === undefined) {
      // No step anywhere: count this key's points (0, 1, 2, ...).
      step = this.counters.get(key) ?? 0;
      this.counters.set(key, step + 1);
    }
    if (this.live) {
      // A redrawn display: what its last redraw at this position shows is the reading (flushPending()).
      let held = this.pending.get(key);
      if (held === undefined) {
        if (this.pending.size > 10000) this.pending.clear();
        this.pending.set(key, (held = { held: false, value, step, time, line: this.lineNo }));
      }
      if (!held.held) this.pendingCount++;
      held.held = true;
      held.value = value;
      held.step = step;
      held.time = time;
      held.line = this.lineNo;
      return;
    }
    const last = this.lineLast.get(key);
    if (last !== undefined && last.line === this.lineNo && last.step === step && Object.is(last.value, value)) return;
    this.record(key, value, step, time, this.lineNo);
  }

  /**
   * The readings of a redrawn display's position, once it has moved on (or the display ended): the
   * last redraw at a position is its reading (Lightning redraws a new count first with the values of
   * the one before), and a value equal to the key's previous reading is the same value still shown,
   * not a new point.
   */
  private flushPending(): void {
    if (this.pendingCount === 0) return;
    this.pendingCount = 0;
    for (const [key, p] of this.pending) {
      if (!p.held) continue;
      p.held = false;
      const last = this.liveLast.get(key);
      if (last !== undefined && Object.is(last, p.value)) continue;
      if (this.liveLast.size > 10000) this.liveLast.clear();
      this.liveLast.set(key, p.value);
      this.record(key, p.value, p.step, p.time, p.line);
    }
  }

  private record(key: string, value: number, step: number, time: number, line: number): void {
    const point: ParsedMetric = { key, value, step, line, time };
    this.lineLast.set(key, point);
    this.counts.metrics++;
    if (this.batch !== null) this.batch.add(key, step, value, time);
    else this.out.push(point);
  }

  private emitTable(rows: readonly TableRows[] | null): void {
    if (rows === null) return;
    // A table is no bar's display.
    this.endDisplay();
    for (const table of rows) {
      if (table.epoch !== undefined) this.context = table.epoch;
      if (table.step !== undefined) this.context = table.step;
      if (table.epoch !== undefined || table.step !== undefined || table.points.length > 0) this.started = true;
      const time = this.time;
      const saveLine = this.lineNo;
      for (const p of table.points) {
        const key = this.finalKey(p.key, null);
        if (key === null) continue;
        this.lineNo = p.line;
        this.emit(key, p.value, table.step ?? table.epoch, time);
      }
      this.lineNo = saveLine;
    }
  }

  private readUserPatterns(text: string): boolean {
    let hit = false;
    const time = this.time;
    for (const p of this.patterns) {
      p.regex.lastIndex = 0;
      let m: RegExpExecArray | null;
      let guard = 0;
      while ((m = p.regex.exec(text)) !== null && guard++ < 64) {
        if (m[0].length === 0) p.regex.lastIndex++;
        const g = m.groups ?? {};
        const key = p.key ?? g.key;
        const value = parseUserNumber(g.value);
        if (key === undefined || key === '' || value === undefined) continue;
        const stepValue = g.step === undefined ? undefined : Number(g.step);
        const finalKey = this.finalKey(key.trim(), null);
        if (finalKey === null) continue;
        hit = true;
        this.counts.userPatternHits++;
        this.started = true;
        this.emit(finalKey, value, stepValue !== undefined && Number.isFinite(stepValue) ? stepValue : undefined, time);
      }
    }
    return hit;
  }
}

/** Removes every key that occurs more than once (with its index) from the parallel lists; returns how many went. */
function dropRepeated(idx: number[], keys: string[]): number {
  let repeated: Set<string> | null = null;
  for (let i = 1; i < keys.length; i++) {
    for (let j = 0; j < i; j++) {
      if (keys[i] === keys[j]) {
        repeated ??= new Set();
        repeated.add(keys[i]);
        break;
      }
    }
  }
  if (repeated === null) return 0;
  let w = 0;
  for (let r = 0; r < keys.length; r++) {
    if (repeated.has(keys[r])) continue;
    idx[w] = idx[r];
    keys[w] = keys[r];
    w++;
  }
  const gone = keys.length - w;
  idx.length = w;
  keys.length = w;
  return gone;
}

/**
 * Whether lines of this shape skip the table and progress checks: not a box-table row (first visible
 * character `|`), not a Keras progress bar. Both depend on the shape only (digits play no part).
 */
function fastEligible(line: string): boolean {
  let f = 0;
  while (f < line.length && (line.charCodeAt(f) === 0x20 || line.charCodeAt(f) === 0x09)) f++;
  const c0 = line.charCodeAt(f);
  if (c0 === 0x7c || c0 === 0x2502 || c0 === 0x2503) return false;
  return !KERAS_BAR_RE.test(line);
}

function parseUserNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().replace(/%$/, '').toLowerCase();
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isNaN(v) ? undefined : v;
}

/** The step decision `d` reads from a line (its step column, else what the scan found); null when that column is not a finite number. */
function decidedStep(d: Decision, scanned: number | undefined, values: readonly number[]): number | undefined | null {
  if (d.stepIdx < 0) return scanned;
  const s = values[d.stepIdx];
  return Number.isFinite(s) ? s : null;
}
