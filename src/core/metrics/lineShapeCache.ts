// Logs repeat a few line shapes millions of times with only the numbers changing. Scanning a line
// is the expensive part of parsing, so the result of a scan is kept per shape (the line with every
// digit run replaced by `0`) as a plan saying which digit run each value comes from; a line of a
// known shape only reads its numbers. Shapes are found by a 53-bit hash computed in one pass
// without allocating.

import { endsNumber, type LineScan, type RawPair, numberAtPublic, plainNumberAt, scanLine } from './lineScanner';

interface PlannedPair {
  readonly pair: RawPair;
  /** Index of the digit run the value starts at (or -1: a constant such as `nan`). */
  readonly run: number;
  /** Offset of the value's first character from that run's start (sign, leading dot). */
  readonly delta: number;
}

export interface Plan {
  /** What the parser decided for this shape once training had started (it owns the value). */
  memo: unknown;
  /** The parser's fast-path verdict for this shape: 0 not judged yet, 1 eligible, 2 not (it owns the value). */
  fast: number;
  /** Set by the parser once it knows lines of this shape are not table headers. */
  notHeader: boolean;
  /** The parser's configuration-dump verdict for this shape (undefined: not judged yet; it owns the value). */
  member: unknown;
  readonly replayable: boolean;
  readonly pairs: readonly PlannedPair[];
  readonly split: string | null;
  readonly epochRun: number;
  readonly stepRun: number;
  readonly barRun: number;
  readonly literal: boolean;
  /** The shape's character codes (digit runs folded to one `0`), set when the fast path first replays it. */
  skeleton?: Uint16Array;
}

const MAX_SHAPES = 4096;
const MAX_SHAPE_LENGTH = 512;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Scans lines, reusing the plan of an already seen line shape. Results equal {@link scanLine}'s. */
export class LineShapeCache {
  private readonly plans = new Map<number, Plan>();
  private runs: Int32Array = new Int32Array(64);
  private runCount = 0;
  /** Whether the last hashed line had a control character (one visibleText would change). */
  private sawControl = false;
  /** The hash (and, in `runs`, the digit runs) of the last line fastPlan hashed, for the general path to reuse. */
  private stash: { hash: number; from: number; length: number } | null = null;
  /** The plan the fast path replayed last (its skeleton set). */
  private lastFast: Plan | null = null;
  /** Values, epoch and step of the line the last {@link readFastValues} read. */
  readonly fastValues: number[] = [];
  fastEpoch: number | undefined;
  fastStep: number | undefined;
  /**
   * The bytes of the text being fed when it has one char per byte (an ASCII chunk, text index = byte
   * index), else null: the fast path then compares and reads bytes, about twice as fast as chars.
   */
  bytes: Uint8Array | null = null;
  /** The plan the last {@link scan} replayed, null when it scanned the line afresh. */
  lastPlan: { memo: unknown; notHeader: boolean; member?: unknown } | null = null;

  scan(text: string): LineScan {
    this.lastPlan = null;
    if (text.length > MAX_SHAPE_LENGTH) return scanLine(text);
    const hash = this.stashedHash(text) ?? this.hashShape(text, 0, text.length);
    const plan = this.plans.get(hash);
    if (plan !== undefined) {
      if (!plan.replayable) return scanLine(text);
      const scan = this.replay(plan, text);
      if (scan === this.replayed) this.lastPlan = plan;
      return scan;
    }
    const scan = scanLine(text);
    if (this.plans.size < MAX_SHAPES) this.plans.set(hash, this.makePlan(scan, text));
    return scan;
  }

