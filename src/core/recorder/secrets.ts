// Redaction for everything the recorder writes under .exptrack: env vars, params, command lines and
// URLs. What a script prints to its own console is kept as printed (it is the user's output).
import type { ParamValue } from '../model';

/** The text that replaces a secret value. */
export const REDACTED = '[redacted]';

const SECRET_ENV_RE = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|AUTH|PRIVATE|COOKIE/i;
const SECRET_WORDS = new Set([
  'key', 'apikey', 'accesskey', 'secretkey', 'privatekey', 'token', 'secret', 'secrets', 'password', 'passwd',
  'passphrase', 'credential', 'credentials', 'auth', 'authorization', 'cookie', 'pat',
]);

/**
 * True when an environment variable's name looks like it holds a secret: any name containing KEY,
 * TOKEN, SECRET, PASSWORD, CREDENTIAL or AUTH (on purpose broad: env values are never needed).
 */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_RE.test(name);
}

/**
 * True when an option or param name looks like it holds a secret, judged by whole words so ML
 * settings such as `max_tokens` or `tokenizer` stay visible while `hf_token` and `apiKey` do not.
 */
export function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => SECRET_WORDS.has(w)) || SECRET_WORDS.has(words.join(''));
}

// `scheme://user:pass@host`, `scheme://token@host`: the userinfo goes, except a bare `git` user.
const URL_USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@'"]+)@/gi;

/** Removes credentials from every URL in `text` (`https://user:token@host/x` -> `https://host/x`). */
export function stripUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_USERINFO_RE, (_m, scheme: string, userinfo: string) => (userinfo === 'git' ? `${scheme}git@` : scheme));
}

/** Redacts secret option values and `NAME=value` assignments in argv, and URL credentials everywhere. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const m = /^(-{0,2}\+{0,2}[A-Za-z_][\w.\-/@]*)=(.*)$/s.exec(word);
    if (m && isSecretName(m[1])) { out.push(`${m[1]}=${REDACTED}`); continue; }
    out.push(stripUrlCredentials(word));
    if (/^--?[A-Za-z]/.test(word) && !word.includes('=') && isSecretName(word) && i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
      out.push(REDACTED);
      i++;
    }
  }
  return out;
}

/** {@link redactArgv} for a command kept as one shell line (terminals). */
export function redactCommandLine(line: string): string {
  let out = stripUrlCredentials(line);
  // NAME=value and --name=value
  out = out.replace(/(^|[\s;&|])(-{0,2}[A-Za-z_][\w.\-]*)=("[^"]*"|'[^']*'|\S*)/g, (m, pre: string, name: string) => (isSecretName(name) ? `${pre}${name}=${REDACTED}` : m));
  // --name value
  out = out.replace(/(^|\s)(--?[A-Za-z][\w.\-]*)(\s+)("[^"]*"|'[^']*'|[^\s-]\S*)/g, (m, pre: string, name: string, sp: string) => (isSecretName(name) ? `${pre}${name}${sp}${REDACTED}` : m));
  return out;
}

/** Replaces the values of secret-looking params and strips URL credentials from the others. */
export function redactParams(params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    const last = k.split('.').pop() ?? k;
    if (isSecretName(last) && v !== null && typeof v !== 'boolean') out[k] = REDACTED;
    else out[k] = typeof v === 'string' ? stripUrlCredentials(v) : v;
  }
  return out;
}
