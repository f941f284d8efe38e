import crypto from 'node:crypto';

// Crockford base32, lower case: no i, l, o, u, so ids read back without confusion.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;

/**
 * A new run id in the ULID layout, lower case: 10 characters of start time (ms, base 32) then 6
 * random ones, e.g. `01kaqz3m2xq7w2ab`. Ids sort by start time as text (strictly within one process,
 * which never reuses a millisecond), their first 10 characters tell runs apart in a listing, and two
 * writers starting in the same millisecond still differ.
 */
export function newRunId(now: number = Date.now()): string {
  const ms = now > lastMs ? now : lastMs + 1;
  lastMs = ms;
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (const b of crypto.randomBytes(6)) rand += ALPHABET[b & 31];
  return time + rand;
}
