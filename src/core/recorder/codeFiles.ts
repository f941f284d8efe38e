import fs from 'node:fs';
import path from 'node:path';
import type { ParamValue } from '../model';
import { isConfigFileName, readConfigParams } from './configParams';
import { credentialContentReason, credentialFileReason, isConfigFormat, type LeftOutFile } from './secretFiles';
import { isSecretName, redactFileText } from './secrets';

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 20;

/** The code kept outside git, and the files left out of it with the reason. */
export interface CodeFiles {
  readonly files: Record<string, string>;
  readonly leftOut: LeftOutFile[];
}

/**
 * The code snapshot outside git: the entry script and the config files a command names, path ->
 * content (text files up to 1 MiB each), redacted as params are: values of secret-looking names and
 * everything the redactor knows by shape (tokens, URL credentials) are replaced by `[redacted]`.
 * Credential files (by name, or holding a private key or a service-account key), binary files, bigger
 * files, and a config whose secret values could not all be redacted are left out and listed. Paths are
 * relative to `baseDir` where they are inside it.
 */
export function readCodeFiles(files: readonly string[], cwd: string, baseDir: string): CodeFiles {
  const out: Record<string, string> = {};
  const leftOut: LeftOutFile[] = [];
  for (const f of files.slice(0, MAX_FILES)) {
    const abs = path.resolve(cwd, f);
    const rel = path.relative(baseDir, abs);
    const key = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
    const skip = (reason: string): void => { leftOut.push({ path: key, reason }); };
    try {
      const st = fs.statSync(abs);
      if (!st.isFile()) continue;
      const byName = credentialFileReason(key);
      if (byName) { skip(byName); continue; }
      if (st.size > MAX_FILE_BYTES) { skip('over 1 MiB'); continue; }
      const buf = fs.readFileSync(abs);
      const credential = credentialContentReason(buf);
      if (credential) { skip(credential); continue; }
      if (buf.includes(0)) { skip('binary file'); continue; }
      const text = buf.toString('utf8');
      const redacted = redactFileText(text, { bareValues: isConfigFormat(key), quote: /\.(?:ya?ml|toml|json)$/i.test(key) });
      if (isConfigFileName(abs) && secretParamValues(abs).some((v) => redacted.includes(v))) { skip('holds secret values the redactor could not find in the text'); continue; }
      out[key] = redacted;
    } catch { /* gone or unreadable: nothing to keep */ }
  }
  return { files: out, leftOut };
}

/** The values params read from this config hide as secrets (four characters or more, to look for in the copy). */
function secretParamValues(file: string): string[] {
  const r = readConfigParams(file);
  if ('error' in r) return [];
  const values: string[] = [];
  for (const [k, v] of Object.entries(r.params) as [string, ParamValue][]) {
    if (v === null || typeof v === 'boolean' || !isSecretName(k.split('.').pop() ?? k)) continue;
    const s = String(v);
    if (s.length >= 4) values.push(s);
  }
  return values;
}
