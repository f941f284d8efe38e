// Handlers for the read side of the CLI: ls, show, compare, export, doctor. Each returns an exit code:
// 0 success, 1 failure (no such run, unreadable store, doctor found problems), 2 usage error.
import * as path from 'node:path';
import { FilterError } from '../core/filter/filterParser';
import type { MetricSummary, ParamValue, RunDetail, RunSummary } from '../core/model';
import { CODE_LEFT_OUT_TAG, leftOutOf } from '../core/recorder/secretFiles';
import type { Store } from '../core/store/store';
import type { CliIo } from './cliIo';
import { openReadStore, type ReadStoreNotes } from './openReadStore';
import { doctorLines } from '../core/store/doctorText';
import { formatBytes, formatDateTime, formatDuration, formatParam, formatValue } from '../protocol/format';
import { csvCell } from '../protocol/csv';
import { runsTable, type RunsTableColumn } from '../core/export/runsTable';
import { FOLDER_EXPORT_FORMATS, isFolderExportFormat } from '../core/export/folderExport';

export class UsageError extends Error {}

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string[]>;
}

/** Parses `--name value`, `--name=value` and boolean flags; unknown flags are usage errors. */
export function parseArgs(argv: readonly string[], valued: readonly string[], booleans: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string): void => { flags.set(k, [...(flags.get(k) ?? []), v]); };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '-') { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      add(name, 'true');
    } else if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      add(name, v);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, flags };
}

export const one = (a: ParsedArgs, k: string): string | undefined => a.flags.get(k)?.at(-1);

/** Opens the store read-only (it never writes while answering a query) and runs `f`. */
async function withStore(io: CliIo, f: (store: Store) => number | Promise<number>, usage: string, argv: () => void, notes?: ReadStoreNotes): Promise<number> {
  try {
    argv();
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack: ${e.message}\nusage: ${usage}\n`); return 2; }
    throw e;
  }
  const store = await openReadStore(io, notes);
  if (!store) return 1;
  try {
    return await f(store);
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack: ${e.message}\nusage: ${usage}\n`); return 2; }
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return e instanceof FilterError ? 2 : 1;
  } finally {
    await store.close();
  }
}

