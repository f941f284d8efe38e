import type { SqlReader } from './sqlReader';

/** What lineage needs of an open `Store`: its public read-only SQL reader. */
export interface SqlReadable {
  all(sql: string, params?: readonly (string | number | null)[]): Record<string, unknown>[];
}

/** The lineage reader over an open `Store` (every journal folded so far). */
export function storeSqlReader(store: SqlReadable): SqlReader {
  return { all: (sql, params) => store.all(sql, params ?? []) };
}
