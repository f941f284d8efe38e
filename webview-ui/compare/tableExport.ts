import type { MetricDirection, RunData } from '../../src/protocol/panelData';
import { formatParam, formatValue } from '../shared/format';

function csvField(v: string): string {
  // A leading = + @ (or - not starting a number) makes spreadsheets evaluate the cell as a formula.
  const safe = /^[=+@]|^-(?![\d.])/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const raw = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** Params and metric summaries of every run, one row per param or metric statistic. */
export function compareCsv(runs: readonly RunData[], paramKeys: readonly string[], metricKeys: readonly string[]): string {
  const rows: string[][] = [['section', 'key', 'stat', ...runs.map((r) => r.name)], ['run', 'id', '', ...runs.map((r) => r.id)]];
  for (const k of paramKeys) {
    rows.push(['param', k, '', ...runs.map((r) => (r.params[k] === undefined ? '' : String(r.params[k])))]);
  }
  for (const k of metricKeys) {
    for (const stat of ['last', 'min', 'max', 'bestStep'] as const) {
      rows.push(['metric', k, stat, ...runs.map((r) => raw(r.metrics[k]?.[stat]))]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function mdCell(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(mdCell).join(' | ')} |`).join('\n');
}

/** Two Markdown tables (params, last metric values with deltas to the baseline) for notes and PRs. */
export function compareMarkdown(
  runs: readonly RunData[], baseline: RunData | undefined, paramKeys: readonly string[], metricKeys: readonly string[],
  directions: Readonly<Record<string, MetricDirection>>,
): string {
  const header = ['', ...runs.map((r) => (r === baseline ? `${r.name} (baseline)` : r.name))];
  const params = mdTable(header, paramKeys.map((k) => [k, ...runs.map((r) => formatParam(r.params[k]))]));
  const metrics = mdTable(header, metricKeys.map((k) => [k + (directions[k] ? (directions[k] === 'lower' ? ' ↓' : ' ↑') : ''), ...runs.map((r) => {
    const m = r.metrics[k];
    if (!m) return '—';
    const b = baseline?.metrics[k];
    const delta = b && r !== baseline && Number.isFinite(m.last - b.last) ? ` (${m.last - b.last >= 0 ? '+' : ''}${formatValue(m.last - b.last)})` : '';
    return formatValue(m.last) + delta;
  })]));
  return `### Params\n\n${params}\n\n### Metrics (last value, delta to baseline)\n\n${metrics}\n`;
}
