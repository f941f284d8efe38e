import type { ArtifactRole, ParamValue } from '../model';
import { flattenParams } from './flattenParams';
import type { ReportedPython } from './pythonInfo';


/**
 * What exptrack's Python hook (src/python/exptrack_hook) reports, one JSON line each, with
 * `"exptrack"` naming the kind and `pid` the process:
 * - `{"exptrack": "python", "startedAt": ms, "executable", "version", "implementation", "prefix", "base", "conda", "sitePackages": [...]}`
 * - `{"exptrack": "argparse", "script": "/abs/train.py" | null, "params": {...}}`: a parse of the command line, defaults included
 * - `{"exptrack": "file", "path": "/abs/path", "mode": "r" | "w"}`: a file opened under the workspace (`w`: write, create, append)
 * - `{"exptrack": "file", "dropped": n}`: files past the hook's cap
 */
export type HookRecord =
  | { readonly kind: 'python'; readonly pid: number; readonly python: ReportedPython }
  | { readonly kind: 'argparse'; readonly pid: number; readonly script: string | null; readonly params: Record<string, ParamValue> }
  | { readonly kind: 'file'; readonly pid: number; readonly path: string; readonly write: boolean }
  | { readonly kind: 'dropped'; readonly pid: number; readonly count: number };

/** What one structured-channel line says. */
export interface StructuredRecord {
  /** Metric values by flattened key; NaN and ±Infinity allowed. */
  readonly metrics: Record<string, number>;
  readonly step: number | null;
  readonly params: Record<string, ParamValue> | null;
  readonly tags: Record<string, string> | null;
  readonly artifacts: readonly { readonly path: string; readonly role: ArtifactRole | null }[];
  /** A report of exptrack's Python hook (then nothing else is set). */
  readonly hook?: HookRecord;
}

const RESERVED = new Set(['exptrack', 'step', '_step', 'params', 'tags', 'artifact', 'artifacts', 'role', 'type', 'timestamp', '_timestamp', 'time']);
const MAX_LINE = 1024 * 1024;

/**
 * Parses one line of the structured channel (`EXPTRACK_METRICS_FILE`, or a JSON line printed on
 * stdout): `{"step": 3, "loss": 0.2}`, `{"params": {...}}`, `{"tags": {...}}`,
 * `{"artifact": "path", "role": "input|output"}` (`"type"` is accepted for `"role"`). Python's
 * `json.dumps` writes `NaN` and `Infinity` bare, so those are accepted. Nested metric objects flatten
 * (`{"val": {"acc": 1}}` is `val.acc`). Returns null for anything that is not such an object; never
 * throws.
 */
export function parseStructuredLine(line: string): StructuredRecord | null {
  if (line.length > MAX_LINE) return null;
  const text = line.trim();
  if (text.length < 2 || text[0] !== '{' || text[text.length - 1] !== '}') return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    if (!/NaN|Infinity/.test(text)) return null;
    try { data = JSON.parse(quoteNonFinite(text)); } catch { return null; }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const obj = data as Record<string, unknown>;
  if (typeof obj.exptrack === 'string') {
    const hook = parseHookRecord(obj);
    return hook ? { metrics: {}, step: null, params: null, tags: null, artifacts: [], hook } : null;
  }
  const metrics: Record<string, number> = {};
  const visit = (value: unknown, key: string, depth: number): void => {
    if (typeof value === 'number') metrics[key] = value;
    else if (typeof value === 'string' && NON_FINITE[value] !== undefined) metrics[key] = NON_FINITE[value];
    else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 8) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, `${key}.${k}`, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(obj)) {
    if (!RESERVED.has(k)) visit(v, k, 0);
  }
  const stepRaw = obj.step ?? obj._step;
  const step = typeof stepRaw === 'number' && Number.isFinite(stepRaw) ? Math.trunc(stepRaw) : null;
  const params = obj.params && typeof obj.params === 'object' && !Array.isArray(obj.params) ? flattenParams(obj.params) : null;
  let tags: Record<string, string> | null = null;
  if (obj.tags && typeof obj.tags === 'object' && !Array.isArray(obj.tags)) {
    tags = {};
    for (const [k, v] of Object.entries(obj.tags as Record<string, unknown>)) tags[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const artifacts: { path: string; role: ArtifactRole | null }[] = [];
  const roleRaw = obj.role ?? obj.type;
  const role: ArtifactRole | null = roleRaw === 'input' || roleRaw === 'output' ? roleRaw : null;
  if (typeof obj.artifact === 'string' && obj.artifact) artifacts.push({ path: obj.artifact, role });
  if (Array.isArray(obj.artifacts)) {
    for (const a of obj.artifacts) {
      if (typeof a === 'string' && a) artifacts.push({ path: a, role });
      else if (a && typeof a === 'object' && typeof (a as { path?: unknown }).path === 'string') {
        const r = (a as { role?: unknown; type?: unknown }).role ?? (a as { type?: unknown }).type;
        artifacts.push({ path: (a as { path: string }).path, role: r === 'input' || r === 'output' ? r : role });
      }
    }
  }
  // A line with only `step`/`time` and nothing else says nothing.
  if (!Object.keys(metrics).length && !params && !tags && !artifacts.length) return null;
  return { metrics, step, params, tags, artifacts };
}

function parseHookRecord(obj: Record<string, unknown>): HookRecord | null {
  const pid = typeof obj.pid === 'number' ? obj.pid : 0;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  switch (obj.exptrack) {
    case 'python': {
      const executable = str(obj.executable);
      if (!executable) return null;
      const sitePackages = Array.isArray(obj.sitePackages) ? obj.sitePackages.filter((p): p is string => typeof p === 'string') : [];
      return { kind: 'python', pid, python: { executable, version: str(obj.version) ?? '', implementation: str(obj.implementation) ?? '', prefix: str(obj.prefix) ?? '', base: str(obj.base) ?? '', conda: str(obj.conda), sitePackages } };
    }
    case 'argparse':
      if (!obj.params || typeof obj.params !== 'object' || Array.isArray(obj.params)) return null;
      return { kind: 'argparse', pid, script: str(obj.script), params: flattenParams(obj.params) };
    case 'file':
      if (typeof obj.dropped === 'number') return { kind: 'dropped', pid, count: obj.dropped };
      if (!str(obj.path) || (obj.path as string).length > 4096) return null;
      return { kind: 'file', pid, path: obj.path as string, write: obj.mode === 'w' };
    default:
      return null;
  }
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, nan: NaN, inf: Infinity, '-inf': -Infinity };

/** Turns bare NaN / Infinity / -Infinity tokens outside strings into strings JSON.parse accepts. */
function quoteNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += text[i + 1] ?? ''; i++; } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') { inString = true; out += c; continue; }
    const rest = text.startsWith('-Infinity', i) ? '-Infinity' : text.startsWith('Infinity', i) ? 'Infinity' : text.startsWith('NaN', i) ? 'NaN' : '';
    if (rest) { out += `"${rest}"`; i += rest.length - 1; continue; }
    out += c;
  }
  return out;
}
