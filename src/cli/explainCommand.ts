// `exptrack explain` and `exptrack baseline`: why a run differs from its experiment's baseline, and
// which run that baseline is.
import path from 'node:path';
import { baselineOf, clearBaseline, setBaseline } from '../core/explain/baseline';
import { explainRun, type ExplainItem, type ExplainReport } from '../core/explain/explainRun';
import { distinctPair } from '../core/explain/regressionCheck';
import { readMetricsConfig } from '../core/metrics/metricsConfig';
import { findStoreDir } from '../core/store/findStoreDir';
import { Store } from '../core/store/store';
import type { CliIo } from './cliIo';
import { openReadStore } from './openReadStore';
import { one, parseArgs, UsageError, type ParsedArgs } from './queryCommands';

const EXPLAIN_USAGE = 'exptrack explain RUN [--baseline B] [--metric KEY] [--json]';
const BASELINE_USAGE = 'exptrack baseline RUN | exptrack baseline --clear EXPERIMENT | exptrack baseline --show EXPERIMENT';

/** `exptrack explain RUN [--baseline B] [--metric KEY] [--json]`: what differs from the baseline, ranked. */
export async function explain(argv: string[], io: CliIo): Promise<number> {
  let a: ParsedArgs;
  try {
    a = parseArgs(argv, ['baseline', 'metric'], ['json']);
    if (a.positional.length !== 1) throw new UsageError(a.positional.length ? `unexpected argument '${a.positional[1]}'` : 'give the run to explain');
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack: ${e.message}\nusage: ${EXPLAIN_USAGE}\n`); return 2; }
    throw e;
  }
  const store = await openReadStore(io);
  if (!store) return 1;
  try {
    const runId = store.resolveRun(a.positional[0]);
    const run = store.getRun(runId)!;
    const given = one(a, 'baseline');
    const baselineId = given ? store.resolveRun(given) : baselineOf(store, run.experiment);
    if (!baselineId) {
      io.stderr(`exptrack: experiment ${run.experiment} has no baseline; set one with exptrack baseline RUN, or give --baseline B\n`);
      return 1;
    }
    if (baselineId === runId) {
      io.stderr(`exptrack: ${run.name} is the baseline of ${run.experiment}; give another run or --baseline B\n`);
      return 1;
    }
    const { dir } = findStoreDir(io.cwd, io.env);
    const { config, problems } = readMetricsConfig(dir);
    for (const p of problems) io.stderr(`exptrack: ${p}\n`);
    const report = await explainRun(store, runId, baselineId, { config, metric: one(a, 'metric'), repoHint: path.dirname(dir) });
    io.stdout(a.flags.has('json') ? `${JSON.stringify(report, null, 2)}\n` : explainText(report));
    return 0;
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** The report as a person reads it in a terminal. */
export function explainText(r: ExplainReport): string {
  const out: string[] = [];
  out.push(`${r.run.name} (${r.run.id}) against baseline ${r.baseline.name} (${r.baseline.id}), experiment ${r.run.experiment}`);
  if (r.metric && r.metricValues.run !== null && r.metricValues.baseline !== null) {
    const [v, b] = distinctPair(r.metricValues.run, r.metricValues.baseline);
    out.push(`${r.metric}: ${v} (baseline ${b})${r.metricDirection ? `, ${r.metricDirection} is better` : ''}`);
  }
  for (const line of r.regressions) out.push(`  worse: ${line}`);
  if (!r.regressions.length && r.metric) out.push('  not worse than the baseline (within tolerance)');
  out.push('');
  out.push(r.items.length ? 'What differs, most likely cause first:' : 'Nothing recorded differs: same params, code, inputs, command and environment.');
  r.items.forEach((item, i) => {
    out.push(`${String(i + 1).padStart(2)}. ${item.title}`);
    out.push(`    why here: ${item.evidence}`);
    for (const d of itemDetails(item)) out.push(`    ${d}`);
  });
  if (r.codeUnavailable) out.push(`(code not compared: ${r.codeUnavailable})`);
  const parted = r.curves.filter((c) => c.divergence);
  if (r.curves.length) {
    out.push('');
    out.push('Where the curves part:');
    for (const c of r.curves) {
      const d = c.divergence;
      if (!d) { out.push(`  ${c.key}: within the baseline's band throughout`); continue; }
      const [v, b] = distinctPair(d.value, d.baselineValue);
      out.push(`  ${c.key}: from step ${d.step} (${v} vs ${b} ± ${distinctPair(d.band, d.band)[0]}, ${d.side})`);
    }
    if (!parted.length && r.curves.length > 1) out.push('  (no curve leaves its baseline band)');
  }
  out.push('');
  out.push(r.method);
  return `${out.join('\n')}\n`;
}

