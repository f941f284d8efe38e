import fs from 'node:fs';
import path from 'node:path';

const GITIGNORE = '# Written by exptrack: runs, journals and the database stay out of git.\n*\n';

/**
 * Creates the .exptrack folder with a `.gitignore` of `*` (as .venv and .pytest_cache do), so its
 * output logs and caches never show up in `git status` or in code snapshots. An existing folder is
 * left as it is: a team that wants to commit it removes the file once.
 */
export function ensureExptrackDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  try { fs.writeFileSync(path.join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' }); } catch { /* raced with another writer: fine */ }
}

/**
 * Makes the .exptrack folder again after it was deleted under a running run (`rm -rf .exptrack`,
 * `git clean -xdf`). Other parts (caches) may have made it again first, without the `.gitignore`:
 * it is written whenever the database is gone too (the folder was wiped, not kept on purpose).
 */
export function restoreExptrackDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(path.join(dir, 'exptrack.db'))) return;
  try { fs.writeFileSync(path.join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' }); } catch { /* there already */ }
}
