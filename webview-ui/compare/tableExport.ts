import { csvCell } from '../../src/protocol/csv';
import type { MetricDirection, RunData } from '../../src/protocol/panelData';
import { formatParam, formatValue } from '../../src/protocol/format';

const raw = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/**
 * One row per run, one column per field: what spreadsheets and `pandas.read_csv` expect. Columns are
 * named as MLflow's `search_runs` names them (`params.lr`, `metrics.loss` for the last value), with
 * `metrics.<key>.min`, `.max` and `.best_step` beside each metric; times are ISO 8601 (UTC).
 */
export function compareCsv(runs: readonly RunData[], paramKeys: readonly string[], metricKeys: readonly string[]): string {
  const stats = [['min', 'min'], ['max', 'max'], ['best_step', 'bestStep']] as const;
  const header = [
    'run_id', 'name', 'experiment', 'status', 'start_time', 'duration_s',
    ...paramKeys.map((k) => `params.${k}`),
    ...metricKeys.flatMap((k) => [`metrics.${k}`, ...stats.map(([name]) => `metrics.${k}.${name}`)]),
  ];
  const rows = runs.map((r) => [
    r.id, r.name, r.experiment, r.status, new Date(r.startedAt).toISOString(),
    r.durationMs === null ? '' : String(r.durationMs / 1000),
    ...paramKeys.map((k) => (r.params[k] === undefined || r.params[k] === null ? '' : String(r.params[k]))),
    ...metricKeys.flatMap((k) => {
      const m = r.metrics[k];
      return [raw(m?.last), ...stats.map(([, field]) => raw(m?.[field]))];
    }),
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function mdCell(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(mdCell).join(' | ')} |`).join('\n');
}

/** Two Markdown tables (params, last metric values with their differences to the baseline) for notes and PRs. */
export function compareMarkdown(
  runs: readonly RunData[], baseline: RunData | undefined, paramKeys: readonly string[], metricKeys: readonly string[],
  directions: Readonly<Record<string, MetricDirection>>,
): string {
  const header = ['', ...runs.map((r) => (r === baseline ? `${r.name} (baseline)` : r.name))];
  const params = mdTable(header, paramKeys.map((k) => [k, ...runs.map((r) => formatParam(r.params[k]))]));
  let deltas = 0;
  const metrics = mdTable(header, metricKeys.map((k) => [k + (directions[k] ? (directions[k] === 'lower' ? ' ↓' : ' ↑') : ''), ...runs.map((r) => {
    const m = r.metrics[k];
    if (!m) return '—';
    const b = baseline?.metrics[k];
    const d = b && r !== baseline ? m.last - b.last : NaN;
    if (!Number.isFinite(d)) return formatValue(m.last);
    deltas++;
    return `${formatValue(m.last)} (${d >= 0 ? '+' : ''}${formatValue(d)})`;
  })]));
  // The heading promises the differences only when the table has some (one run, or no shared metric: none).
  const what = deltas && baseline ? `last value; in brackets, the difference to ${baseline.name}` : 'last value';
  return `### Params\n\n${params}\n\n### Metrics (${mdCell(what)})\n\n${metrics}\n`;
}
