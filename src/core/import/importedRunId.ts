// The exptrack id of an imported run: derived from the source and the source's own run id, so that
// importing the same source again finds the run it made before instead of making a second one.
import crypto from 'node:crypto';
import type { ImportSourceKind } from './importedRun';

// newRunId's alphabet (Crockford base32, lower case), so imported ids look and resolve like others.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * 16 characters of SHA-256 of source and source id. Not time-ordered like a recorded run's id: a
 * source's start time is not always stable (DVCLive and CSV have none; the file's time is used), and
 * the id must be.
 */
export function importedRunId(source: ImportSourceKind, sourceId: string): string {
  const hash = crypto.createHash('sha256').update(`${source}\0${sourceId}`).digest();
  let id = '';
  for (let i = 0; i < 16; i++) id += ALPHABET[hash[i] & 31];
  return id;
}
