import type { ParamValue } from '../model';

const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Types a param written as text: numbers and booleans become numbers and booleans, everything else
 * stays the string it was. Integers with leading zeros (`007`, a zip code, a run tag) and integers past
 * 2^53 stay strings so nothing is silently changed.
 */
export function toParamValue(text: string): ParamValue {
  const t = text.trim();
  if (NUMBER_RE.test(t)) {
    if (/^[-+]?0\d/.test(t)) return text;
    const n = Number(t);
    if (Number.isFinite(n) && (!/^[-+]?\d+$/.test(t) || Number.isSafeInteger(n))) return n;
    return text;
  }
  const lower = t.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null' || lower === 'none') return null;
  return text;
}
