import type { ParamValue } from '../model';

/** Most keys one config file or one `{"params": ...}` line may add; past it the rest is dropped. */
export const MAX_PARAMS_PER_SOURCE = 5000;
const MAX_STRING = 4096;

/**
 * Flattens nested config data into `a.b.c` keys. Lists of scalars stay one param (their JSON text,
 * which is how they read best in a table and diff); lists holding objects flatten with indexes
 * (`layers.0.units`). Dates become ISO strings; long strings are cut at 4 KiB.
 */
export function flattenParams(data: unknown, prefix = '', out: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  let count = Object.keys(out).length;
  const visit = (value: unknown, key: string, depth: number): void => {
    if (count >= MAX_PARAMS_PER_SOURCE) return;
    if (value === null || value === undefined) { if (key) { out[key] = null; count++; } return; }
    if (typeof value === 'number' || typeof value === 'boolean') { if (key) { out[key] = value; count++; } return; }
    if (typeof value === 'bigint') { if (key) { out[key] = value.toString(); count++; } return; }
    if (typeof value === 'string') { if (key) { out[key] = value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value; count++; } return; }
    if (value instanceof Date) { if (key) { out[key] = isNaN(value.getTime()) ? String(value) : value.toISOString(); count++; } return; }
    if (depth > 32) { if (key) { out[key] = '[too deep]'; count++; } return; }
    if (Array.isArray(value)) {
      if (value.every((v) => v === null || typeof v !== 'object' || v instanceof Date)) {
        if (key) {
          let text: string;
          try { text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)); } catch { text = String(value); }
          out[key] = text.length > MAX_STRING ? text.slice(0, MAX_STRING) : text;
          count++;
        }
        return;
      }
      value.forEach((v, i) => visit(v, key ? `${key}.${i}` : String(i), depth + 1));
      return;
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (!entries.length && key) { out[key] = '{}'; count++; return; }
      for (const [k, v] of entries) visit(v, key ? `${key}.${k}` : k, depth + 1);
      return;
    }
    if (key) { out[key] = String(value); count++; }
  };
  visit(data, prefix, 0);
  return out;
}