function itemDetails(item: ExplainItem): string[] {
  switch (item.kind) {
    case 'data': return [`open: ${item.input.path}; versions: exptrack lineage ${item.input.path}`];
    case 'param': return [];
    case 'code': {
      const lines: string[] = [];
      for (const f of item.code.files) {
        lines.push(`${f.status} ${f.path} (+${f.added} −${f.removed})`);
        for (const h of f.hunks.slice(0, 3)) for (const l of h.split('\n').slice(0, 12)) lines.push(`    ${l}`);
      }
      if (item.code.source === 'git') lines.push(`git diff ${item.code.baselineRev.slice(0, 12)} ${item.code.runRev.slice(0, 12)}`);
      return lines;
    }
    case 'environment': {
      const e = item.environment;
      const lines: string[] = [];
      if (e.python) lines.push(`python ${e.python.baseline} → ${e.python.run}`);
      for (const p of e.packages) lines.push(`${p.change} ${p.name} ${p.baseline ?? ''}${p.baseline && p.run ? ' → ' : ''}${p.run ?? ''}`.trimEnd());
      if (e.gpus) lines.push(`GPU ${e.gpus.baseline ?? 'none'} → ${e.gpus.run ?? 'none'}`);
      for (const v of [...e.variables, ...e.machine]) lines.push(`${v.key}: ${v.baseline ?? '(unset)'} → ${v.run ?? '(unset)'}`);
      return lines;
    }
    case 'command': {
      const c = item.command;
      return [`baseline: ${c.baseline}`, `run:      ${c.run}`, ...(c.launcher ? [`launched by ${c.launcher.baseline} → ${c.launcher.run}`] : [])];
    }
  }
}

/** `exptrack baseline RUN`, `--clear EXPERIMENT`, `--show EXPERIMENT`: an experiment's baseline run. */
export async function baseline(argv: string[], io: CliIo): Promise<number> {
  let a: ParsedArgs;
  try {
    a = parseArgs(argv, ['clear', 'show'], []);
    const modes = [a.positional.length > 0, a.flags.has('clear'), a.flags.has('show')].filter(Boolean).length;
    if (modes !== 1 || a.positional.length > 1) throw new UsageError('give one run, or --clear EXPERIMENT, or --show EXPERIMENT');
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack: ${e.message}\nusage: ${BASELINE_USAGE}\n`); return 2; }
    throw e;
  }
  const { dir, exists } = findStoreDir(io.cwd, io.env);
  if (!exists) { io.stderr(`exptrack: no .exptrack folder here or above (${io.cwd})\n`); return 1; }
  let store: Store;
  try {
    store = await Store.open(dir, { readOnly: a.flags.has('show'), logger: { info: () => undefined, warn: (m) => io.stderr(`exptrack: ${m}\n`), error: (m) => io.stderr(`exptrack: ${m}\n`) } });
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const show = one(a, 'show');
    const clear = one(a, 'clear');
    if (show !== undefined) {
      const id = baselineOf(store, show);
      if (!id) { io.stderr(`exptrack: experiment ${show} has no baseline\n`); return 1; }
      io.stdout(`${id} ${store.getRun(id)?.name ?? ''}\n`);
      return 0;
    }
    if (clear !== undefined) {
      if (!store.listExperiments().some((e) => e.name === clear)) { io.stderr(`exptrack: no experiment named ${clear}\n`); return 1; }
      const cleared = clearBaseline(store, clear);
      io.stdout(cleared.length ? `${clear} has no baseline now (was ${cleared.map((id) => store.getRun(id)?.name ?? id).join(', ')})\n` : `${clear} had no baseline\n`);
      return 0;
    }
    const id = store.resolveRun(a.positional[0]);
    const run = store.getRun(id)!;
    const previous = setBaseline(store, id);
    io.stdout(`${run.name} (${id}) is the baseline of ${run.experiment}${previous.length ? ` (was ${previous.map((p) => store.getRun(p)?.name ?? p).join(', ')})` : ''}\n`);
    return 0;
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
