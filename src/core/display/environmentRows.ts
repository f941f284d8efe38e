// A run's recorded environment (host, python, packages, GPUs, variables) as rows a person reads: sizes
// in GiB, empty values left out, long lists (pip freeze's forty lines) folded under one row.

/** A name and a display value, or a folded list (`packages (42)`) of display values. */
export type EnvironmentRow =
  | { readonly key: string; readonly value: string }
  | { readonly key: string; readonly items: readonly string[] };

/** Lists longer than this are folded. */
const FOLD_OVER = 5;

/** 33554432000 -> "31.3 GiB"; under a GiB in MiB. */
export function formatGiB(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1) return `${gib.toFixed(gib < 10 ? 1 : 0)} GiB`;
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
    || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/** `memoryBytes: 3.3e10` -> `memory: 31 GiB`; `memoryMiB: 40960` -> `memory: 40 GiB`; else as recorded. */
function sized(key: string, v: unknown): { key: string; value: string } | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  const m = /^(.*?)(Bytes|MiB)$/.exec(key);
  if (!m || !m[1]) return undefined;
  return { key: m[1], value: formatGiB(m[2] === 'MiB' ? v * 2 ** 20 : v) };
}

/** An object in a list (one GPU) on one line: its values, sizes formatted, `name` first. */
function oneLine(o: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (isEmpty(v) || k === 'index') continue;
    const s = sized(k, v);
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (k === 'name') parts.unshift(text);
    else if (s) parts.push(s.value);
    else parts.push(`${k} ${text}`);
  }
  return parts.join(' · ');
}

/** The rows of a recorded environment, nested objects flattened to `python.version`. */
export function environmentRows(env: Readonly<Record<string, unknown>>, prefix = ''): EnvironmentRow[] {
  const out: EnvironmentRow[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (isEmpty(v)) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    const s = sized(k, v);
    if (s) out.push({ key: prefix ? `${prefix}.${s.key}` : s.key, value: s.value });
    else if (Array.isArray(v)) {
      const items = v.filter((x) => !isEmpty(x)).map((x) => (x !== null && typeof x === 'object' ? oneLine(x as Record<string, unknown>) : String(x)));
      if (!items.length) continue;
      if (items.length > FOLD_OVER) out.push({ key, items });
      else if (v.some((x) => x !== null && typeof x === 'object')) items.forEach((text, i) => out.push({ key: `${key}.${i}`, value: text }));
      else out.push({ key, value: items.join(', ') });
    } else if (typeof v === 'object') out.push(...environmentRows(v as Record<string, unknown>, key));
    else out.push({ key, value: String(v) });
  }
  return out;
}
