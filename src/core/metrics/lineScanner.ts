// Reads one visible line and lists the (name, number) pairs a person would read as values, plus the
// step markers and the split the line names. It knows nothing about the stream: the parser decides,
// with its context, which pairs become metrics.

/** One name/number pair found in a line. */
export interface RawPair {
  readonly key: string;
  readonly value: number;
  /** `key value` with no separator: accepted only in metric-looking lines. */
  readonly bare: boolean;
  /** `key:value` / `key=value` with no space around: `host:8080`, `file.py:88` look like this. */
  readonly tight: boolean;
  /** Integral value written without a decimal point or exponent. */
  readonly integral: boolean;
  /** Came from a JSON object, a Python dict repr or a box table: the producer meant it as data. */
  readonly structured: boolean;
  /** Where the value's text starts in the line, -1 when not from the line's text (JSON). */
  readonly pos: number;
}

/** What one line holds. */
export interface LineScan {
  readonly pairs: RawPair[];
  /** When set, the values of `pairs` by index (a replayed line shape reuses the pair records). */
  values: number[] | null;
  /** Split named at the start of the line (`Test set:`, `valid |`), lower case, or null. */
  split: string | null;
  /** Epoch marker (`Epoch 3/10`, `[Epoch 3]`, `epoch=3`), if any. */
  epoch: number | undefined;
  /** Finer step marker (`step 100:`, `iter 5`, `[12]` boosting round), if any. */
  step: number | undefined;
  /** Where the epoch and step markers' numbers start, -1 when unknown. */
  epochPos: number;
  stepPos: number;
  /** False when the result depends on more than the line's shape (JSON, progress bars). */
  cacheable: boolean;
  /** Where the tqdm bar's percentage starts, -1 without a bar. */
  barPos: number;
  /** Text before a tqdm bar (`Epoch 0: 47%|...`), for header-row tables; null without a bar. */
  barDescription: string | null;
  /**
   * A setting written as a literal that is no number (`'activation': <class ...>`, `=None`,
   * `: 'adam'`): with a never-a-metric name beside it, the line is a configuration echo.
   */
  literal: boolean;
}

