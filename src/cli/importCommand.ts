// `exptrack import PATH [--experiment E] [--dry-run] [--json]`: brings runs of MLflow, TensorBoard,
// W&B, DVCLive or a CSV file into the store (docs/import.md). Exit codes: 0 imported (things skipped
// are listed, not failures), 1 nothing to import at PATH or the store cannot be written, 2 usage,
// 130 stopped by Ctrl-C (between runs: the runs listed are imported whole).
import path from 'node:path';
import { runImportJob, type ImportJobResult } from '../core/import/importJob';
import { findStoreDir } from '../core/store/findStoreDir';
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
  const { dir } = findStoreDir(io.cwd, io.env);
  const logger = { info: () => undefined, warn: (m: string) => io.stderr(`exptrack: ${m}\n`), error: (m: string) => io.stderr(`exptrack: ${m}\n`) };
  // The first Ctrl-C stops the import between two runs (what was written stays whole); a second one
  // ends the process at once as usual.
  let stop = false;
  const onInterrupt = (): void => {
    if (stop) process.exit(130);
    stop = true;
    io.stderr('exptrack: stopping after the current run (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onInterrupt);
  let result: ImportJobResult;
  try {
    result = await runImportJob({ root, storeDir: dir, experiment, dryRun, logger, shouldStop: () => stop });
  } catch (e) {
    // Nothing to import at PATH (ImportPathError), or the store cannot be opened.
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return result.cancelled ? 130 : 0;
  }
  for (const r of result.runs) {
    io.stdout(`${r.outcome.padEnd(9)} ${r.id}  ${r.source.padEnd(11)} ${r.experiment} / ${r.name}  ${r.newPoints === r.points ? `${r.points} points` : `${r.newPoints} of ${r.points} points new`}\n`);
  }
  if (result.skipped.length) {
    io.stdout(`skipped:\n`);
    for (const s of result.skipped) io.stdout(`  ${s.path}: ${s.reason}\n`);
  }
  const count = (o: string): number => result.runs.filter((r) => r.outcome === o).length;
  io.stdout(`${dryRun ? 'would import' : 'imported'} ${result.runs.length} run(s) (${count('new')} new, ${count('updated')} updated, ${count('unchanged')} unchanged), ` +
    `${result.pointsWritten} point(s)${dryRun ? '' : ` in ${result.seconds.toFixed(1)} s`}; ${result.skipped.length} item(s) skipped${dryRun ? '; nothing was written (--dry-run)' : ''}` +
    `${result.cancelled ? '; stopped before the end: the runs listed are imported whole, the rest not (import again to go on)' : ''}\n`);
  return result.cancelled ? 130 : 0;
}
