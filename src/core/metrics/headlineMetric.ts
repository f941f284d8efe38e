import type { MetricSummary } from '../model';

/** The metric a run is summarised by: validation accuracy/loss first, then any accuracy, loss, first key. */
export function headlineMetric(metrics: Readonly<Record<string, MetricSummary>>): [string, MetricSummary] | undefined {
  const keys = Object.keys(metrics);
  if (!keys.length) return undefined;
  const prefs = [/^(val|valid|validation|eval|test)[_/.\s-]?(acc|accuracy)$/i, /(val|valid|eval|test).*(acc|f1|auc)/i,
    /(val|valid|eval|test).*loss/i, /acc|f1|auc/i, /loss/i];
  for (const re of prefs) {
    const k = keys.find((key) => re.test(key));
    if (k) return [k, metrics[k]];
  }
  const k = [...keys].sort()[0];
  return [k, metrics[k]];
}

/** The metric several runs are summarised by (the Compare panel's scatter), over the keys any of them has. */
export function headlineKeyOf(runs: readonly { readonly metrics: Readonly<Record<string, MetricSummary>> }[]): string | null {
  return headlineMetric(Object.assign({}, ...runs.map((r) => r.metrics)))?.[0] ?? null;
}
