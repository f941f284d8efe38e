// Which way a metric improves: the one place that knows (Compare and Run panels colour deltas by it, the
// regression check and Explain judge "worse" by it, the CodeLens says "+0.8% vs baseline" by it).

/** Lower or higher is better. */
export type MetricDirection = 'lower' | 'higher';

/** Per-key directions that win over the name (`.exptrack/config.json` `metrics.directions`, the setting). */
export type DirectionOverrides = Readonly<Record<string, MetricDirection>>;

const lowerIsBetter = new Set(['loss', 'error', 'err', 'perplexity', 'ppl', 'wer', 'cer', 'mse', 'mae', 'rmse', 'nll']);
const higherIsBetter = new Set([
  'acc', 'accuracy', 'f1', 'auc', 'auroc', 'precision', 'recall', 'map', 'bleu', 'rouge', 'reward', 'return', 'iou',
  'top1', 'top5',
]);

/**
 * Which way a metric improves, from its key's words (`val/loss`, `eval_accuracy`, `trainMAE`), or
 * undefined when the key says nothing (then deltas are shown uncoloured rather than guessed).
 * An override for the exact key wins.
 */
export function inferMetricDirection(key: string, overrides: DirectionOverrides = {}): MetricDirection | undefined {
  if (Object.hasOwn(overrides, key)) return overrides[key];
  // The Runs view judges every row against its baseline on each redraw: the same few keys, over and over.
  const known = fromName.get(key);
  if (known !== undefined || fromName.has(key)) return known;
  if (fromName.size >= MAX_REMEMBERED) fromName.clear();
  const d = directionFromName(key);
  fromName.set(key, d);
  return d;
}

const fromName = new Map<string, MetricDirection | undefined>();
const MAX_REMEMBERED = 10_000;

function directionFromName(key: string): MetricDirection | undefined {
  const plain = key.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const camel = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  // The last matching word decides (`val/loss`, `eval_accuracy`: the tail is the noun). Whole
  // segments first so acronyms like `mAP` are not split into `m` + `ap`.
  for (const words of [plain, camel]) {
    for (let i = words.length - 1; i >= 0; i--) {
      if (lowerIsBetter.has(words[i])) return 'lower';
      if (higherIsBetter.has(words[i])) return 'higher';
    }
  }
  return undefined;
}

/**
 * A direction as users write it: `lower`/`min`/`minimize` or `higher`/`max`/`maximize` (the setting
 * `exptrack.metrics.directions` says min/max, config.json and the panels lower/higher); undefined otherwise.
 */
export function parseMetricDirection(value: unknown): MetricDirection | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'lower' || v === 'min' || v === 'minimize') return 'lower';
  if (v === 'higher' || v === 'max' || v === 'maximize') return 'higher';
  return undefined;
}

/**
 * Overrides from a user-written object (`{"val_score": "max"}`), keeping the entries that parse and
 * naming the ones that do not.
 */
export function directionOverrides(value: unknown): { directions: Record<string, MetricDirection>; invalid: string[] } {
  const directions: Record<string, MetricDirection> = {};
  const invalid: string[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { directions, invalid };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const d = parseMetricDirection(v);
    if (d) directions[k] = d;
    else invalid.push(k);
  }
  return { directions, invalid };
}

/** The better of two values by direction (NaN is never better than a number). */
export function isBetter(direction: MetricDirection, value: number, than: number): boolean {
  if (Number.isNaN(value)) return false;
  if (Number.isNaN(than)) return true;
  return direction === 'lower' ? value < than : value > than;
}

/**
 * How much worse `value` is than `reference`, relative to |reference| (0.083 = 8.3% worse); negative
 * when better, 0 when equal. A zero reference gives ±Infinity for any difference; a NaN value is
 * infinitely worse than a number.
 */
export function relativeWorsening(direction: MetricDirection, value: number, reference: number): number {
  if (Number.isNaN(value)) return Number.isNaN(reference) ? 0 : Infinity;
  if (Number.isNaN(reference)) return -Infinity;
  if (value === reference) return 0;
  const worseBy = direction === 'lower' ? value - reference : reference - value;
  if (reference === 0) return worseBy > 0 ? Infinity : -Infinity;
  return worseBy / Math.abs(reference);
}
