import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates the .exptrack folder with a `.gitignore` of `*` (as .venv and .pytest_cache do), so its
 * output logs and caches never show up in `git status` or in code snapshots. An existing folder is
 * left as it is: a team that wants to commit it removes the file once.
 */
export function ensureExptrackDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  try { fs.writeFileSync(path.join(dir, '.gitignore'), '# Written by exptrack: runs, journals and the database stay out of git.\n*\n', { flag: 'wx' }); } catch { /* raced with another writer: fine */ }
}
