import type { Database } from 'sql.js';

/** A bound SQL parameter. */
export type SqlParam = string | number | null;

/**
 * The one read method lineage needs from the store: rows as column-name objects. `Store.all` provides
 * it; {@link sqlReaderOf} adapts a bare sql.js database (tests, a file opened read-only).
 */
export interface SqlReader {
  all(sql: string, params?: readonly SqlParam[]): Record<string, unknown>[];
}

/** Adapts a sql.js database; statements are prepared per call, which is fine for lineage's few queries. */
export function sqlReaderOf(db: Database): SqlReader {
  return {
    all(sql, params = []) {
      const s = db.prepare(sql);
      try {
        s.bind([...params]);
        const out: Record<string, unknown>[] = [];
        while (s.step()) out.push(s.getAsObject());
        return out;
      } finally {
        s.free();
      }
    },
  };
}
