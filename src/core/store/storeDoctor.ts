import fs from 'node:fs';
import path from 'node:path';
import { backgroundFolds, failedFoldMessage } from './backgroundFolds';
import { readFailureNotes } from './failureNotes';
import { readJournalHeader } from './journalReader';
import { type MigrationProgress, pointsLeftInCatalog, type PointsMigration } from './pointsMigration';
import { readUserVersion, schemaVersion } from './schema';
import type { StoreFold } from './storeFold';
import type { StoreImage } from './storeImage';
import type { StoreJournals } from './storeJournals';
import { lockPath, lockState, type StoreLock } from './storeLock';

/** What the store reports about itself (`exptrack doctor`). */
export interface DoctorReport {
  readonly dir: string;
  readonly dbFile: string;
  readonly dbBytes: number | null;
  readonly schemaVersion: number;
  readonly codeSchemaVersion: number;
  /** `['ok']` when SQLite's integrity_check finds nothing. */
  readonly integrity: readonly string[];
  readonly experiments: number;
  readonly runs: number;
  readonly runningRuns: number;
  /** Every point: in points files, folded but not yet saved, and (a store from before points files) in the catalog. */
  readonly metricPoints: number;
  /** Points files the catalog lists; `unreadable` says why each missing or damaged one cannot be read. */
  readonly pointFiles: { readonly files: number; readonly bytes: number; readonly unreadable: readonly string[] };
  readonly journals: readonly {
    readonly writer: string; readonly file: string; readonly bytes: number; readonly pendingBytes: number;
    readonly pid: number | null; readonly host: string | null; readonly alive: boolean; readonly closed: boolean;
  }[];
  readonly lock: { readonly writer: string | null; readonly pid: number | null; readonly host: string | null; readonly ageMs: number; readonly stale: boolean } | null;
  readonly corruptFiles: readonly string[];
  /** Reports of salvages (`<corrupt file>.salvage.txt`): what was recovered from a damaged database and what not. */
  readonly salvageReports: readonly { readonly file: string; readonly notRecovered: number }[];
  readonly lastSave: { readonly at: number; readonly ms: number; readonly bytes: number } | null;
  readonly problems: readonly string[];
  /**
   * A schema-v2 store whose points are not all moved to points files yet: how many runs and points
   * are left in the catalog (null when none). Moved in the background by the next writer.
   */
  readonly migration: MigrationProgress | null;
  /** Detached `exptrack _fold` processes running now (a failed one is a problem). */
  readonly backgroundFolds: readonly { readonly pid: number | null; readonly startedAt: number }[];
  /** Console lines too long for the metric parser (skipped, output.log keeps them), over all runs. */
  readonly skippedLongLines: { readonly runs: number; readonly lines: number };
}

/** What the doctor looks at. */
export interface DoctorSources {
  readonly dir: string;
  readonly image: StoreImage;
  readonly fold: StoreFold;
  readonly journals: StoreJournals;
  readonly lock: StoreLock | undefined;
  readonly problems: readonly string[];
  /** This store's own writer id (its failures are in `problems` already); absent for a read-only store. */
  readonly writerId?: string;
  /** A writer's migration (absent for a read-only store: progress is then read from the catalog). */
  readonly migration?: PointsMigration;
}

