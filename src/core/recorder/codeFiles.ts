import fs from 'node:fs';
import path from 'node:path';

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 20;

/**
 * The code snapshot outside git: the entry script and the config files a command names, path ->
 * content (text files up to 1 MiB each; binary files are skipped). Paths are relative to `baseDir`
 * where they are inside it.
 */
export function readCodeFiles(files: readonly string[], cwd: string, baseDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files.slice(0, MAX_FILES)) {
    const abs = path.resolve(cwd, f);
    try {
      const st = fs.statSync(abs);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) continue;
      const buf = fs.readFileSync(abs);
      if (buf.includes(0)) continue;
      const rel = path.relative(baseDir, abs);
      const key = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
      out[key] = buf.toString('utf8');
    } catch { /* gone or unreadable: nothing to keep */ }
  }
  return out;
}
