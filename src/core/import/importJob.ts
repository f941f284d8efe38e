// One import of PATH into a store, as `exptrack import` and the editor's "Import Runs…" both run it
// (the editor in a worker thread, so the extension host never waits on it): find the sources, read
// them one run at a time, write each through the store's ingestion path, apply notes, close. It can
// be stopped between runs: the runs written until then are whole and stay; the rest is left for the
// next import (which adds only what is new).
import type { RecordSink, RunDetail } from '../model';
import { ensureExptrackDir } from '../store/exptrackDir';
import { Store } from '../store/store';
import type { StoreLogger } from '../store/storeLogger';
import { pointCount, type ImportSkip } from './importedRun';
import { findSources, readSource, type SourceLocation } from './importSources';
import { writeImportedRun, type ImportTarget, type RunImportResult } from './importWriter';

export interface ImportJobOptions {
  /** The file or folder to import from (absolute). */
  readonly root: string;
  /** The store's folder (`.exptrack`); made when missing unless `dryRun`. */
  readonly storeDir: string;
  readonly experiment?: string;
  /** Count what would be written; write nothing. */
  readonly dryRun?: boolean;
  readonly logger: StoreLogger;
  /** Asked before each run is written: true stops the import there (the runs written stay). */
  readonly shouldStop?: () => boolean;
  readonly onSources?: (sources: readonly SourceLocation[]) => void;
  readonly onRun?: (run: ImportedRunResult, sourceIndex: number) => void;
}

export interface ImportedRunResult extends Omit<RunImportResult, 'note'> {
  readonly source: string;
  readonly location: string;
}

export interface ImportJobResult {
  readonly dryRun: boolean;
  readonly store: string;
  readonly sources: readonly string[];
  readonly runs: readonly ImportedRunResult[];
  readonly skipped: readonly ImportSkip[];
  readonly pointsWritten: number;
  readonly seconds: number;
  /** Stopped before the end (shouldStop): the runs listed are imported, whole; the others not. */
  readonly cancelled: boolean;
}

/**
 * Runs the import. Throws ImportPathError when PATH holds nothing to import, and the store's own
 * error when it cannot be opened; everything a reader cannot read is in `skipped`.
 */
export async function runImportJob(opts: ImportJobOptions): Promise<ImportJobResult> {
  const sources = findSources(opts.root);
  opts.onSources?.(sources);
  const dryRun = !!opts.dryRun;
  if (!dryRun) ensureExptrackDir(opts.storeDir);
  const store = await Store.open(opts.storeDir, { logger: opts.logger, readOnly: dryRun });
  const skipped: ImportSkip[] = [];
  const runs: ImportedRunResult[] = [];
  const notes: { id: string; note: string }[] = [];
  const target: ImportTarget = dryRun ? dryRunTarget(store) : store;
  const started = performance.now();
  let cancelled = false;
  try {
    sources: for (const [index, location] of sources.entries()) {
      for await (const run of readSource(opts.root, location, { experiment: opts.experiment, skip: (s) => skipped.push(s) })) {
        // Between runs, let the event loop run: a stop request (a message, a signal) arrives here.
        await new Promise((resolve) => setImmediate(resolve));
        if (opts.shouldStop?.()) { cancelled = true; break sources; }
        if (!pointCount(run) && !Object.keys(run.params).length && !Object.keys(run.tags).length) {
          skipped.push({ path: run.location, reason: `run ${run.sourceId} has no metrics, params or tags` });
          continue;
        }
        const { note, ...result } = writeImportedRun(run, target);
        if (note !== null) notes.push({ id: result.id, note });
        const done = { ...result, source: run.source, location: run.location };
        runs.push(done);
        opts.onRun?.(done, index);
      }
    }
    if (!dryRun) {
      // A note is an edit of a run the store holds: fold the starts written above first.
      await store.refresh();
      for (const n of notes) store.setNote(n.id, n.note);
    }
  } finally {
    await store.close();
  }
  return {
    dryRun, store: opts.storeDir, sources: sources.map((s) => s.path), runs, skipped, cancelled,
    pointsWritten: runs.reduce((n, r) => n + r.newPoints, 0), seconds: (performance.now() - started) / 1000,
  };
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
