import fs from 'node:fs';
import path from 'node:path';
import { findSecrets } from './secrets';

/** A file a code snapshot did not take (or took as it was committed), and why. */
export interface LeftOutFile {
  /** Relative to the repository (or workspace) with forward slashes. */
  readonly path: string;
  readonly reason: string;
}

// Folders whose every file is a credential or a key (`.ssh/id_rsa`, `.aws/credentials`, `.kube/config`).
const CREDENTIAL_DIRS = new Set(['.ssh', '.aws', '.gnupg', '.kube', '.docker', '.azure', 'gcloud', '.password-store', '.terraform.d']);
// Files that hold credentials by their name.
const CREDENTIAL_NAMES = new Set([
  '.netrc', '_netrc', '.npmrc', '.pypirc', '.git-credentials', '.pgpass', '.my.cnf', '.htpasswd', '.boto', '.s3cfg', '.envrc',
  '.dockercfg', '.vault-token', 'kubeconfig', 'credentials', 'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_ecdsa_sk', 'id_ed25519_sk',
  'secring.gpg', 'application_default_credentials.json',
]);
// Key stores and keys by extension; `.env` files (`.env`, `.env.local`, `prod.env`).
const CREDENTIAL_EXT_RE = /\.(?:key|pem|p12|pfx|jks|keystore|ppk|kdbx|gpg|kubeconfig|env)$/i;
const DOT_ENV_RE = /^\.env(?:\..*)?$/i;
// Google service-account and OAuth client files by their usual names.
const SERVICE_ACCOUNT_RE = /^(?:service[-_]?account|client[-_]?secret|credentials?)\b.*\.json$/i;
// Settings-like files named for what they hold (`secrets.yaml`, `db_password.txt`); code files with such
// names (`test_secrets.py`) are judged by content.
const SECRET_NAMED_RE = /(?:^|[^a-z])(?:secrets?|credentials?|creds|passwords?|passwd)(?:[^a-z]|$)/i;
const SETTINGS_EXT_RE = /(?:^[^.]*|\.(?:ya?ml|json|toml|ini|cfg|conf|txt|properties))$/i;
// Formats where `name: value` is a literal (not an expression): bare values count there.
const CONFIG_FORMAT_RE = /(?:\.(?:ya?ml|toml|ini|cfg|conf|env|properties)|(?:^|\/)\.?env(?:\..*)?)$/i;

/** Why a file is a credential by its path alone (`.env`, `id_rsa`, `.aws/credentials`, `*.pem`), or null. */
export function credentialFileReason(relPath: string): string | null {
  const parts = relPath.split('/');
  const base = parts[parts.length - 1];
  const lower = base.toLowerCase();
  if (parts.slice(0, -1).some((p) => CREDENTIAL_DIRS.has(p.toLowerCase()))) return 'credentials folder';
  if (CREDENTIAL_NAMES.has(lower) || DOT_ENV_RE.test(base) || CREDENTIAL_EXT_RE.test(base) || SERVICE_ACCOUNT_RE.test(base)) return 'credentials file (by name)';
  if (SETTINGS_EXT_RE.test(base) && SECRET_NAMED_RE.test(base.replace(/\.[^.]*$/, ''))) return 'credentials file (by name)';
  return null;
}

/**
 * Why a file's content makes it a credential as a whole (a private key, a Google service-account key),
 * or null: such a file is never stored, not even redacted, and never read for params.
 */
export function credentialContentReason(content: Buffer | string): string | null {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  if (/-----BEGIN[A-Z0-9 ]*PRIVATE KEY/.test(text)) return 'holds a secret: private key';
  if (/"type"\s*:\s*"service_account"/.test(text) && /"private_key"/.test(text)) return 'holds a secret: service account key';
  return null;
}

/** True when `name: value` in this file is a literal value (YAML, TOML, INI, .env), not code. */
export function isConfigFormat(relPath: string): boolean {
  return CONFIG_FORMAT_RE.test(relPath);
}

/**
 * Why a file's content makes it unfit for a snapshot (a private key, a token, a secret assigned to a
 * secret-looking name, with the line), or null. With `before` (the committed version of a changed
 * file), only secrets it does not hold count. Binary files are judged only by private-key headers.
 */
export function secretContentReason(relPath: string, content: Buffer, before?: Buffer): string | null {
  if (content.subarray(0, 8192).includes(0)) {
    const key = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY/.exec(content.toString('latin1'));
    return key && !before?.toString('latin1').includes(key[0]) ? 'holds a secret: private key' : null;
  }
  // A secret the committed version already holds is in the history already: only new ones count.
  const old = before && !before.subarray(0, 8192).includes(0) ? before.toString('utf8') : '';
  const found = findSecrets(content.toString('utf8'), { bareValues: isConfigFormat(relPath), accept: (v) => !old.includes(v), firstOfEachKind: true });
  if (!found.length) return null;
  const f = found.sort((a, b) => a.line - b.line)[0];
  return `holds a secret: ${f.kind} (line ${f.line})`;
}

/** The tag that lists what a run's code snapshot left out: `{"count": N, "files": [{path, reason}...]}`. */
export const CODE_LEFT_OUT_TAG = 'exptrack.codeLeftOut';
const LISTED_LEFT_OUT = 100;

/** The tags recording `leftOut` (the first 100 files and the count), or none when nothing was left out. */
export function leftOutTags(leftOut: readonly LeftOutFile[]): Record<string, string> {
  if (!leftOut.length) return {};
  return { [CODE_LEFT_OUT_TAG]: JSON.stringify({ count: leftOut.length, files: leftOut.slice(0, LISTED_LEFT_OUT) }) };
}

/** What a run's tags say its code snapshot left out, or null when nothing (or the tag does not parse). */
export function leftOutOf(tags: Readonly<Record<string, string>>): { count: number; files: LeftOutFile[] } | null {
  const raw = tags[CODE_LEFT_OUT_TAG];
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { count?: unknown; files?: unknown };
    const files = Array.isArray(v.files) ? v.files.filter((f): f is LeftOutFile => !!f && typeof f.path === 'string' && typeof f.reason === 'string') : [];
    return { count: typeof v.count === 'number' ? v.count : files.length, files };
  } catch {
    return null;
  }
}

/** A config-looking file that is a credential by name or by content (read only up to 2 MiB). */
export function isCredentialFile(file: string): boolean {
  if (credentialFileReason(path.basename(file))) return true;
  try {
    const st = fs.statSync(file);
    return st.size <= 2 * 1024 * 1024 && credentialContentReason(fs.readFileSync(file)) !== null;
  } catch {
    return false;
  }
}