/** `exptrack ls [--experiment E] [--filter Q] [--limit N] [--json]` */
export async function ls(argv: string[], io: CliIo): Promise<number> {
  const usage = 'exptrack ls [--experiment E] [--filter Q] [--limit N] [--json]';
  let a!: ParsedArgs;
  const notes: ReadStoreNotes = {};
  return withStore(io, (store) => {
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const limitText = one(a, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new UsageError('--limit needs a whole number');
    const runs = store.listRuns({ experiment: one(a, 'experiment'), filter: one(a, 'filter'), limit });
    if (a.flags.has('json')) {
      io.stdout(`${JSON.stringify(runs.map(summaryJson), null, 2)}\n`);
      return 0;
    }
    if (!runs.length) {
      if (store.listRuns({ limit: 1 }).length) io.stdout('no runs match\n');
      else if (notes.unreadableDatabase !== undefined) io.stdout(`no runs readable in ${store.dir}\n`);
      else io.stdout(`no runs recorded yet in ${store.dir}${movedAsideNote(store)}\n`);
      return 0;
    }
    const rows = runs.map((r) => [
      r.id.slice(0, 10), r.name, r.experiment, r.status, formatDateTime(r.startedAt), formatDuration(r.durationMs),
      Object.entries(r.metrics).slice(0, 3).map(([k, m]) => `${k}=${formatValue(m.last)}`).join(' '),
    ]);
    io.stdout(table(['ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', 'METRICS'], rows, [10, 30, 20, 11, 16, 9, 60]));
    return 0;
  }, usage, () => { a = parseArgs(argv, ['experiment', 'filter', 'limit'], ['json']); }, notes);
}

/** After a corrupt database was moved aside, an empty store is not "nothing recorded": say where the earlier runs are. */
function movedAsideNote(store: Store): string {
  const aside = store.doctor().corruptFiles;
  if (aside.length === 0) return '';
  const files = aside.map((f) => path.join(store.dir, f)).join(', ');
  return ` since a corrupt database was moved aside: the runs recorded before are in ${files} (kept for inspection; see exptrack doctor)`;
}

/** `exptrack show RUN [--json] [--series KEY]...` */
export async function show(argv: string[], io: CliIo): Promise<number> {
  const usage = 'exptrack show RUN [--json] [--series KEY]...';
  let a!: ParsedArgs;
  return withStore(io, (store) => {
    if (a.positional.length !== 1) throw new UsageError(a.positional.length ? 'give one run' : 'which run? give an id, id prefix, name, @last or @last~N');
    const id = store.resolveRun(a.positional[0]);
    const series = a.flags.get('series') ?? [];
    const d = store.getRun(id, { series })!;
    for (const k of series) if (!(k in d.metrics)) io.stderr(`exptrack: run ${d.id} has no metric '${k}' (it has: ${Object.keys(d.metrics).join(', ') || 'none'})\n`);
    if (a.flags.has('json')) {
      io.stdout(`${JSON.stringify(detailJson(d, series.length > 0), null, 2)}\n`);
      return 0;
    }
    const out: string[] = [];
    const line = (k: string, v: string): void => { out.push(`${`${k}:`.padEnd(12)} ${clean(v)}`); };
    line('run', `${d.id}  ${d.name}`);
    line('experiment', d.experiment);
    line('status', `${d.status}${d.exitCode !== null ? ` (exit ${d.exitCode})` : ''}`);
    line('command', d.command);
    line('cwd', d.cwd);
    line('started', formatDateTime(d.startedAt));
    line('duration', formatDuration(d.durationMs));
    if (d.git) line('git', `${d.git.commit?.slice(0, 10) ?? '?'}${d.git.branch ? ` on ${d.git.branch}` : ''}${d.git.dirty ? ' (dirty)' : ''}${d.git.snapshot ? `, snapshot ${d.git.snapshot.slice(0, 10)}` : ''}`);
    const section = (title: string, entries: [string, string][]): void => {
      if (!entries.length) return;
      out.push('', `${title}:`);
      const w = Math.min(40, Math.max(...entries.map(([k]) => k.length)));
      for (const [k, v] of entries) out.push(`  ${clean(k).padEnd(w)}  ${clean(v)}`);
    };
    section('params', Object.entries(d.params).map(([k, v]) => [k, formatParam(v)]));
    section('metrics', Object.entries(d.metrics).map(([k, m]) => [k, `${formatValue(m.last)}  (min ${formatValue(m.min)}, max ${formatValue(m.max)}, ${m.count} points, last step ${m.lastStep})`]));
    section('tags', Object.entries(d.tags).filter(([k]) => k !== CODE_LEFT_OUT_TAG).map(([k, v]) => [k, v]));
    const leftOut = leftOutOf(d.tags);
    if (leftOut) {
      const more = leftOut.count - leftOut.files.length;
      section(`left out of the code snapshot (${leftOut.count})`, [...leftOut.files.map((f): [string, string] => [f.path, f.reason]), ...(more > 0 ? [[`… ${more} more`, ''] as [string, string]] : [])]);
    }
    section('artifacts', d.artifacts.map((x) => [x.path, `${x.role} ${x.kind}${x.sha256 ? ` ${x.sha256.slice(0, 12)}` : ''}${x.size !== null ? ` ${formatBytes(x.size)}` : ''}`]));
    if (d.note) out.push('', 'note:', ...d.note.split('\n').map((l) => `  ${clean(l)}`));
    for (const [k, pts] of Object.entries(d.series ?? {})) {
      out.push('', `series ${clean(k)} (step, value, time):`);
      for (const [step, value, time] of pts) out.push(`  ${step}\t${formatValue(value)}\t${new Date(time).toISOString()}`);
    }
    io.stdout(`${out.join('\n')}\n`);
    return 0;
  }, usage, () => { a = parseArgs(argv, ['series'], ['json']); });
}

/** `exptrack compare RUN RUN... [--json]`: the first run is the baseline for metric deltas. */
export async function compare(argv: string[], io: CliIo): Promise<number> {
  const usage = 'exptrack compare RUN RUN... [--json]';
  let a!: ParsedArgs;
  return withStore(io, (store) => {
    if (a.positional.length < 2) throw new UsageError('give at least two runs');
    const ids = a.positional.map((r) => store.resolveRun(r));
    const runs = ids.map((id) => store.getRun(id)!);
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const params: Record<string, (ParamValue | undefined)[]> = {};
    for (const k of paramKeys) params[k] = runs.map((r) => (k in r.params ? r.params[k] : undefined));
    const differs = (vals: unknown[]): boolean => new Set(vals.map((v) => JSON.stringify(v ?? '\u0000missing'))).size > 1;
    const changedParams = paramKeys.filter((k) => differs(params[k]));
    if (a.flags.has('json')) {
      const metrics: Record<string, (MetricSummary | null)[]> = {};
      for (const k of metricKeys) metrics[k] = runs.map((r) => r.metrics[k] ?? null);
      const paramsJson: Record<string, (ParamValue)[]> = {};
      for (const k of paramKeys) paramsJson[k] = params[k].map((v) => (v === undefined ? null : v));
      io.stdout(`${JSON.stringify({ runs: runs.map(summaryJson), baseline: runs[0].id, params: paramsJson, changedParams, metrics }, null, 2)}\n`);
      return 0;
    }
    const header = ['', ...runs.map((r) => `${r.id.slice(0, 10)} ${r.name}`)];
    const rows: string[][] = [
      ['experiment', ...runs.map((r) => r.experiment)],
      ['status', ...runs.map((r) => r.status)],
      ['duration', ...runs.map((r) => formatDuration(r.durationMs))],
    ];
    for (const k of paramKeys) rows.push([`${changedParams.includes(k) ? '* ' : '  '}params.${k}`, ...params[k].map((v) => (v === undefined ? '—' : formatParam(v)))]);
    for (const k of metricKeys) {
      const base = runs[0].metrics[k]?.last;
      rows.push([`  metrics.${k}`, ...runs.map((r, i) => {
        const m = r.metrics[k];
        if (!m) return '—';
        if (i === 0 || base === undefined || !Number.isFinite(base) || !Number.isFinite(m.last)) return formatValue(m.last);
        const delta = m.last - base;
        return `${formatValue(m.last)} (${delta >= 0 ? '+' : ''}${formatValue(delta)})`;
      })]);
    }
    io.stdout(table(header, rows, [40, ...runs.map(() => 32)]));
    io.stdout(changedParams.length ? `* params that differ; metric deltas against ${runs[0].id.slice(0, 10)}\n` : `metric deltas against ${runs[0].id.slice(0, 10)}\n`);
    return 0;
  }, usage, () => { a = parseArgs(argv, [], ['json']); });
}

/** `exptrack export [--format csv|json] [--experiment E] [--filter Q]`: every run, to stdout; or a folder layout into DIR. */
export async function exportRuns(argv: string[], io: CliIo): Promise<number> {
  const usage = 'exptrack export [--format csv|json] [--experiment E] [--filter Q]\n       exptrack export --format mlflow|dvclive|parquet DIR [--experiment E] [--filter Q]';
  let a!: ParsedArgs;
  return withStore(io, async (store) => {
    const format = one(a, 'format') ?? 'csv';
    const folder = isFolderExportFormat(format);
    if (folder) {
      if (a.positional.length !== 1) throw new UsageError(`--format ${format} needs the folder to write: exptrack export --format ${format} DIR`);
    } else if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    if (format !== 'csv' && format !== 'json' && !folder) throw new UsageError(`unknown format '${format}' (csv, json, ${FOLDER_EXPORT_FORMATS.join(', ')})`);
    const runs = store.listRuns({ experiment: one(a, 'experiment'), filter: one(a, 'filter') }).reverse().map((r) => store.getRun(r.id)!);
    if (folder) return (await import('./exportFolderCommand')).exportFolder(format, store, runs, a.positional[0], io);
    if (format === 'json') {
      io.stdout(`${JSON.stringify(runs.map((d) => detailJson(d, false)), null, 2)}\n`);
      return 0;
    }
    const table = runsTable(runs);
    const cell = (c: RunsTableColumn, i: number): unknown => (c.kind === 'time' && c.values[i] !== null ? new Date(c.values[i] as number).toISOString() : c.values[i]);
    const lines = [table.map((c) => csvCell(c.name)).join(',')];
    for (let i = 0; i < runs.length; i++) lines.push(table.map((c) => csvCell(cell(c, i))).join(','));
    io.stdout(`${lines.join('\r\n')}\r\n`);
    return 0;
  }, usage, () => { a = parseArgs(argv, ['format', 'experiment', 'filter'], []); });
}

/** `exptrack doctor [--json]`: exit 1 when the database or the journals need attention. */
export async function doctor(argv: string[], io: CliIo): Promise<number> {
  const usage = 'exptrack doctor [--json]';
  let a!: ParsedArgs;
  return withStore(io, (store) => {
    if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
    const d = store.doctor();
    const healthy = d.integrity.length === 1 && d.integrity[0] === 'ok' && d.problems.length === 0 && !(d.lock?.stale ?? false);
    if (a.flags.has('json')) {
      io.stdout(`${JSON.stringify({ ...d, healthy }, null, 2)}\n`);
      return healthy ? 0 : 1;
    }
    const out = doctorLines(d, healthy);
    io.stdout(`${out.map(clean).join('\n')}\n`);
    return healthy ? 0 : 1;
  }, usage, () => { a = parseArgs(argv, [], ['json']); });
}

// ------------------------------------------------------------------ shapes and formatting

/** The `ls --json` entry. */
function summaryJson(r: RunSummary): Record<string, unknown> {
  return {
    id: r.id, name: r.name, experiment: r.experiment, status: r.status, exitCode: r.exitCode, command: r.command, cwd: r.cwd,
    startedAt: r.startedAt, endedAt: r.endedAt, durationMs: r.durationMs, metrics: r.metrics,
  };
}

/** The `show --json` shape of the issue; NaN and ±Infinity print as null (JSON has no such numbers). */
function detailJson(d: RunDetail, withSeries: boolean): Record<string, unknown> {
  return {
    id: d.id, name: d.name, experiment: d.experiment, status: d.status, exitCode: d.exitCode, command: d.command, cwd: d.cwd,
    startedAt: d.startedAt, endedAt: d.endedAt, durationMs: d.durationMs, params: d.params, metrics: d.metrics, tags: d.tags,
    git: d.git ? { commit: d.git.commit, branch: d.git.branch, dirty: d.git.dirty, snapshot: d.git.snapshot } : null,
    environment: d.environment,
    artifacts: d.artifacts.map((x) => ({ path: x.path, role: x.role, kind: x.kind, sha256: x.sha256, size: x.size })),
    ...(withSeries ? { series: d.series ?? {} } : {}),
  };
}

/** Control characters (escape sequences in a run name) never reach the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function table(header: string[], rows: string[][], widths: number[]): string {
  const cut = (s: string, w: number): string => { const c = clean(s).replace(/[\n\t]/g, ' '); return c.length > w ? `${c.slice(0, w - 1)}…` : c; };
  const cells = [header, ...rows].map((r) => r.map((c, i) => cut(c, widths[i] ?? 40)));
  const w = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd()).join('\n') + '\n';
}
