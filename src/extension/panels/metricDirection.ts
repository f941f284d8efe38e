import type { MetricDirection } from '../../protocol/panelData';

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
export function inferMetricDirection(
  key: string, overrides: Readonly<Record<string, MetricDirection>> = {},
): MetricDirection | undefined {
  if (Object.hasOwn(overrides, key)) return overrides[key];
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
