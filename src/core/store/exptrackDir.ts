import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates the .exptrack folder if needed and gives it a `.gitignore` of `*` when it has none (as .venv
 * and .pytest_cache do), so its database, journals, output logs and caches never show up in
 * `git status` or in code snapshots. An existing `.gitignore` is left as it is, whatever it says: a
 * team that wants to commit the folder empties the file (runs are better shared with `exptrack export`).
 */
export function ensureExptrackDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, '.gitignore');
  if (fs.existsSync(file)) return;
  try { fs.writeFileSync(file, '# Written by exptrack: runs, journals and the database stay out of git.\n*\n', { flag: 'wx' }); } catch { /* raced with another writer, or read-only: fine */ }
}
