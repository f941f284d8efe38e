// `exptrack import PATH [--experiment E] [--dry-run] [--json]`: brings runs of MLflow, TensorBoard,
// W&B, DVCLive or a CSV file into the store (docs/import.md). Exit codes: 0 imported (things skipped
// are listed, not failures), 1 nothing to import at PATH or the store cannot be written, 2 usage.
import path from 'node:path';
import type { RecordSink, RunDetail } from '../core/model';
import type { ImportSkip } from '../core/import/importedRun';
import { pointCount } from '../core/import/importedRun';
import { findSources, ImportPathError, readSource } from '../core/import/importSources';
import { writeImportedRun, type ImportTarget, type RunImportResult } from '../core/import/importWriter';
import { ensureExptrackDir } from '../core/store/exptrackDir';
import { findStoreDir } from '../core/store/findStoreDir';
import { Store } from '../core/store/store';
import type { CliIo } from './cliIo';
import { one, parseArgs, UsageError } from './queryCommands';

const USAGE = 'exptrack import PATH [--experiment E] [--dry-run] [--json]';

export async function importRuns(argv: string[], io: CliIo): Promise<number> {
  let root: string;
  let experiment: string | undefined;
  let dryRun: boolean;
  let json: boolean;
  try {
    const a = parseArgs(argv, ['experiment'], ['dry-run', 'json']);
    if (a.positional.length !== 1) throw new UsageError(a.positional.length ? 'give one PATH' : 'no PATH given');
    root = path.resolve(io.cwd, a.positional[0]);
    experiment = one(a, 'experiment');
    if (experiment !== undefined && !experiment.trim()) throw new UsageError('--experiment needs a name');
    dryRun = a.flags.has('dry-run');
    json = a.flags.has('json');
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`exptrack: ${e.message}\nusage: ${USAGE}\n`); return 2; }
    throw e;
  }
  let sources;
  try { sources = findSources(root); } catch (e) {
    if (e instanceof ImportPathError) { io.stderr(`exptrack: ${e.message}\n`); return 1; }
    throw e;
  }
  const { dir } = findStoreDir(io.cwd, io.env);
  const logger = { info: () => undefined, warn: (m: string) => io.stderr(`exptrack: ${m}\n`), error: (m: string) => io.stderr(`exptrack: ${m}\n`) };
  let store: Store;
  try {
    if (!dryRun) ensureExptrackDir(dir);
    store = await Store.open(dir, { logger, readOnly: dryRun });
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  }
  const skipped: ImportSkip[] = [];
  const results: (RunImportResult & { source: string; location: string })[] = [];
  const target: ImportTarget = dryRun ? dryRunTarget(store) : store;
  const started = performance.now();
  try {
    for (const location of sources) {
      for await (const run of readSource(root, location, { experiment, skip: (s) => skipped.push(s) })) {
        if (!pointCount(run) && !Object.keys(run.params).length && !Object.keys(run.tags).length) {
          skipped.push({ path: run.location, reason: `run ${run.sourceId} has no metrics, params or tags` });
          continue;
        }
        results.push({ ...writeImportedRun(run, target), source: run.source, location: run.location });
      }
    }
    if (!dryRun) {
      // A note is an edit of a run the store holds: fold the starts written above first.
      await store.refresh();
      for (const r of results) if (r.note !== null) store.setNote(r.id, r.note);
    }
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const written = results.reduce((n, r) => n + r.newPoints, 0);
  if (json) {
    io.stdout(`${JSON.stringify({ dryRun, store: dir, sources, runs: results.map(({ note: _note, ...r }) => r), skipped, pointsWritten: written, seconds }, null, 2)}\n`);
    return 0;
  }
  for (const r of results) {
    io.stdout(`${r.outcome.padEnd(9)} ${r.id}  ${r.source.padEnd(11)} ${r.experiment} / ${r.name}  ${r.newPoints === r.points ? `${r.points} points` : `${r.newPoints} of ${r.points} points new`}\n`);
  }
  if (skipped.length) {
    io.stdout(`skipped:\n`);
    for (const s of skipped) io.stdout(`  ${s.path}: ${s.reason}\n`);
  }
  const count = (o: string): number => results.filter((r) => r.outcome === o).length;
  io.stdout(`${dryRun ? 'would import' : 'imported'} ${results.length} run(s) (${count('new')} new, ${count('updated')} updated, ${count('unchanged')} unchanged), ` +
    `${written} point(s)${dryRun ? '' : ` in ${seconds.toFixed(1)} s`}; ${skipped.length} item(s) skipped${dryRun ? '; nothing was written (--dry-run)' : ''}\n`);
  return 0;
}

/** The store as it is, with a sink that writes nothing: what an import would write, counted. */
function dryRunTarget(store: Store): ImportTarget {
  const nothing = (): void => undefined;
  const sink: RecordSink = {
    startRun: nothing, params: nothing, metrics: nothing, metricColumns: nothing, tags: nothing, artifact: nothing,
    environment: nothing, git: nothing, codeFiles: nothing, endRun: nothing,
  };
  return { sink, getRun: (id: string): RunDetail | undefined => store.getRun(id), setNote: nothing };
}
