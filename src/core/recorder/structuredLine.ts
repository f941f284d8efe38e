import type { ArtifactRole, ParamValue } from '../model';
import { flattenParams } from './flattenParams';

/** What one structured-channel line says. */
export interface StructuredRecord {
  /** Metric values by flattened key; NaN and ±Infinity allowed. */
  readonly metrics: Record<string, number>;
  readonly step: number | null;
  readonly params: Record<string, ParamValue> | null;
  readonly tags: Record<string, string> | null;
  readonly artifacts: readonly { readonly path: string; readonly role: ArtifactRole | null }[];
}

const RESERVED = new Set(['step', '_step', 'params', 'tags', 'artifact', 'artifacts', 'role', 'type', 'timestamp', '_timestamp', 'time']);
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
