import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { Slices } from '../eventLoop';
import type { KeyPoints } from './pointsFile';
import { migrate } from './schema';
import { type FileTable, type FileValue, SqliteFile } from './sqliteFile';

/**
 * The points a store from before points files (schema v2, or a v3 file whose migration had not
 * finished) keeps inside exptrack.db, in the table `metrics(run, key, step, value, time)`: gigabytes
 * for a heavy user. Such a file is never loaded whole: {@link convertCatalog} copies every other
 * table into a new catalog in memory (runs x keys in size), and the points are read from the file on
 * disk, one series by a seek ({@link read}), all of them in one ordered pass by the migration
 * (pointsMigration.ts). The file stays untouched until the migrated catalog replaces it.
 */
export class LegacyPoints {
  private runsLeft: Set<number> | undefined;

  private constructor(readonly file: SqliteFile, private readonly metrics: FileTable) {}

  /** The file's legacy points, or undefined when it has none (no file, not SQLite, no or an empty `metrics`). */
  static open(dbFile: string): LegacyPoints | undefined {
    const file = SqliteFile.open(dbFile);
    if (!file) return undefined;
    try {
      const metrics = file.tables().find((t) => t.name === 'metrics');
      if (metrics && metrics.withoutRowid && !file.isEmpty(metrics.rootPage)) return new LegacyPoints(file, metrics);
    } catch {
      // Unreadable as this reader follows it: the usual load checks the file and salvages it.
    }
    file.close();
    return undefined;
  }

  get rootPage(): number { return this.metrics.rootPage; }

  close(): void { this.file.close(); }

  /**
   * Every table but `metrics`, copied row by row into a new database in this version's schema (the
   * old schemas only lack tables this one adds): the catalog, without the points. In slices: 400
   * runs' catalog is ~0.1 s of work, which the editor's thread must not spend in one go.
   */
  async convertCatalog(SQL: SqlJsStatic, dbFile: string): Promise<Database> {
    const db = new SQL.Database();
    try {
      migrate(db, dbFile);
      const scratch = new SQL.Database();
      const slices = new Slices();
      try {
        db.exec('BEGIN');
        for (const t of this.file.tables()) {
          if (t.name === 'metrics') continue;
          const target = columnsOf(db, t.name);
          if (!target.length) continue; // a table this version does not have: not exptrack's
          scratch.exec(t.sql);
          await copyTable(this.file, t, columnsOf(scratch, t.name), new Set(target.map((c) => c.name)), db, slices);
        }
        db.exec('COMMIT');
      } finally {
        scratch.close();
      }
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** One series' points still in the file (run `rid`, key id `keyId`), in step order; NULL (NaN in the old store) as NaN. */
  read(rid: number, keyId: number, key: string): KeyPoints | undefined {
    const c = this.file.cursor(this.metrics.rootPage);
    c.seek([rid, keyId]);
    const steps: number[] = [];
    const values: number[] = [];
    const times: number[] = [];
    for (let row = c.next(); row && row[0] === rid && row[1] === keyId; row = c.next()) {
      steps.push(Number(row[2]));
      values.push(row[3] === null ? NaN : Number(row[3]));
      times.push(Number(row[4]));
    }
    if (!steps.length) return undefined;
    return { key, steps: Float64Array.from(steps), values: Float64Array.from(values), times: Float64Array.from(times) };
  }

  /** Of these runs, those with points in the file (a seek each), remembered. */
  runsWithPoints(rids: readonly number[]): Set<number> {
    if (!this.runsLeft) {
      this.runsLeft = new Set();
      for (const rid of rids) {
        const c = this.file.cursor(this.metrics.rootPage);
        c.seek([rid]);
        if (c.next()?.[0] === rid) this.runsLeft.add(rid);
      }
    }
    return this.runsLeft;
  }
}

interface Column { readonly name: string; readonly type: string; readonly pk: number }

function columnsOf(db: Database, table: string): Column[] {
  const r = db.exec(`PRAGMA table_info("${table.replace(/"/g, '""')}")`)[0];
  return (r?.values ?? []).map((v) => ({ name: String(v[1]), type: String(v[2]).toUpperCase(), pk: Number(v[5]) }));
}

/**
 * Copies a table's rows from the file into `db`, keeping the columns `db`'s table has. A record holds
 * the columns in table order, but an INTEGER PRIMARY KEY is the rowid (NULL in the record), and a
 * WITHOUT ROWID table's record starts with its primary key columns, in key order.
 */
async function copyTable(file: SqliteFile, t: FileTable, cols: Column[], keep: Set<string>, db: Database, slices: Slices): Promise<void> {
  const pks = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const order = t.withoutRowid ? [...pks, ...cols.filter((c) => c.pk === 0)] : cols;
  const rowidAlias = !t.withoutRowid && pks.length === 1 && pks[0].type === 'INTEGER' ? pks[0].name : undefined;
  const kept = order.map((c, i) => ({ c, i })).filter(({ c }) => keep.has(c.name));
  if (!kept.length) return;
  const q = (n: string): string => `"${n.replace(/"/g, '""')}"`;
  const stmt = db.prepare(`INSERT OR REPLACE INTO ${q(t.name)} (${kept.map(({ c }) => q(c.name)).join(', ')}) VALUES (${kept.map(() => '?').join(', ')})`);
  try {
    const cursor = file.cursor(t.rootPage);
    for (let row = cursor.next(); row; row = cursor.next()) {
      stmt.run(kept.map(({ c, i }): SqlValue => (c.name === rowidAlias ? cursor.rowid : valueOf(row[i]))));
      if (slices.due) await slices.turn(); // no promise per row
    }
  } finally {
    stmt.free();
  }
}

/** A record's value as sql.js binds it (a column added later by ALTER TABLE is absent from old records: NULL). */
function valueOf(v: FileValue | undefined): SqlValue {
  return v === undefined ? null : v;
}
