import type { Database } from 'sql.js';
import { sqlReaderOf, type SqlParam, type SqlReader } from './sqlReader';

/**
 * The lineage reader over an open `Store`: its `all` method when it has one; until then its in-memory
 * database (which holds every journal folded so far), reached through the private field.
 */
export function storeSqlReader(store: object): SqlReader {
  const s = store as { all?: (sql: string, params?: SqlParam[]) => Record<string, unknown>[]; db?: Database };
  if (typeof s.all === 'function') {
    const all = s.all.bind(store);
    return { all: (sql, params) => all(sql, params ? [...params] : []) };
  }
  // The field is replaced when the store reloads the file, so it is read on every call.
  return { all: (sql, params) => { if (!s.db) throw new Error('the store offers no read queries'); return sqlReaderOf(s.db).all(sql, params); } };
}