  /**
   * Two 32-bit hashes (FNV-1a and the x31 polynomial) of the line with digit runs
   * folded to one `0`, combined into a 53-bit key; records where the digit runs start. With at
   * most a few thousand shapes kept, a false match is about as likely as 4e3 / 2^53 per line.
   */
  private hashShape(text: string, from: number, to: number): number {
    let h1 = 0x811c9dc5;
    let h2 = to - from;
    let n = 0;
    let control = false;
    for (let i = from; i < to; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x30) {
        if (c < 0x20 && c !== 0x09) control = true;
      } else if (c <= 0x39) {
        i = this.noteRun(n++, text, i, to);
        c = 0x30;
      } else if (c === 0x9b) control = true;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = ((h2 << 5) - h2 + c) | 0;
    }
    this.runCount = n;
    this.sawControl = control;
    return (h1 >>> 0) * 0x200000 + ((h2 ^ (n << 12)) & 0x1fffff);
  }

  /**
   * The parser's fast path: the plan of the line `text[from, to)` (`text[to]` is its `\n`) when it has
   * no control characters and its shape is known, replayable, has pairs and no progress bar (its digit
   * runs are then in scratch space for {@link readFastValues}); null for anything else, with nothing
   * changed but scratch space (the caller then takes the general path).
   */
  fastPlan(text: string, from: number, to: number): Plan | null {
    if (to - from > MAX_SHAPE_LENGTH) return null;
    // Lines of a log mostly repeat the shape of the line before: comparing with it is cheaper than hashing.
    if (this.lastFast !== null) {
      // Bytes only with the line's `\n` at `to`: it ends every digit run read in them.
      const b = this.bytes !== null && this.bytes[to] === 0x0a ? this.bytes : null;
      if (b !== null ? this.sameShapeBytes(this.lastFast.skeleton!, b, from, to) : this.sameShape(this.lastFast.skeleton!, text, from, to)) return this.lastFast;
    }
    const hash = this.hashShape(text, from, to);
    if (this.sawControl) return null;
    // If this line goes the general way, its scan() reuses the hash instead of computing it again.
    this.stash = { hash, from, length: to - from };
    const plan = this.plans.get(hash);
    if (plan === undefined || !plan.replayable || plan.barRun >= 0 || plan.pairs.length === 0) return null;
    return plan;
  }

  /**
   * Reads the values, epoch and step of the line {@link fastPlan} just matched to `plan` into
   * {@link fastValues}, {@link fastEpoch}, {@link fastStep}, exactly as {@link scan} would; false when
   * one does not read (the caller then takes the general path).
   */
  readFastValues(plan: Plan, text: string, to: number): boolean {
    const runs = this.runs;
    const values = this.fastValues;
    const pairs = plan.pairs;
    // The line's `\n` at `to` stops every number read in bytes before the chunk's end.
    const b = this.bytes !== null && this.bytes[to] === 0x0a ? this.bytes : null;
    // Positions are in `text`, which goes on past `to` with the line's `\n`: a number stops there as
    // it stops at the end of the line on its own (the general path reads the line as a string).
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      if (p.run < 0) { values[i] = p.pair.value; continue; }
      const at = runs[p.run] + p.delta;
      // Written straight into `values`: a number returned would be boxed, an object per value.
      if (!p.pair.bare && b !== null && plainNumberBytesInto(b, at, to, values, i)) continue;
      const v = (p.pair.bare || b !== null ? undefined : plainNumberAt(text, at, to)) ?? numberAtPublic(text, at, to, p.pair.bare);
      if (v === undefined) return false;
      values[i] = v;
    }
    if (b !== null) {
      this.fastEpoch = plan.epochRun >= 0 ? leadingNumberBytes(b, runs[plan.epochRun]) : undefined;
      this.fastStep = plan.stepRun >= 0 ? leadingNumberBytes(b, runs[plan.stepRun]) : undefined;
    } else {
      this.fastEpoch = plan.epochRun >= 0 ? leadingNumber(text, runs[plan.epochRun]) : undefined;
      this.fastStep = plan.stepRun >= 0 ? leadingNumber(text, runs[plan.stepRun]) : undefined;
    }
    return true;
  }

  /** The fast path took a line of `plan` (`text[from, to)`): the next line is compared with it first. */
  fastTaken(plan: Plan, text: string, from: number, to: number): void {
    this.stash = null;
    if (this.lastFast === plan) return;
    plan.skeleton ??= skeletonOf(text, from, to);
    this.lastFast = plan;
  }

  /**
   * Forgets the hash {@link fastPlan} computed for a line that then went the general way. The
   * parser calls it after that line, so that the hash is only ever reused for the line it belongs to.
   */
  clearStash(): void {
    this.stash = null;
  }

  /** The stashed hash when `text` is the line it was computed for (its runs made relative to it). */
  private stashedHash(text: string): number | undefined {
    const st = this.stash;
    if (st === null) return undefined;
    this.stash = null;
    if (st.length !== text.length) return undefined;
    for (let r = 0; r < this.runCount; r++) this.runs[r] -= st.from;
    this.sawControl = false;
    return st.hash;
  }

  /** Records the digit run starting at `i` as run `n` (growing the scratch array); returns its last digit's index. */
  private noteRun(n: number, text: string, i: number, to: number): number {
    if (n === this.runs.length) this.growRuns();
    this.runs[n] = i;
    while (i + 1 < to && isDigit(text.charCodeAt(i + 1))) i++;
    return i;
  }

  /** Whether `text[from, to)` has this skeleton; records its digit runs as {@link hashShape} does. */
  private sameShape(skeleton: Uint16Array, text: string, from: number, to: number): boolean {
    let n = 0;
    let k = 0;
    const m = skeleton.length;
    for (let i = from; i < to; i++, k++) {
      if (k >= m) return false;
      const c = text.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) {
        if (skeleton[k] !== 0x30) return false;
        i = this.noteRun(n++, text, i, to);
      } else if (c !== skeleton[k]) {
        return false;
      }
    }
    if (k !== m) return false;
    this.runCount = n;
    return true;
  }

  /** {@link sameShape} over the bytes of an ASCII chunk (`b[i]` is `text.charCodeAt(i)`). */
  private sameShapeBytes(skeleton: Uint16Array, b: Uint8Array, from: number, to: number): boolean {
    let n = 0;
    let k = 0;
    const m = skeleton.length;
    if (to - from < m) return false; // every skeleton char stands for at least one byte
    let runs = this.runs;
    for (let i = from; i < to; i++, k++) {
      if (k >= m) return false;
      const c = b[i];
      if (c >= 0x30 && c <= 0x39) {
        if (skeleton[k] !== 0x30) return false;
        if (n === runs.length) runs = this.growRuns();
        runs[n++] = i;
        // b[to] is the line's `\n`: the run ends by then.
        while (((b[i + 1] - 0x30) >>> 0) < 10) i++;
      } else if (c !== skeleton[k]) {
        return false;
      }
    }
    if (k !== m) return false;
    this.runCount = n;
    return true;
  }

  private growRuns(): Int32Array {
    const bigger = new Int32Array(this.runs.length * 2);
    bigger.set(this.runs);
    this.runs = bigger;
    return bigger;
  }

  private makePlan(scan: LineScan, text: string): Plan {
    const none: Plan = { memo: undefined, member: undefined, fast: 2, notHeader: false, replayable: false, pairs: [], split: null, epochRun: -1, stepRun: -1, barRun: -1, literal: false };
    if (!scan.cacheable) return none;
    const n = this.runCount;
    const runAt = (pos: number): { run: number; delta: number } | null => {
      if (pos < 0) return null;
      for (let r = 0; r < n; r++) {
        const start = this.runs[r];
        if (start >= pos) return start - pos <= 2 ? { run: r, delta: pos - start } : null;
      }
      return null;
    };
    const pairs: PlannedPair[] = [];
    for (const pair of scan.pairs) {
      if (/\d/.test(pair.key) || pair.pos < 0) return none;
      const c = text.charCodeAt(pair.pos);
      const signOrDot = c === 0x2d || c === 0x2b || c === 0x2e;
      if (isDigit(c) || signOrDot && isDigit(text.charCodeAt(pair.pos + 1)) || signOrDot && isDigit(text.charCodeAt(pair.pos + 2))) {
        const at = runAt(pair.pos);
        if (at === null) return none;
        // The replayed value must come out the same: check it on this very line.
        const again = numberAtPublic(text, this.runs[at.run] + at.delta, text.length, pair.bare);
        if (again === undefined || !Object.is(again, pair.value)) return none;
        pairs.push({ pair, run: at.run, delta: at.delta });
      } else if (/^[-+]?(?:nan|inf)/i.test(text.slice(pair.pos, pair.pos + 4))) {
        pairs.push({ pair, run: -1, delta: 0 }); // nan / inf: spelled out, part of the shape
      } else {
        return none; // tensor(...) and other wrapped values: not replayed
      }
    }
    const epochAt = runAt(scan.epochPos);
    const stepAt = runAt(scan.stepPos);
    const barAt = runAt(scan.barPos);
    if (scan.epoch !== undefined && (epochAt === null || epochAt.delta !== 0)) return none;
    if (scan.step !== undefined && (stepAt === null || stepAt.delta !== 0)) return none;
    if (scan.barDescription !== null && (barAt === null || barAt.delta !== 0)) return none;
    return { memo: undefined, member: undefined, fast: 0, notHeader: false, replayable: true, pairs, split: scan.split, epochRun: epochAt?.run ?? -1, stepRun: stepAt?.run ?? -1, barRun: barAt?.run ?? -1, literal: scan.literal };
  }

  // One result object reused for every replay: the parser reads it before the next line is scanned.
  private readonly replayed: LineScan = { pairs: [], values: [], split: null, epoch: undefined, step: undefined, epochPos: -1, stepPos: -1, barPos: -1, cacheable: true, barDescription: null, literal: false };

  private replay(plan: Plan, text: string): LineScan {
    const runs = this.runs;
    const out = this.replayed;
    const pairs = out.pairs;
    const values = out.values!;
    pairs.length = 0;
    values.length = 0;
    for (const p of plan.pairs) {
      let value = p.pair.value;
      if (p.run >= 0) {
        const v = numberAtPublic(text, runs[p.run] + p.delta, text.length, p.pair.bare);
        if (v === undefined) return scanLine(text); // cannot happen for a true shape match; stay correct anyway
        value = v;
      }
      pairs.push(p.pair);
      values.push(value);
    }
    const barPos = plan.barRun >= 0 ? runs[plan.barRun] : -1;
    out.split = plan.split;
    out.epoch = plan.epochRun >= 0 ? leadingNumber(text, runs[plan.epochRun]) : undefined;
    out.step = plan.stepRun >= 0 ? leadingNumber(text, runs[plan.stepRun]) : undefined;
    out.barPos = barPos;
    out.literal = plan.literal;
    out.barDescription = barPos >= 0 ? text.slice(0, barPos) : null;
    return out;
  }
}