const NUMBER_RE = /[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf(?:inity)?)/iy;
const WRAPPER_RE = /(?:tensor|np\.float(?:16|32|64)|numpy\.float(?:16|32|64)|float(?:16|32|64)?|Array|array|DeviceArray|torch\.tensor)\(/y;
const MARKER_RE = /(global[_ ]step|iteration|iter|step|epoch(?:\((?:train|val|test)\))?|update|round)\s*(?:[:=#]\s*)?\[?\s*(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+))?/gi;
const BAR_RE = /\d+(?:\.\d+)?%\|/;
// tqdm without its bar glyphs (Colab, some terminals drop them): `100% 15/15 [00:12<00:00, 1.22it/s]`.
const PLAIN_BAR_RE = /\d+(?:\.\d+)?% +\d+(?:\.\d+)?[kMGT]?\/\d+(?:\.\d+)?[kMGT]? +\[\d/;
// Lines that are never metrics: tracebacks, pip, argparse echoes, warnings and errors.
// `wandb: ` lines are the W&B client's own: its run summary repeats the last values at no step of theirs.
const NOISE_START_RE = /^\s*(?:File "|Traceback \(|Collecting |Downloading |Requirement already|Installing collected|Successfully (?:installed|built)|Using cached|Building wheel|Obtaining |Looking in |Namespace\(|Attempting uninstall|Uninstalling |Created wheel|Stored in directory|raise |assert |wandb: )/;
// `RuntimeError: ...` is noise; `Mean Squared Error: 0.12` is a value.
const NOISE_RE = /(?:Warning|WARNING|Error|ERROR|Exception)(?::|\]| \|| -)(?!\s*[-+]?(?:\d|\.\d|nan|inf))|warnings\.warn|\[(?:Warning|Fatal|Error)\]|DeprecationWarning|Deprecated|deprecated/;
const SOURCE_EXT_RE = /\.(?:py|pyx|pyc|cc|cpp|cxx|c|h|hpp|cu|cuh|js|mjs|ts|rs|go|java|rb|sh|ipynb|json|ya?ml|toml|txt|log|csv|pt|pth|ckpt|bin|safetensors|so|dll|h5|keras|onnx|pkl|npz|npy|tar|gz|zip|whl|html?|md)$/i;

/** Scans one visible line. */
export function scanLine(text: string): LineScan {
  const scan: LineScan = { pairs: [], values: null, split: null, epoch: undefined, step: undefined, epochPos: -1, stepPos: -1, barPos: -1, cacheable: true, barDescription: null, literal: false };
  if (NOISE_START_RE.test(text)) return scan;
  if ((text.includes('arn') || text.includes('rror') || text.includes('ARN') || text.includes('RROR') || text.includes('xception') || text.includes('eprecat')) && NOISE_RE.test(text)) return scan;
  const first = firstNonSpace(text);
  // Flat JSON objects read the same through the generic scan (quoted names, numbers, NaN), which
  // lets their shape be cached; nested ones and the structured channel's records need JSON.parse.
  if (first >= 0 && text.charCodeAt(first) === 0x7b /* { */ && (text.indexOf('{', first + 1) >= 0 || STRUCTURED_RECORD_RE.test(text)) && scanJson(text, scan)) {
    scan.cacheable = false;
    return scan;
  }

  let regionStart = 0;
  let regionEnd = text.length;
  let postfixStart = -1;
  const bar = text.includes('%|') ? BAR_RE.exec(text) : text.includes('% ') ? PLAIN_BAR_RE.exec(text) : null;
  if (bar) {
    // tqdm: `desc: NN%|bar| n/total [elapsed<remaining, rate, postfix]`. Only the description and the
    // postfix can hold values; the counts, sizes and rates in between never do.
    scan.barDescription = text.slice(0, bar.index);
    scan.barPos = bar.index;
    regionEnd = bar.index;
    const open = text.indexOf('[', bar.index);
    if (open >= 0) postfixStart = open + 1;
  }
  findMarkers(text, regionStart, regionEnd, scan);
  leadingRound(text, scan);
  const firstPairPos = scanRegion(text, regionStart, regionEnd, scan);
  if (postfixStart >= 0) {
    const before = scan.pairs.length;
    scanRegion(text, postfixStart, text.length, scan);
    // tqdm cuts its line at the terminal's width: a postfix without its closing `]` was cut, and the
    // number it ends with may have lost digits (`train_loss=0.1` of 0.13, `=0` of 0.43). Drop it.
    if (scan.pairs.length > before && !endsWithBracket(text)) {
      const last = scan.pairs[scan.pairs.length - 1];
      if (last.pos >= 0 && CUT_NUMBER_RE.test(text.slice(last.pos).trimEnd())) scan.pairs.pop();
    }
  }
  if (scan.pairs.length > 0) scan.split = splitBefore(text, regionStart, firstPairPos < 0 ? regionEnd : firstPairPos);
  return scan;
}

const CUT_NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d*)?$/;

function endsWithBracket(s: string): boolean {
  let e = s.length - 1;
  while (e >= 0 && isSpace(s.charCodeAt(e))) e--;
  return e >= 0 && s.charCodeAt(e) === 0x5d;
}

function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return i;
  }
  return -1;
}

/** JSON object lines (the structured channel printed on stdout, or a logger's JSON). */
function scanJson(text: string, scan: LineScan): boolean {
  const trimmed = text.trim();
  if (trimmed.charCodeAt(trimmed.length - 1) !== 0x7d || (trimmed.indexOf('"') < 0 && trimmed.indexOf('{', 1) < 0)) return false;
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch {
    // Nested Python dict reprs (`{'eval': {'loss': 0.3}}`) need their nesting for names: read them
    // as JSON once quotes and literals are translated. Flat ones and JSON with NaN fall through to
    // the generic scan.
    if (trimmed.indexOf('{', 1) < 0) return false;
    try {
      obj = JSON.parse(pythonToJson(trimmed));
    } catch {
      return false;
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
  const record = obj as Record<string, unknown>;
  // The structured channel's params and artifact records are not metrics.
  if ('artifact' in record || 'params' in record || 'tags' in record) return true;
  flattenJson(record, '', scan, 0);
  return true;
}

/** A Python literal dict as JSON: quotes, True/False/None, nan/inf (as strings the flattener reads). */
function pythonToJson(text: string): string {
  return text
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null')
    .replace(/(:\s*)(-?(?:nan|inf|NaN|Infinity))(?=\s*[,}])/g, '$1"$2"');
}

function flattenJson(obj: Record<string, unknown>, prefix: string, scan: LineScan, depth: number): void {
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    // A top-level `metrics` container is a wrapper, not part of the name.
    const key = prefix === '' && (k === 'metrics' || k === 'data') ? '' : prefix === '' ? k : `${prefix}/${k}`;
    if (typeof v === 'number') {
      if (key !== '') scan.pairs.push({ key, value: v, bare: false, tight: false, integral: Number.isInteger(v), structured: true, pos: -1 });
    } else if (typeof v === 'string') {
      const n = specialNumber(v) ?? (NUMERIC_STRING_RE.test(v) ? Number(v) : undefined);
      if (n !== undefined && key !== '') scan.pairs.push({ key, value: n, bare: false, tight: false, integral: false, structured: true, pos: -1 });
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      flattenJson(v as Record<string, unknown>, key, scan, depth + 1);
    }
  }
}

const STRUCTURED_RECORD_RE = /["'](?:params|artifact|tags)["']\s*:/;
const NUMERIC_STRING_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function specialNumber(v: string): number | undefined {
  switch (v.toLowerCase()) {
    case 'nan': return NaN;
    case 'inf': case 'infinity': case '+inf': case '+infinity': return Infinity;
    case '-inf': case '-infinity': return -Infinity;
    default: return undefined;
  }
}

function findMarkers(text: string, from: number, to: number, scan: LineScan): void {
  if (to - from < 4) return;
  const region = from === 0 && to === text.length ? text : text.slice(from, to);
  MARKER_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MARKER_RE.exec(region)) !== null) {
    const before = m.index > 0 ? region.charCodeAt(m.index - 1) : -1;
    if (isLetter(before) || isDigit(before) || before === 0x5f) continue;
    const after = region.charCodeAt(m.index + m[0].length);
    // `epoch 3ms`, `step 12:01`, `iter 1.2.3` are not markers.
    if (isLetter(after) || after === 0x3a && isDigit(region.charCodeAt(m.index + m[0].length + 1)) || after === 0x2e && isDigit(region.charCodeAt(m.index + m[0].length + 1))) continue;
    // `Tokens per iteration: 131,072`: a count per unit, and a thousands separator, are no step.
    if (/\bper\s+$/i.test(region.slice(Math.max(0, m.index - 5), m.index)) || thousandsAt(region, m.index + m[0].length)) continue;
    const word = m[1].toLowerCase().replace(/\(.*$/, '');
    const value = Number(m[2]);
    // The marker's word and separators hold no digit, so its number is the match's first digit.
    const pos = from + m.index + m[0].search(/\d/);
    if (word === 'epoch') {
      if (scan.epoch === undefined) {
        scan.epoch = value;
        scan.epochPos = pos;
      }
    } else if (scan.step === undefined) {
      scan.step = value;
      scan.stepPos = pos;
    }
  }
}

/** Boosting logs: `[12]\ttrain-rmse:...` (XGBoost, LightGBM) and `12:\tlearn: ...` (CatBoost). */
function leadingRound(text: string, scan: LineScan): void {
  const m = /^\s*(?:\[(\d+)\]\s|(\d+):\s)/.exec(text);
  if (!m) return;
  // Only when values follow: `[1] 2 3` R-style vectors or a bare `12: hello` are not rounds.
  if (!/[A-Za-z_][\w\-'. ]*[:=]\s*[-+]?[\d.]/.test(text.slice(m[0].length))) return;
  if (scan.step === undefined) {
    scan.step = Number(m[1] ?? m[2]);
    scan.stepPos = m[0].indexOf(m[1] ?? m[2]);
  }
}

function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  // Names in other scripts (`précision`, `Größe`, `损失`) are names too, not separators.
  return UNICODE_LETTER.test(String.fromCharCode(c));
}
const UNICODE_LETTER = /^\p{L}$/u;
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isKeyChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 0x5f || c === 0x2e || c === 0x2d || c === 0x2f || c === 0x40 || c === 0x27 || c === 0x23;
}
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** `131,072`: at `end` (just after up to three digits), a comma and exactly three digits follow. */
export function thousandsAt(text: string, end: number): boolean {
  if (text.charCodeAt(end) !== 0x2c || !isDigit(text.charCodeAt(end + 1)) || !isDigit(text.charCodeAt(end + 2)) || !isDigit(text.charCodeAt(end + 3)) || isDigit(text.charCodeAt(end + 4))) return false;
  let s = end - 1;
  while (s >= 0 && isDigit(text.charCodeAt(s))) s--;
  return end - s - 1 <= 3 && text.charCodeAt(s) !== 0x2e;
}

/** What may follow a number's text (-1: the end of the line): a space, `,;|`, a closing bracket, a quote, `(`. */
export function endsNumber(c: number): boolean {
  return c === -1 || isSpace(c) || c === 0x2c || c === 0x3b || c === 0x7c || c === 0x29 || c === 0x5d || c === 0x7d || c === 0x22 || c === 0x27 || c === 0x28;
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

interface NumberAt { value: number; end: number; integral: boolean }

/** Parses a number (optionally `tensor(...)`-wrapped, optionally with `%`) starting at `j`. */
function numberAt(text: string, j: number, limit: number): NumberAt | null {
  let wrapped = false;
  const c0 = text.charCodeAt(j);
  if (c0 === 0x27 || c0 === 0x22) {
    // `'loss': '0.5763'`: numbers some loggers format as strings.
    const inner = numberAt(text, j + 1, limit);
    return inner !== null && text.charCodeAt(inner.end) === c0 ? { value: inner.value, end: inner.end + 1, integral: inner.integral } : null;
  }
  if (c0 === 0x5b /* [ */) {
    // `lr=[0.0001]` (DeepSpeed, per-group lists of one): the number inside.
    const close = text.indexOf(']', j);
    if (close < 0 || close >= limit || close - j > 40 || text.lastIndexOf(',', close) > j) return null;
    const inner = numberAt(text, j + 1, close);
    return inner !== null && inner.end === close ? { value: inner.value, end: close + 1, integral: inner.integral } : null;
  }
  if (isLetter(c0) && c0 !== 0x6e && c0 !== 0x4e && c0 !== 0x69 && c0 !== 0x49) {
    WRAPPER_RE.lastIndex = j;
    const w = WRAPPER_RE.exec(text);
    if (!w) return null;
    j += w[0].length;
    wrapped = true;
  } else if (!(isDigit(c0) || c0 === 0x2d || c0 === 0x2b || c0 === 0x2e || c0 === 0x6e || c0 === 0x4e || c0 === 0x69 || c0 === 0x49)) {
    return null;
  }
  let end = j;
  let value: number;
  let integral = false;
  let e = j;
  let c = text.charCodeAt(e);
  const negative = c === 0x2d;
  if (c === 0x2d || c === 0x2b) c = text.charCodeAt(++e);
  if (isDigit(c) || c === 0x2e) {
    // Digits accumulate into an integer mantissa; with at most 15 digits and a power of ten up to
    // 1e22 both are exact doubles, so one division is correctly rounded (Clinger's fast path) and
    // equals Number(text) without allocating a substring.
    e = scanDecimal(text, e);
    c = text.charCodeAt(e);
    if (scanDigits === 0) return null;
    const mantissa = scanMantissa, digits = scanDigits, fractionDigits = scanFractionDigits, fraction = scanFraction;
    let exponent = 0;
    let hasExponent = false;
    if (c === 0x65 || c === 0x45) {
      let x = e + 1;
      const sc = text.charCodeAt(x);
      if (sc === 0x2d || sc === 0x2b) x++;
      if (isDigit(text.charCodeAt(x))) {
        while (isDigit((c = text.charCodeAt(x)))) {
          exponent = exponent * 10 + (c - 0x30);
          x++;
        }
        if (sc === 0x2d) exponent = -exponent;
        e = x;
        hasExponent = true;
      }
    }
    end = e;
    const scale = exponent - fractionDigits;
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
      if (negative) value = -value;
    } else {
      value = Number(text.slice(j, end));
    }
    if (Number.isNaN(value)) return null;
    integral = !fraction && !hasExponent;
  } else {
    NUMBER_RE.lastIndex = j;
    const m = NUMBER_RE.exec(text);
    if (!m || m.index !== j) return null;
    end = j + m[0].length;
    value = m[0].toLowerCase().endsWith('nan') ? NaN : negative ? -Infinity : Infinity;
  }
  if (end > limit) return null;
  if (wrapped) {
    // tensor(0.5000, device='cuda:0') / Array(0.5, dtype=float32): skip to the closing parenthesis.
    const close = text.indexOf(')', end);
    if (close < 0 || close >= limit) return null;
    end = close + 1;
    return { value, end, integral };
  }
  const after = end < limit ? text.charCodeAt(end) : -1;
  if (after === 0x25 /* % */) return { value, end: end + 1, integral: false };
  if (after === 0x2f /* / */) {
    // `9820/10000 (98%)`: a count over a total, read as the percentage printed beside it.
    const m2 = /^\/\d+\s*\((\d+(?:\.\d+)?)%\)/.exec(text.slice(end, Math.min(limit, end + 40)));
    if (m2) return { value: Number(m2[1]), end: end + m2[0].length, integral: false };
    return null;
  }
  if (endsNumber(after)) {
    // `131,072` is one number written with a thousands separator: neither 131 nor 72.
    if (after === 0x2c && integral && thousandsAt(text, end)) return null;
    return { value, end, integral };
  }
  if (after === 0x2e /* . */ || after === 0x3a /* : */ || after === 0x2d /* - */) {
    // Sentence full stop is fine; `1.2.3` versions, `12:01` times, `2024-05-01` dates are not.
    const next = end + 1 < limit ? text.charCodeAt(end + 1) : -1;
    if (next === -1 || isSpace(next)) return after === 0x2d ? null : { value, end, integral };
    return null;
  }
  // A letter or anything else glued to the number is a unit (3ms, 9.91M, 7.12MB/s, 640px) or an id.
  if (after > 0x7f && after !== 0x2502 && after !== 0x2503) return null;
  return null;
}

/**
 * Name before a `:` or `=` at `sep`: a quoted dict key, or up to three words back to the previous
 * separator. Returns null when no plausible name is there.
 */
function keyBefore(text: string, sep: number, from: number, allowWords: boolean): string | null {
  let k = sep - 1;
  while (k >= from && isSpace(text.charCodeAt(k))) k--;
  if (k < from) return null;
  const q = text.charCodeAt(k);
  if (q === 0x27 || q === 0x22) {
    const open = text.lastIndexOf(String.fromCharCode(q), k - 1);
    if (open < from || k - open > 80) return null;
    const inner = text.slice(open + 1, k);
    return /^[A-Za-z_][\w .\-/@()']*$/.test(inner) ? inner : null;
  }
  // `name=value` names are one token unless spaced (`Num examples = 25000`); `name: value` may be words.
  const spacedSep = text.charCodeAt(sep) === 0x3a || k < sep - 1;
  // `Loss (train): 0.5`, `acc(val)=0.9`: a parenthesised qualifier joins the name it follows.
  let qualifier = '';
  if (text.charCodeAt(k) === 0x29) {
    const open = text.lastIndexOf('(', k);
    if (open <= from || k - open > 24 || !/^\(\s*[A-Za-z][\w .\-/]*\)$/.test(text.slice(open, k + 1))) return null;
    qualifier = text.slice(open + 1, k).trim();
    k = open - 1;
    while (k >= from && isSpace(text.charCodeAt(k))) k--;
    if (k < from) return null;
  }
  const nameEnd = k + 1;
  let words = 0;
  let start = k + 1;
  while (k >= from) {
    let s = k;
    while (s >= from && isKeyChar(text.charCodeAt(s))) s--;
    const word = text.slice(s + 1, k + 1);
    if (word.length === 0) break;
    const w0 = word.charCodeAt(0);
    if (words === 0) {
      // The name itself: must start with a letter or underscore (`12:01` and `[3]:` are not names).
      let lead = 0;
      while (lead < word.length && (word.charCodeAt(lead) === 0x2d || word.charCodeAt(lead) === 0x2e || word.charCodeAt(lead) === 0x2f)) lead++;
      const c = word.charCodeAt(lead);
      if (!(isLetter(c) || c === 0x5f)) return null;
      start = s + 1 + lead;
    } else {
      // A preceding word joins the name only if it is a plain word (not a log level, number or path).
      // `Top-1 Acc`, `Top-5 Acc`: the qualifier keeps two measured names on one line apart.
      if (!/^[A-Za-z][A-Za-z0-9_]*(?:-\d+)?(?:'s)?$/.test(word) && !/^[A-Z][a-z]{1,4}\.$/.test(word)) break;
      if (word.length > 24 || STOP_WORDS.has(word.toLowerCase())) break;
      if (/^[A-Z]{3,}$/.test(word) && !/^(?:AUC|MAE|MSE|RMSE|MAP|IOU|BLEU|WER|CER|PSNR|SSIM|FID|NLL|KL|ROC|MRR|NDCG)$/.test(word)) break;
      start = s + 1;
    }
    words++;
    if (!allowWords || !spacedSep || words >= 3) break;
    // Continue past exactly one space to a previous word.
    if (s < from || text.charCodeAt(s) !== 0x20) break;
    if (s - 1 < from || !isKeyChar(text.charCodeAt(s - 1))) break;
    k = s - 1;
  }
  if (words === 0) return null;
  let key = qualifier === '' ? text.slice(start, sep).trim() : `${text.slice(start, nameEnd).trim()} ${qualifier}`;
  // Names glued to a quote or bracket on the left (`'loss`) lose it.
  const k0 = key.charCodeAt(0);
  if (k0 === 0x27 || k0 === 0x22 || k0 === 0x23) key = key.replace(/^['"#]+/, '');
  if (key.length === 0 || key.length > 64) return null;
  return key;
}

/** Finds `name: value` and `name=value` pairs, then `name value` pairs in delimited pieces. Returns the first pair's start. */
// The characters scanRegion stops at: separators of pairs and delimiters of pieces.
const SPECIAL_RE = /[:=|,;\t\u2502\u2503]| - /g;

function scanRegion(text: string, from: number, to: number, scan: LineScan): number {
  let firstPair = -1;
  let lastPairEnd = from;
  let pieceHasPair = false;
  let pieceStart = from;
  let lastColonNoPair = -1;
  SPECIAL_RE.lastIndex = from;
  for (;;) {
    const m = SPECIAL_RE.exec(text);
    if (m === null || m.index >= to) break;
    let i = m.index;
    let c = text.charCodeAt(i);
    if (c === 0x20) {
      i++; // ` - ` delimiter: the dash
      c = 0x2d;
    }
    if (c !== 0x3a && c !== 0x3d) {
      if (!pieceHasPair) {
        const at = barePairs(text, lastColonNoPair > pieceStart ? lastColonNoPair + 1 : pieceStart, i, scan);
        if (firstPair < 0 && at >= 0) firstPair = at;
      }
      pieceStart = i + 1;
      pieceHasPair = false;
      lastColonNoPair = -1;
      SPECIAL_RE.lastIndex = i + 1;
      continue;
    }
    if (c === 0x3d) {
      const p = text.charCodeAt(i - 1);
      const nx = text.charCodeAt(i + 1);
      if (p === 0x3d || p === 0x3c || p === 0x3e || p === 0x21 || nx === 0x3d) continue;
    }
    let j = i + 1;
    while (j < to && isSpace(text.charCodeAt(j))) j++;
    // Only a glued colon marks a location (`host:8080`, `train.py:88`); `key=value` is glued by habit.
    const tight = c === 0x3a && j === i + 1 && !isSpace(text.charCodeAt(i - 1));
    const num = j < to ? numberAt(text, j, to) : null;
    if (!num) {
      if (!scan.literal && j < to && literalAt(text, i, j)) scan.literal = true;
      lastColonNoPair = i;
      continue;
    }
    const key = keyBefore(text, i, Math.max(lastPairEnd, pieceStart), c === 0x3a || isSpace(text.charCodeAt(i - 1)));
    if (!key || badKey(key)) {
      lastColonNoPair = i;
      continue;
    }
    if (followedByProse(text, num.end, to)) {
      lastColonNoPair = i;
      continue;
    }
    let q = i - 1;
    while (q > from && isSpace(text.charCodeAt(q))) q--;
    const qc = text.charCodeAt(q);
    scan.pairs.push({ key, value: num.value, bare: false, tight, integral: num.integral, structured: qc === 0x27 || qc === 0x22, pos: j });
    if (firstPair < 0) firstPair = text.lastIndexOf(key, i);
    lastPairEnd = num.end;
    pieceHasPair = true;
    SPECIAL_RE.lastIndex = num.end;
  }
  if (!pieceHasPair) {
    const at = barePairs(text, lastColonNoPair > pieceStart ? lastColonNoPair + 1 : pieceStart, to, scan);
    if (firstPair < 0 && at >= 0) firstPair = at;
  }
  return firstPair;
}

/**
 * Whether the separator at `sep` (value starting at `j`) gives a setting a literal that is no number:
 * a quoted name's value (`'activation': <class ...>`, `'optimizer': 'adam'`), or `=None`, `=True`,
 * `='adam'` as a repr prints them.
 */
function literalAt(text: string, sep: number, j: number): boolean {
  let k = sep - 1;
  while (k >= 0 && isSpace(text.charCodeAt(k))) k--;
  const q = text.charCodeAt(k);
  const v = text.charCodeAt(j);
  if (q === 0x27 || q === 0x22) return v === 0x3c || v === 0x27 || v === 0x22 || LITERAL_WORD_RE.test(text.slice(j, j + 6));
  return text.charCodeAt(sep) === 0x3d && (v === 0x27 || v === 0x22 || LITERAL_WORD_RE.test(text.slice(j, j + 6)));
}
const LITERAL_WORD_RE = /^(?:None|True|False)\b/;

/** What {@link scanDecimal} read, in module scratch: the fast path reads millions of numbers, allocating nothing. */
let scanMantissa = 0;
let scanDigits = 0;
let scanFractionDigits = 0;
let scanFraction = false;

/**
 * Reads `digits[.digits]` at `e` as one integer mantissa (with the count of its digits and of those
 * after the point) into the scan* variables; returns the index after them.
 */
function scanDecimal(text: string, e: number): number {
  let c: number;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let fraction = false;
  while (isDigit((c = text.charCodeAt(e)))) {
    mantissa = mantissa * 10 + (c - 0x30);
    digits++;
    e++;
  }
  if (c === 0x2e) {
    fraction = true;
    e++;
    while (isDigit((c = text.charCodeAt(e)))) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      fractionDigits++;
      e++;
    }
  }
  scanMantissa = mantissa;
  scanDigits = digits;
  scanFractionDigits = fractionDigits;
  scanFraction = fraction;
  return e;
}

/**
 * The value {@link numberAt} reads at `j` when it is a plain decimal (`-0.25`, `3`, `1e-4`) ended by
 * the end, a space or a delimiter; undefined for anything else (then ask {@link numberAtPublic}).
 * Allocates nothing: the parser's fast path reads millions of these.
 */
export function plainNumberAt(text: string, j: number, limit: number): number | undefined {
  let e = j;
  let c = text.charCodeAt(e);
  const negative = c === 0x2d;
  if (c === 0x2d || c === 0x2b) ++e;
  e = scanDecimal(text, e);
  c = text.charCodeAt(e);
  if (scanDigits === 0 || scanDigits > 15 || c === 0x65 || c === 0x45 || e > limit) return undefined;
  const after = e < limit ? text.charCodeAt(e) : -1;
  if (!endsNumber(after) || after === 0x2c && thousandsAt(text, e)) return undefined;
  if (scanFractionDigits > 22) return undefined;
  const value = scanFraction && scanFractionDigits > 0 ? scanMantissa / POW10[scanFractionDigits] : scanMantissa;
  return negative ? -value : value;
}

/**
 * The value a pair at `pos` has (used to replay a known line shape): the `name: value` number rules,
 * or for a bare pair the whitespace-delimited token. Undefined when there is no such value.
 */
export function numberAtPublic(text: string, pos: number, limit: number, bare: boolean): number | undefined {
  if (!bare) return numberAt(text, pos, limit)?.value;
  let e = pos;
  for (; e < limit; e++) {
    const c = text.charCodeAt(e);
    // A bare value ends at a space or at the delimiter of its piece.
    if (isSpace(c) || c === 0x2c || c === 0x3b || c === 0x7c || c === 0x2502 || c === 0x2503) break;
  }
  const t = text.slice(pos, e);
  if (!BARE_TOKEN_RE.test(t)) return undefined;
  const numText = t.endsWith('%') ? t.slice(0, -1) : t;
  const lower = numText.toLowerCase();
  return lower.endsWith('nan') ? NaN : lower.endsWith('inf') ? (numText.startsWith('-') ? -Infinity : Infinity) : Number(numText);
}

function badKey(key: string): boolean {
  if (SOURCE_EXT_RE.test(key)) return true;
  if (key.includes('://') || key.includes('\\')) return true;
  // Paths: two or more slashes with a dot or digits (`/data/img_12/x`), not metric groups (`train/loss`).
  if (/\/.*\//.test(key) && /[.\d]/.test(key)) return true;
  return false;
}

/** After a value: another name or the end is fine; prose (`50000 files`, `0.5 seconds`) means it was a count or duration. */
function followedByProse(text: string, end: number, to: number): boolean {
  let j = end;
  while (j < to && text.charCodeAt(j) === 0x20) j++;
  if (j >= to) return false;
  const c0 = text.charCodeAt(j);
  // `copypaste: 0.211 0.382 0.215`: a value followed by more numbers is a vector, not one value.
  if (j > end && (isDigit(c0) || (c0 === 0x2d || c0 === 0x2e) && isDigit(text.charCodeAt(j + 1)))) return true;
  if (!isLetter(c0)) return false;
  // Up to three words, then a separator or a number: the next pair's name.
  for (let w = 0; w < 3; w++) {
    while (j < to && isKeyChar(text.charCodeAt(j))) j++;
    let k = j;
    while (k < to && isSpace(text.charCodeAt(k))) k++;
    if (k >= to) return w === 0 && j - end < 2 ? false : true;
    const c = text.charCodeAt(k);
    if (c === 0x3a || c === 0x3d) return false;
    if (isDigit(c) || c === 0x2d || c === 0x2e) return false;
    if (c === 0x28 || c === 0x5b || c === 0x7c || c === 0x2c) return w === 0 ? true : true;
    if (!isLetter(c)) return true;
    j = k;
  }
  return true;
}

// Prose words: a name never contains them (`improved from inf to 0.21` is a sentence, not two values).
const STOP_WORDS = new Set(['from', 'to', 'of', 'in', 'at', 'by', 'for', 'with', 'is', 'was', 'are', 'were', 'be', 'the', 'a', 'an',
  'and', 'or', 'on', 'after', 'before', 'than', 'into', 'over', 'under', 'using', 'use', 'set', 'reached', 'got', 'has', 'have',
  'had', 'will', 'not', 'no', 'did', 'does', 'it', 'this', 'that', 'which', 'when', 'since', 'until', 'saving', 'saved', 'loading',
  'loaded', 'found', 'took', 'takes', 'every', 'each', 'all', 'only', 'as', 'so', 'if', 'then', 'than', 'we', 'you', 'i', 'improved',
  'did', 'reducing', 'stopping', 'increased', 'decreased', 'changed', 'became', 'becomes', 'now', 'still']);

const BARE_TOKEN_RE = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf)%?$/i;
const TOKEN_RE = /\S+/g;
const BARE_WORD_RE = /^[A-Za-z_][\w.\-/@']*$/;

/** `loss 0.25` / `Acc@1 76.1 Acc@5 92.9` filling a whole delimited piece. */
function barePairs(text: string, from: number, to: number, scan: LineScan): number {
  if (to - from < 3) return -1;
  let digit = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      digit = true;
      break;
    }
  }
  if (!digit && !/nan|inf/i.test(text.slice(from, to))) return -1;
  let piece = text.slice(from, to);
  let known = true;
  // `loss Array(0.04, dtype=float32)`, `loss tensor(0.5, device='cuda:0')`: the number inside.
  if (piece.includes('(')) {
    const unwrapped = piece.replace(/\b(?:tensor|Array|array|DeviceArray|np\.float\d+|numpy\.float\d+)\(\s*([^,()\s]+)[^()]*\)?/g, '$1');
    if (unwrapped !== piece) known = false;
    piece = unwrapped;
  }
  if (piece.length < 3 || piece.length > 200) return -1;
  const toks: string[] = [];
  const starts: number[] = [];
  // Tokens after a column gap (two or more spaces, a tab): words across one are no single name.
  const gapped: boolean[] = [];
  TOKEN_RE.lastIndex = 0;
  let prevEnd = -1;
  for (let m = TOKEN_RE.exec(piece); m !== null; m = TOKEN_RE.exec(piece)) {
    toks.push(m[0]);
    starts.push(known ? from + m.index : -1);
    gapped.push(prevEnd >= 0 && (m.index - prevEnd > 1 || piece.charCodeAt(prevEnd) === 0x09));
    prevEnd = m.index + m[0].length;
  }
  let i = 0;
  // Leading bullets (`*`, `-`, `=>`) are decoration.
  while (i < toks.length && /^[*\->=•·]+$/.test(toks[i])) i++;
  const found: RawPair[] = [];
  while (i < toks.length) {
    const words: string[] = [];
    while (i < toks.length && BARE_WORD_RE.test(toks[i]) && !BARE_TOKEN_RE.test(toks[i])) {
      // `Validate metric      DataLoader 0`: a table's header cells, not the name `Validate metric DataLoader`.
      if (words.length > 0 && gapped[i]) return -1;
      words.push(toks[i]);
      i++;
    }
    if (words.length === 0 || words.length > 3 || i >= toks.length) return -1;
    for (const w of words) if (STOP_WORDS.has(w.toLowerCase())) return -1;
    const t = toks[i];
    if (!BARE_TOKEN_RE.test(t)) return -1;
    const key = words.join(' ');
    if (badKey(key)) return -1;
    const numText = t.endsWith('%') ? t.slice(0, -1) : t;
    const lower = numText.toLowerCase();
    const value = lower.endsWith('nan') ? NaN : lower.endsWith('inf') ? (numText.startsWith('-') ? -Infinity : Infinity) : Number(numText);
    found.push({ key, value, bare: true, tight: false, integral: !/[.eE%]/.test(t) && !Number.isNaN(value) && Number.isFinite(value), structured: false, pos: starts[i] });
    i++;
    // `Loss 6.91e+00 (6.93e+00)`, `Acc@1   0.00 (  0.11)`: a running average in parentheses follows.
    if (i < toks.length && toks[i].startsWith('(')) {
      let j = i;
      while (j < toks.length && !toks[j].endsWith(')')) j++;
      if (j - i > 3 || j >= toks.length) return -1;
      i = j + 1;
    }
  }
  for (const p of found) scan.pairs.push(p);
  return found.length > 0 ? from : -1;
}

/** The split a line names before its first value (`Test set: ...`, `| valid | epoch 001 | ...`). */
const SPLIT_RE = /(?:^|[^A-Za-z])(train|training|val|valid|validation|test|eval|evaluation|dev)(?![A-Za-z])/i;

function splitBefore(text: string, from: number, to: number): string | null {
  if (to <= from) return null;
  const m = SPLIT_RE.exec(text.slice(from, Math.min(to, from + 120)));
  return m === null ? null : m[1].toLowerCase();
}
