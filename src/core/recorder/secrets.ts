// The one redactor for everything the recorder writes under .exptrack and into code snapshots: command
// lines, params, environment variables, package lists, config copies, git remotes. What a script prints
// to its own console (output.log) or appends to its own channel file is kept as written: it is the
// user's output. docs/recording.md ("Secrets") lists what this file knows; keep the two in step.
import type { ParamValue } from '../model';

/** The text that replaces a secret value. */
export const REDACTED = '[redacted]';

// --- Names -------------------------------------------------------------------------------------------

/** Words that make a name secret wherever they stand (`db_password`, `client_secret_name`). */
const SECRET_WORDS = new Set([
  'secret', 'secrets', 'password', 'passwords', 'passwd', 'passphrase', 'passw', 'pwd', 'credential', 'credentials', 'creds',
  'apikey', 'apikeys', 'apitoken', 'accesskey', 'accesstoken', 'secretkey', 'privatekey', 'authtoken', 'refreshtoken', 'idtoken',
  'sessionid', 'sessiontoken', 'sessionkey', 'clientsecret', 'authorization', 'bearer', 'cookie', 'cookies',
]);
/**
 * Nouns that make a name secret when they end it (`hf_token`, `api-key`, `X-Amz-Signature`, `--pass`),
 * but not in the middle (`key_dim`, `num_key_value_heads`, `token_dropout`, `session_len`).
 */
const SECRET_NOUNS = new Set(['key', 'token', 'pass', 'auth', 'sig', 'signature', 'session', 'pat']);
/**
 * Words before a final noun that make it an ML setting, not a secret: tokenizers' special tokens
 * (`pad_token`, `eos_token`) and dataset or metric keys (`text_key`, `sort_key`).
 */
const NOT_SECRET_BEFORE: Readonly<Record<string, ReadonlySet<string>>> = {
  token: new Set(['pad', 'eos', 'bos', 'unk', 'mask', 'sep', 'cls', 'start', 'end', 'stop', 'special', 'additional', 'image', 'img', 'audio', 'video', 'vision',
    'placeholder', 'sot', 'eot', 'begin', 'prefix', 'suffix', 'middle', 'fim', 'think', 'tool', 'split', 'boundary', 'sentinel', 'dummy', 'blank', 'space', 'newline', 'decoder', 'max', 'min', 'num', 'first', 'last', 'next', 'per']),
  key: new Set(['text', 'label', 'labels', 'image', 'input', 'output', 'target', 'data', 'sort', 'metric', 'monitor', 'group', 'cache', 'column', 'field', 'dict',
    'rng', 'prng', 'seed', 'primary', 'foreign', 'hash', 'lookup', 'map', 'index', 'feature', 'audio', 'video', 'batch', 'sample', 'query', 'hot', 'partition', 'join', 'split', 'config', 'state']),
};

// Every secret word and noun above holds one of these: a cheap first test for the common case.
const SECRET_HINT_RE = /key|token|secret|pass|pwd|cred|auth|sig|session|cookie|bearer|pat/i;

function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/**
 * True when an option, param, config key or query parameter name looks like it holds a secret, judged
 * by whole words so ML settings stay visible: `api_key`, `hf-token`, `apiKey`, `password`, `--pass`,
 * `sig`, `X-Amz-Signature`, `X-Amz-Credential`, `session` are secret; `max_tokens`, `tokenizer`,
 * `pad_token`, `key_dim`, `text_key`, `author` are not.
 */
export function isSecretName(name: string): boolean {
  if (!SECRET_HINT_RE.test(name)) return false;
  const words = nameWords(name);
  if (!words.length) return false;
  if (SECRET_WORDS.has(words.join(''))) return true;
  for (let i = 0; i < words.length; i++) {
    if (SECRET_WORDS.has(words[i]) || (i > 0 && SECRET_WORDS.has(words[i - 1] + words[i]))) return true;
  }
  const last = words[words.length - 1];
  if (!SECRET_NOUNS.has(last)) return false;
  const before = words.length > 1 ? words[words.length - 2] : '';
  return !NOT_SECRET_BEFORE[last]?.has(before);
}

