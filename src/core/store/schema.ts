import type { Database } from 'sql.js';

/**
 * Forward migrations, index i takes a database from `user_version` i to i + 1. Never edit a shipped
 * step: append a new one. Child tables reference runs by the integer `rid` (smaller rows, faster joins
 * than a 36-character id repeated in every metric point).
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE runs (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    command TEXT NOT NULL,
    cwd TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    signal TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    pid INTEGER,
    host TEXT,
    writer TEXT
  );
  CREATE INDEX runs_started ON runs(started_at DESC);
  CREATE INDEX runs_experiment ON runs(experiment_id, started_at DESC);
  CREATE INDEX runs_writer_status ON runs(writer, status);
  CREATE TABLE params (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    type TEXT NOT NULL,
    num REAL,
    PRIMARY KEY (run, key)
  ) WITHOUT ROWID;
  -- Metric key names, so each point stores a small integer instead of repeating the name.
  CREATE TABLE metric_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  -- value NULL encodes NaN (SQLite stores NaN as NULL); ±Infinity are stored as REAL.
  CREATE TABLE metrics (
    run INTEGER NOT NULL,
    key INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL,
    time INTEGER NOT NULL,
    PRIMARY KEY (run, key, step)
  ) WITHOUT ROWID;
  -- Exact per-key summary, maintained at fold time; NULL in last/min/max encodes NaN.
  CREATE TABLE metric_summary (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    last REAL,
    min REAL,
    max REAL,
    count INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    last_time INTEGER NOT NULL,
    PRIMARY KEY (run, key)
  ) WITHOUT ROWID;
  -- Every point with readable names, for sqlite3 users.
  CREATE VIEW metric_points AS
    SELECT r.id AS run_id, k.name AS key, m.step, m.value, m.time
    FROM metrics m JOIN runs r ON r.rid = m.run JOIN metric_keys k ON k.id = m.key;
  CREATE TABLE tags (
    run INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run, key)
  ) WITHOUT ROWID;
  CREATE TABLE notes (
    run INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- One row per artifact version: same path with new content is a new row. sha256 '' = unknown.
  CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER,
    mtime INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (path, sha256)
  );
  CREATE TABLE events (
    run INTEGER NOT NULL,
    artifact INTEGER NOT NULL,
    role TEXT NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (run, artifact, role)
  ) WITHOUT ROWID;
  CREATE INDEX events_artifact ON events(artifact);
  CREATE TABLE environment (
    run INTEGER PRIMARY KEY,
    json TEXT NOT NULL
  );
  CREATE TABLE git (
    run INTEGER PRIMARY KEY,
    commit_id TEXT,
    branch TEXT,
    remote TEXT,
    dirty INTEGER NOT NULL,
    snapshot TEXT
  );
  -- Code snapshot outside git: the entry script and files it names.
  CREATE TABLE code_files (
    run INTEGER NOT NULL,
    path TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (run, path)
  ) WITHOUT ROWID;
  -- Bytes of each writer's journal already folded into this file; saved with the data it covers.
  CREATE TABLE journal_offsets (
    writer TEXT PRIMARY KEY,
    offset INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
  );
  -- Deleted run ids, so a journal folded later cannot bring a deleted run back.
  CREATE TABLE deleted_runs (
    id TEXT PRIMARY KEY
  );
  `,
  // v2: saved min/max overviews of long series (see overviewCache.ts), so a store opened cold charts a
  // 100k-point series from ~2,000 points instead of reading it whole. Derived data: a row is used only
  // while its count matches metric_summary's.
  `
  CREATE TABLE metric_overviews (
    run INTEGER NOT NULL,
    key INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run, key)
  );
  `,
  // v3: metric points move to per-run Parquet files under runs/<id>/ (see pointsStore.ts); this table
  // lists them. A file not listed here is not part of the store. Points of a v2 store stay in
  // `metrics` (read together with the files) until they are moved.
  `
  CREATE TABLE point_files (
    run INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    file TEXT NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (run, seq)
  ) WITHOUT ROWID;
  `,
];

/** The schema version this code writes. */
export const schemaVersion = migrations.length;

/** Thrown when the file was written by a newer exptrack; the file is left untouched. */
export class NewerSchemaError extends Error {
  constructor(readonly found: number, file: string) {
    super(`${file} has schema version ${found}, newer than this exptrack understands (${schemaVersion}). ` +
      'Update exptrack; the database was left untouched.');
    this.name = 'NewerSchemaError';
  }
}

/** Reads `PRAGMA user_version`. */
export function readUserVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
}

/**
 * Brings `db` to {@link schemaVersion}. Returns true when it changed anything. Throws
 * {@link NewerSchemaError} (without touching the database) for a newer file.
 */
export function migrate(db: Database, file: string): boolean {
  const found = readUserVersion(db);
  if (found > schemaVersion) throw new NewerSchemaError(found, file);
  if (found === schemaVersion) return false;
  // 16 KB pages: measured ~25% less CPU per inserted metric point than 4 KB in sql.js (fewer page
  // splits and in-memory file writes). Only takes effect on a database without tables yet.
  if (found === 0) db.exec('PRAGMA page_size = 16384');
  db.exec('BEGIN');
  try {
    for (let v = found; v < schemaVersion; v++) db.exec(migrations[v]);
    db.exec(`PRAGMA user_version = ${schemaVersion}`);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  return true;
}