/** The line with every digit run folded to one `0`: what {@link LineShapeCache.hashShape} hashes. */
function skeletonOf(text: string, from: number, to: number): Uint16Array {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      while (i + 1 < to && isDigit(text.charCodeAt(i + 1))) i++;
      out.push(0x30);
    } else {
      out.push(c);
    }
  }
  return Uint16Array.from(out);
}

/** `12` or `1.5` at `pos` (marker numbers: digits with an optional fraction). */
function leadingNumber(text: string, pos: number): number {
  let e = pos;
  let mantissa = 0;
  let digits = 0;
  let c: number;
  while (isDigit((c = text.charCodeAt(e)))) { mantissa = mantissa * 10 + (c - 0x30); digits++; e++; }
  let fractionDigits = 0;
  if (c === 0x2e && isDigit(text.charCodeAt(e + 1))) {
    e++;
    while (isDigit((c = text.charCodeAt(e)))) { mantissa = mantissa * 10 + (c - 0x30); digits++; fractionDigits++; e++; }
  }
  // Up to 15 digits the mantissa and 10^k are exact doubles and one division rounds as Number() does.
  if (digits <= 15 && fractionDigits <= 22) return fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
  return Number(text.slice(pos, e));
}

/** {@link leadingNumber} over bytes; a byte that is not part of the number follows it in `b`. */
function leadingNumberBytes(b: Uint8Array, pos: number): number {
  let e = pos;
  let mantissa = 0;
  let digits = 0;
  let c: number;
  while (isDigit((c = b[e]))) { mantissa = mantissa * 10 + (c - 0x30); digits++; e++; }
  let fractionDigits = 0;
  if (c === 0x2e && isDigit(b[e + 1])) {
    e++;
    while (isDigit((c = b[e]))) { mantissa = mantissa * 10 + (c - 0x30); digits++; fractionDigits++; e++; }
  }
  if (digits <= 15 && fractionDigits <= 22) return fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
  return Number(Buffer.from(b.buffer, b.byteOffset + pos, e - pos).toString('latin1'));
}

/**
 * lineScanner's plainNumberAt over bytes: reads a plain decimal (`-0.25`, `3`, `1.5`) at `j` ending
 * before `limit` (where `b` holds a `\n`) at a delimiter into `out[i]`; false, with `out` untouched,
 * for anything else (the caller then reads the text).
 */
function plainNumberBytesInto(b: Uint8Array, j: number, limit: number, out: number[], i: number): boolean {
  let e = j;
  let c = b[e];
  const negative = c === 0x2d;
  if (c === 0x2d || c === 0x2b) c = b[++e];
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let fraction = false;
  while (c >= 0x30 && c <= 0x39) {
    mantissa = mantissa * 10 + (c - 0x30);
    digits++;
    c = b[++e];
  }
  if (c === 0x2e) {
    fraction = true;
    c = b[++e];
    while (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      fractionDigits++;
      c = b[++e];
    }
  }
  if (digits === 0 || digits > 15 || c === 0x65 || c === 0x45 || e > limit) return false;
  const after = e < limit ? c : -1;
  if (!endsNumber(after)) return false;
  if (fractionDigits > 22) return false;
  const value = fraction && fractionDigits > 0 ? mantissa / POW10[fractionDigits] : mantissa;
  out[i] = negative ? -value : value;
  return true;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