const SECRET_ENV_PART_RE = /KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|CREDS|AUTH|PRIVATE|COOKIE|ACCESS|SESSION|SIGNATURE|BEARER/i;
const SECRET_ENV_WORDS = new Set(['pwd', 'pass', 'sig', 'pat']);

/**
 * True when an environment variable's name looks like it holds a secret: any name containing KEY,
 * TOKEN, SECRET, PASSW, PASSPHRASE, CREDENTIAL, CREDS, AUTH, PRIVATE, COOKIE, ACCESS, SESSION,
 * SIGNATURE or BEARER, or with a word PWD, PASS, SIG or PAT (on purpose broad: values of variables are
 * never needed to reproduce a run, so `TOKENIZERS_PARALLELISM` is redacted too).
 */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_PART_RE.test(name) || nameWords(name).some((w) => SECRET_ENV_WORDS.has(w)) || isSecretName(name);
}

// --- Values ------------------------------------------------------------------------------------------

/** A well-known secret format, found by its shape wherever it appears. */
interface SecretFormat {
  readonly kind: string;
  readonly re: RegExp;
}

/**
 * Secret formats recognised by shape (documented vendor prefixes; see docs/recording.md). Each `re` is
 * global and matches the whole secret, so replacing the match removes it.
 */
const SECRET_FORMATS: readonly SecretFormat[] = [
  { kind: 'private key', re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: 'AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g },
  { kind: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: 'Google OAuth token', re: /\bya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: 'OpenAI/Anthropic key', re: /\bsk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'Hugging Face token', re: /\bhf_[A-Za-z0-9]{30,}/g },
  { kind: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'PyPI token', re: /\bpypi-AgE[A-Za-z0-9_-]{40,}/g },
  { kind: 'Stripe key', re: /\b[rs]k_live_[A-Za-z0-9]{20,}/g },
  { kind: 'JSON web token', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g },
];

// `Authorization: Bearer x`, `Cookie: x`, `X-Api-Key: x` as written in curl -H, HTTP dumps and code.
const SECRET_HEADER_RE = /\b((?:Proxy-)?Authorization|Cookie|Set-Cookie|X-[A-Za-z-]*(?:Token|Key|Auth|Secret|Signature)[A-Za-z-]*)(\s*:\s*)([^\s'"\\,;}][^'"\\\n\r]*)/gi;
// A bare `Bearer <token>` (a header value split from its name); 16 characters at least, so prose stays.
const BEARER_RE = /\b(Bearer)(\s+)([A-Za-z0-9._~+/=-]{16,})/g;

// `scheme://user:pass@host`, `scheme://token@host`: the userinfo goes, except a bare `git` user.
const URL_USERINFO_RE = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)([^/\s@'"?#]+)@/gi;
// A query string or fragment: from `?` or `#` to the end of the word.
const QUERY_RE = /[?#][^\s'"<>`]+/g;
const QUERY_PAIR_RE = /(^|[?#&;])([^=&#;?]+)=([^&#;]*)/g;

/** Removes credentials from every URL in `text` (`https://user:token@host/x` -> `https://host/x`). */
export function stripUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_USERINFO_RE, (_m, scheme: string, userinfo: string) => (userinfo === 'git' ? `${scheme}git@` : scheme));
}

function decodeName(name: string): string {
  try { return decodeURIComponent(name.replace(/\+/g, ' ')); } catch { return name; }
}

/** Replaces the values of secret-named query and fragment parameters (`?token=x&page=2` -> `?token=[redacted]&page=2`). */
export function redactUrlQueries(text: string): string {
  if (!text.includes('=') || !/[?#]/.test(text)) return text;
  return text.replace(QUERY_RE, (q) => (!SECRET_HINT_RE.test(q) ? q : q.replace(QUERY_PAIR_RE, (m, sep: string, name: string, value: string) => (value && isSecretName(decodeName(name)) ? `${sep}${name}=${REDACTED}` : m))));
}

/**
 * Redacts every secret the text shows by itself: URL credentials and secret-named query parameters,
 * well-known token formats, private keys, and authorization headers. Names around the text are the
 * caller's business ({@link redactArgv}, {@link redactParams}).
 */
export function redactText(text: string): string {
  let out = redactUrlQueries(stripUrlCredentials(text));
  for (const f of SECRET_FORMATS) if (f.re.test(out)) { f.re.lastIndex = 0; out = out.replace(f.re, REDACTED); }
  out = out.replace(SECRET_HEADER_RE, (m, name: string, sep: string, value: string) => (value.startsWith(REDACTED) ? m : `${name}${sep}${REDACTED}`));
  out = out.replace(BEARER_RE, (m, scheme: string, sp: string, value: string) => (value === REDACTED ? m : `${scheme}${sp}${REDACTED}`));
  return out;
}

/** A secret found in a text: what it is, on which line (1-based), and the secret itself. */
export interface SecretFinding {
  readonly kind: string;
  readonly line: number;
  readonly value: string;
}

/** Line numbers (1-based) of offsets in `text`, from one pass over its newlines. */
function lineCounter(text: string): (index: number) => number {
  let starts: number[] | undefined;
  return (index) => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Every secret a text holds: what {@link redactText} would replace (token formats, private keys,
 * URL credentials and secret query parameters, authorization headers), a Google service-account key,
 * and literal values assigned to secret-looking names ({@link findSecretAssignments}; values of four
 * characters or more: `key: "id"` is a setting far more often than a secret). Empty when none.
 */
export function findSecrets(text: string, options: { bareValues?: boolean; accept?: (value: string) => boolean; firstOfEachKind?: boolean } = {}): SecretFinding[] {
  const found: SecretFinding[] = [];
  const lineAt = lineCounter(text);
  const accept = options.accept ?? (() => true);
  // With firstOfEachKind, one finding per kind of search is enough (the caller wants the earliest line).
  const add = (kind: string, index: number, value: string): boolean => {
    if (!value || value === REDACTED || !accept(value)) return false;
    found.push({ kind, line: lineAt(index), value });
    return !!options.firstOfEachKind;
  };
  for (const f of SECRET_FORMATS) for (const m of text.matchAll(f.re)) if (add(f.kind, m.index, m[0])) break;
  const sa = /"type"\s*:\s*"service_account"/.exec(text);
  if (sa && /"private_key"/.test(text)) add('service account key', sa.index, 'service_account');
  if (text.includes('@')) for (const m of text.matchAll(URL_USERINFO_RE)) if (m[2] !== 'git' && add('URL credentials', m.index, m[2])) break;
  queries: for (const q of text.matchAll(QUERY_RE)) {
    if (!SECRET_HINT_RE.test(q[0])) continue;
    for (const m of q[0].matchAll(QUERY_PAIR_RE)) if (m[3] && isSecretName(decodeName(m[2])) && add('secret URL parameter', q.index + m.index, m[3])) break queries;
  }
  // A header built from a variable (`f"Authorization: Bearer {token}"`) holds no secret itself.
  for (const m of text.matchAll(SECRET_HEADER_RE)) if (!/[{$%<]/.test(m[3]) && add('authorization header', m.index, m[3].trim())) break;
  for (const m of text.matchAll(BEARER_RE)) if (add('authorization header', m.index, m[3])) break;
  for (const a of findSecretAssignments(text, options)) {
    const value = text.slice(a.start, a.end).replace(/^["']|["']$/g, '').trim();
    if (value.length >= 4 && add(`${a.name} value`, a.start, value)) break;
  }
  return found;
}

// --- Names with values: command lines, params, config files ------------------------------------------

/** Values that hold no secret although their name looks secret (placeholders, references, empties). */
function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '');
  return !v || v === REDACTED || /^(?:null|none|nil|true|false|yes|no|on|off|~|changeme|change-me|xxx+|\*+|\.\.\.)$/i.test(v)
    || /^(?:\$\{?[\w.:-]+\}?|\{\{.*\}\}|<[^<>]*>|%\(.*\)s|\$\(.*\)|os\.environ.*|env\(.*\))$/i.test(v)
    || /^(?:your|my|the|enter|insert|replace)[_-]/i.test(v);
}

/** An assignment of a literal value to a secret-looking name in a file. */
interface SecretAssignment {
  readonly name: string;
  /** Offsets of the value in the text (quotes included). */
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

// `"name": "value"` (JSON), `name: "value"`, `name = 'value'` (code, TOML, YAML, INI), the value quoted.
const QUOTED_ASSIGNMENT_RE = /(?<![\w.-])(["']?)([A-Za-z_][\w.-]*)\1[ \t]*(?::|=|:=)[ \t]*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g;
// `name: value`, `name = value`, `NAME=value`, `- name: value` at the start of a line, the value bare (YAML, INI, .env, TOML numbers).
const BARE_ASSIGNMENT_RE = /^([ \t]*(?:-[ \t]+)?(?:export[ \t]+)?)([A-Za-z_][\w.-]*)([ \t]*[:=][ \t]*)([^\s"'#[{|>&*!][^\n#]*?)[ \t]*(?=#|$)/gm;
// `name: |` or `name: >-`: a YAML block scalar whose lines follow, indented more than the name.
const BLOCK_SCALAR_RE = /^([ \t]*(?:-[ \t]+)?)([A-Za-z_][\w.-]*)([ \t]*:[ \t]*)[|>][+-]?[0-9]?[ \t]*(?:#.*)?$/gm;

/**
 * Literal values assigned to secret-looking names ({@link isSecretName}) in a file's text: quoted
 * values everywhere (code, JSON, YAML, TOML); with `bareValues`, also unquoted values at the start of a
 * line and YAML block scalars (config formats, where `password: x` is a literal and not an expression).
 */
export function findSecretAssignments(text: string, options: { bareValues?: boolean } = {}): SecretAssignment[] {
  const out: SecretAssignment[] = [];
  for (const m of text.matchAll(QUOTED_ASSIGNMENT_RE)) {
    const value = m[3];
    if (!isSecretName(m[2]) || isPlaceholder(value)) continue;
    const start = m.index + m[0].length - value.length;
    out.push({ name: m[2], start, end: start + value.length, quoted: true });
  }
  if (options.bareValues) {
    for (const m of text.matchAll(BARE_ASSIGNMENT_RE)) {
      const value = m[4];
      if (!isSecretName(m[2]) || isPlaceholder(value)) continue;
      const start = m.index + m[1].length + m[2].length + m[3].length;
      out.push({ name: m[2], start, end: start + value.length, quoted: false });
    }
    for (const m of text.matchAll(BLOCK_SCALAR_RE)) {
      if (!isSecretName(m[2])) continue;
      const indent = m[1].replace(/-/g, ' ').length;
      // From the `|` or `>` to the last line indented more than the name.
      const start = m.index + m[1].length + m[2].length + m[3].length;
      let end = m.index + m[0].length;
      for (let nl = text.indexOf('\n', end); nl >= 0; nl = text.indexOf('\n', end)) {
        const next = text.indexOf('\n', nl + 1);
        const line = text.slice(nl + 1, next < 0 ? text.length : next);
        if (line.trim() && line.length - line.trimStart().length <= indent) break;
        end = next < 0 ? text.length : next;
        if (next < 0) break;
      }
      out.push({ name: m[2], start, end, quoted: false });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * A config or code file's text with the values of secret-looking names replaced (as {@link redactParams}
 * replaces the params read from it) and everything {@link redactText} knows redacted. `quote` writes
 * the replacement as a quoted string (YAML, TOML, JSON: so the copy still parses).
 */
export function redactFileText(text: string, options: { bareValues?: boolean; quote?: boolean } = {}): string {
  let out = '';
  let at = 0;
  for (const a of findSecretAssignments(text, options)) {
    if (a.start < at) continue;
    const q = a.quoted ? text[a.start] : options.quote ? '"' : '';
    out += text.slice(at, a.start) + q + REDACTED + q;
    at = a.end;
  }
  return redactText(out + text.slice(at));
}

// Tools whose `-p<value>` (no space) is a password on the command line.
const PASSWORD_P_TOOLS = /^(?:mysql\w*|mariadb\w*)$/;
const WRAPPERS = new Set(['sudo', 'env', 'nice', 'nohup', 'time', 'timeout', 'stdbuf', 'ionice', 'exec', 'command', 'xargs']);

/**
 * Redacts a command's argv: the value of an option whose name looks secret (`--api-key X`,
 * `--token=X`, `--pass X`, `--bearer X`), `NAME=value` assignments with a secret-looking name,
 * `-p<password>` of mysql and mariadb tools, `sshpass -p X`, `curl -u user:password`, and in every
 * word whatever {@link redactText} knows (URL credentials and query parameters, token formats,
 * authorization headers).
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let tool = '';
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const m = /^(-{0,2}\+{0,2}[A-Za-z_][\w.\-/@]*)=(.*)$/s.exec(word);
    if (m && isSecretName(m[1])) { out.push(`${m[1]}=${REDACTED}`); continue; }
    // The program: the first word that is not an assignment, or the one a wrapper (sudo, env) runs.
    if (!m && !word.startsWith('-') && (!tool || WRAPPERS.has(tool))) tool = word.slice(word.lastIndexOf('/') + 1);
    if (PASSWORD_P_TOOLS.test(tool) && /^-p.+/s.test(word)) { out.push(`-p${REDACTED}`); continue; }
    out.push(redactText(word));
    const next = argv[i + 1];
    if (next === undefined) continue;
    const takesSecret = (/^--?[A-Za-z]/.test(word) && !word.includes('=') && isSecretName(word) && !next.startsWith('-'))
      || (tool === 'sshpass' && word === '-p') || (tool === 'redis-cli' && word === '-a');
    if (takesSecret) { out.push(REDACTED); i++; continue; }
    if (tool === 'curl' && /^(?:-u|--user|-U|--proxy-user)$/.test(word) && next.includes(':')) {
      out.push(`${next.slice(0, next.indexOf(':'))}:${REDACTED}`);
      i++;
    }
  }
  return out;
}

const SHELL_VALUE = String.raw`("[^"]*"|'[^']*'|\S+)`;

/** {@link redactArgv} for a command kept as one shell line (terminals). */
export function redactCommandLine(line: string): string {
  let out = redactText(line);
  // NAME=value and --name=value
  out = out.replace(/(^|[\s;&|])(-{0,2}[A-Za-z_][\w.\-]*)=("[^"]*"|'[^']*'|\S*)/g, (m, pre: string, name: string) => (isSecretName(name) ? `${pre}${name}=${REDACTED}` : m));
  // --name value
  out = out.replace(/(^|\s)(--?[A-Za-z][\w.\-]*)(\s+)("[^"]*"|'[^']*'|[^\s-]\S*)/g, (m, pre: string, name: string, sp: string) => (isSecretName(name) ? `${pre}${name}${sp}${REDACTED}` : m));
  // Tools that take a password as an argument.
  out = out.replace(new RegExp(String.raw`(\b(?:mysql\w*|mariadb\w*)\b[^|;&\n]*?\s)-p(?!\s)${SHELL_VALUE}`, 'g'), `$1-p${REDACTED}`);
  out = out.replace(new RegExp(String.raw`(\bsshpass\b[^|;&\n]*?\s-p\s*)${SHELL_VALUE}`, 'g'), `$1${REDACTED}`);
  out = out.replace(new RegExp(String.raw`(\bredis-cli\b[^|;&\n]*?\s-a\s+)${SHELL_VALUE}`, 'g'), `$1${REDACTED}`);
  out = out.replace(/(\bcurl\b[^|;&\n]*?\s(?:-u|--user|-U|--proxy-user)\s*)(["']?)([^\s:"']*):([^\s"']+)\2/g, `$1$2$3:${REDACTED}$2`);
  return out;
}

/** Replaces the values of secret-looking params and redacts {@link redactText}'s secrets in the others. */
export function redactParams(params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    const last = k.split('.').pop() ?? k;
    if (isSecretName(last) && v !== null && typeof v !== 'boolean') out[k] = REDACTED;
    else out[k] = typeof v === 'string' ? redactText(v) : v;
  }
  return out;
}
