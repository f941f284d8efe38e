import crypto from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;

/**
 * A new run id: `YYYYMMDD-HHMMSSmmm-xxxxxx` in UTC, then six random base-32 characters. Ids sort by
 * start time as text (strictly within one process, which never reuses a millisecond),
 * read as a date at a glance, and two writers starting in the same millisecond still differ.
 */
export function newRunId(now: number = Date.now()): string {
  // Within one process, never go backwards nor repeat a millisecond.
  const ms = now > lastMs ? now : lastMs + 1;
  lastMs = ms;
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds(), 3)}`;
  const bytes = crypto.randomBytes(6);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return `${stamp}-${rand}`;
}