/** Integrity, journal state, sizes and schema version. */
export function doctorReport(s: DoctorSources): DoctorReport {
  const { image, fold } = s;
  const integrity = (image.db.exec('PRAGMA integrity_check')[0]?.values ?? []).map((r) => String(r[0]));
  const count = (sql: string): number => Number(image.db.exec(sql)[0]?.values[0]?.[0] ?? 0);
  const offsets = fold.offsets();
  const journals = s.journals.files().map((f) => {
    const writer = f.slice(0, -'.jsonl'.length);
    const file = path.join(s.journals.journalDir, f);
    let bytes = 0;
    try { bytes = fs.statSync(file).size; } catch { /* vanished */ }
    const o = offsets.get(writer);
    let header: { pid?: number; host?: string } = {};
    try { header = JSON.parse(readJournalHeader(file) ?? '{}'); } catch { /* no header yet */ }
    const closed = o?.closed ?? false;
    return {
      writer, file, bytes, pendingBytes: Math.max(0, bytes - (o?.offset ?? 0)) * (closed ? 0 : 1),
      pid: typeof header.pid === 'number' ? header.pid : null, host: typeof header.host === 'string' ? header.host : null,
      alive: !closed && !fold.isWriterGone(writer, file), closed,
    };
  });
  const ls = s.lock ? lockState(s.lock.file) : lockState(lockPath(s.dir));
  let corruptFiles: string[] = [];
  try { corruptFiles = fs.readdirSync(s.dir).filter((f) => f.startsWith('exptrack.db.corrupt-')); } catch { /* no folder */ }
  const salvageReports = corruptFiles.filter((f) => f.endsWith('.salvage.txt')).map((file) => {
    let text = '';
    try { text = fs.readFileSync(path.join(s.dir, file), 'utf8'); } catch { /* gone */ }
    const from = text.indexOf('\nNot recovered:\n');
    return { file, notRecovered: from < 0 ? 0 : text.slice(from).split('\n').filter((l) => l.startsWith('  ')).length };
  });
  corruptFiles = corruptFiles.filter((f) => !f.endsWith('.salvage.txt'));
  const walProblems: string[] = [];
  try {
    if (fs.statSync(`${image.dbFile}-wal`).size > 0) walProblems.push(`${image.dbFile}-wal exists: a sqlite3 tool wrote to the database in WAL mode; exptrack does not read that file (checkpoint it with sqlite3, then remove it)`);
  } catch { /* none: the normal case */ }
  const st = image.statFile();
  const pf = image.points.check(image.db);
  const folds = backgroundFolds(s.dir);
  const migration = migrationProgress(image, s.migration);
  // Failures of other writers (the editor's save failing while `exptrack doctor` runs, say).
  const others = readFailureNotes(s.dir).filter((n) => n.writer !== s.writerId).flatMap((n) => n.failures.map((f) =>
    `writer ${n.writer} (pid ${n.pid} on ${n.host}${n.alive ? '' : ', gone'}): ${f.message} (failing since ${new Date(f.since).toISOString()})`));
  return {
    dir: s.dir, dbFile: image.dbFile, dbBytes: st?.size ?? null,
    // A file being migrated is still the old version on disk (the catalog in memory is already this one's).
    schemaVersion: image.legacy?.file.userVersion ?? readUserVersion(image.db), codeSchemaVersion: schemaVersion,
    integrity, experiments: count('SELECT count(*) FROM experiments'), runs: count('SELECT count(*) FROM runs'),
    runningRuns: count("SELECT count(*) FROM runs WHERE status = 'running'"), metricPoints: (migration?.pointsLeft ?? 0) + pf.rows + image.points.pendingPoints(),
    pointFiles: { files: pf.files, bytes: pf.bytes, unreadable: pf.unreadable },
    journals,
    lock: ls ? { writer: ls.info?.writer ?? null, pid: ls.info?.pid ?? null, host: ls.info?.host ?? null, ageMs: ls.ageMs, stale: ls.stale } : null,
    corruptFiles, salvageReports, lastSave: image.lastSave, problems: [...s.problems, ...pf.unreadable.filter((u) => !s.problems.some((p) => p.startsWith(u))), ...walProblems, ...others, ...folds.filter((f) => !f.running).map(failedFoldMessage), ...(image.blocked ? [image.blocked] : []),
      ...(image.saveError ? [`saving has failed since ${new Date(image.saveError.since).toISOString()} (${image.saveError.message}); retried every 5 s, the last good file is kept and the journals hold everything until a save succeeds`] : [])],
    migration,
    backgroundFolds: folds.filter((f) => f.running).map((f) => ({ pid: f.pid, startedAt: f.startedAt })),
    skippedLongLines: {
      runs: count("SELECT count(*) FROM tags WHERE key = 'exptrack.skippedLongLines'"),
      lines: count("SELECT coalesce(sum(CAST(value AS INTEGER)), 0) FROM tags WHERE key = 'exptrack.skippedLongLines'"),
    },
  };
}


function migrationProgress(image: StoreImage, migration: PointsMigration | undefined): MigrationProgress | null {
  return pointsLeftInCatalog(image, migration?.moved ?? 0);
}
