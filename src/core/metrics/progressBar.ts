// Where a training progress bar stands: the epoch its description names and the count it shows out
// of its total (`Epoch 3:  45%|████▌     | 450/1000 [00:10<00:12, ...]`, Lightning's Rich
// `Epoch 3/9 ━━━━━━╸━━━━━ 450/1000 0:00:10 • 0:00:12 ...`). From these the parser places the bar's
// values on a step axis that moves within an epoch.

/** A bar that says both its epoch and its count out of a known total. */
export interface BarPosition {
  readonly epoch: number;
  /** Items done in this epoch, as the bar shows them. */
  readonly count: number;
  readonly total: number;
}

// After tqdm's percentage: the glyphs between `|` (or none: Colab drops them), then `n/total [`.
const TQDM_COUNT_RE = /\d+(?:\.\d+)?%(?:\|[^|]*\|)? *(\d+)\/(\d+) *\[/y;
// Rich's bar column (complete and remaining segments) then `n/total` and a time column.
const RICH_COUNT_RE = /[━╸╺] +(\d+)\/(\d+) +(?:\d|-:)/;
// The epoch a bar's description names: `Epoch 3:`, `Epoch 3/9`, `epoch 3 `.
const DESC_EPOCH_RE = /(?:^|[^A-Za-z_])epoch[ :#]*(\d+)(?:\/\d+)?(?=[\s:|,\]]|$)/i;

/** Whether `text` may hold a Rich bar: a cheap test before {@link barPosition} (its segments are drawn with `━`, at any progress). */
export function mayBeRichBar(text: string): boolean {
  return text.includes('━');
}

/**
 * The position of the bar in `text` (`tqdmAt`: where tqdm's percentage starts, -1 for none), or null
 * when the line has no bar, its description names no epoch, or its count or total is not a plain
 * integer (`450/?`, `1.5k/10k`).
 */
export function barPosition(text: string, tqdmAt: number): BarPosition | null {
  let count: string;
  let total: string;
  let descEnd: number;
  if (tqdmAt >= 0) {
    TQDM_COUNT_RE.lastIndex = tqdmAt;
    const m = TQDM_COUNT_RE.exec(text);
    if (m === null) return null;
    [, count, total] = m;
    descEnd = tqdmAt;
  } else {
    const m = RICH_COUNT_RE.exec(text);
    if (m === null) return null;
    [, count, total] = m;
    // The description ends where the bar's glyphs start.
    descEnd = m.index;
    while (descEnd > 0 && '━╸╺ '.includes(text[descEnd - 1])) descEnd--;
  }
  const e = DESC_EPOCH_RE.exec(text.slice(0, descEnd));
  if (e === null) return null;
  const n = Number(total);
  return n > 0 ? { epoch: Number(e[1]), count: Number(count), total: n } : null;
}
