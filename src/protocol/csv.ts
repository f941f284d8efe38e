/** A plain number as text (`-1`, `+2.5`, `-1e-3`): safe to leave as it is in a spreadsheet cell. */
const PLAIN_NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would read as a formula — starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return, unless it is just a number — gets a leading `'`
 * (OWASP's advice for CSV injection): a run named `-2+3+cmd|' /C calc'!A0` stays text.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER_RE.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
