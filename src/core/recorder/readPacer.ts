import type { Readable } from 'node:stream';

/** The libuv handle under a child's output stream (the stream's own pause() buffers in the stream instead). */
interface ReadHandle { readStop(): number; readStart(): number }

/** What a pacer did, for tests and for judging it. */
export interface PacerStats {
  /** Output chunks read. */
  reads: number;
  /** Pauses taken (each one read-free interval of `ms`). */
  pauses: number;
  /** Times pacing was given up because a pause gathered little (a slow writer, or small writes). */
  backOffs: number;
}

/** libuv reads into 64 KB buffers: a read that fills one leaves more waiting. */
const FULL_READ = 64 * 1024;
/** Reads of at least this size, one after another, mean a writer writing in blocks (Python: 8 KB). */
const BLOCK_READ = 4096;
const BLOCK_READS_TO_START = 4;
/**
 * Pauses that gathered less than this, twice in a row, were not worth it (a slow writer, or a writer
 * of small pieces that filled the pipe): pacing stops until block reads start it again. Stalls of a
 * block writer that lost its CPU for a moment also stop it, briefly: four reads later it is back.
 */
const WORTH_A_PAUSE = 16 * 1024;
const THIN_PAUSES_TO_STOP = 2;
/**
 * A pause that gathered this much came near what a Linux socket pair holds for block writes (~190 KB):
 * the writer may have waited, so reading goes on without a pause until the flood ebbs.
 */
const NEAR_FULL = 128 * 1024;

/**
 * Reads a child's output stream in bursts: after the pipe is drained, reading stops for `ms`
 * milliseconds while the output gathers in the pipe, and the next read takes all of it. A command
 * printing a million lines in 8 KB blocks then costs a few hundred reads, writes and wake-ups
 * instead of thousands, for this process and for whatever reads its output in turn.
 *
 * Only for block writers: pacing starts after a few reads of at least 4 KB in a row, stops when
 * pauses keep gathering little, and skips the pause when one gathered nearly what the pipe holds.
 * A writer of small pieces (unbuffered Python: a write per line) would fill the socket pair with a
 * few hundred writes, so it is read as it writes. Node's stream keeps its "reading" flag set
 * throughout, so Node does not restart reading behind the pacer. Does nothing where the stream has
 * no such handle.
 */
export function paceReads(stream: Readable, ms: number): PacerStats {
  const stats: PacerStats = { reads: 0, pauses: 0, backOffs: 0 };
  const handle = (stream as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function' || !(ms > 0)) return stats;
  const h = handle as ReadHandle;
  let pacing = false;
  let blockReads = 0;
  let gathered = 0;
  let thinPauses = 0;
  let timer: NodeJS.Timeout | undefined;
  const pause = (): void => {
    stats.pauses++;
    h.readStop();
    timer = setTimeout(() => {
      timer = undefined;
      if (!stream.destroyed && (stream as unknown as { _handle?: unknown })._handle === h) h.readStart();
    }, ms);
  };
  stream.on('data', (chunk: Buffer) => {
    stats.reads++;
    gathered += chunk.length;
    if (timer || stream.destroyed || chunk.length >= FULL_READ) return; // more is waiting: read on
    const got = gathered;
    gathered = 0;
    if (pacing) {
      thinPauses = got < WORTH_A_PAUSE ? thinPauses + 1 : 0;
      if (thinPauses >= THIN_PAUSES_TO_STOP) {
        pacing = false;
        blockReads = 0;
        thinPauses = 0;
        stats.backOffs++;
      } else if (got < NEAR_FULL) {
        pause();
      }
      return;
    }
    blockReads = chunk.length >= BLOCK_READ ? blockReads + 1 : 0;
    if (blockReads >= BLOCK_READS_TO_START) {
      pacing = true;
      pause();
    }
  });
  stream.once('close', () => { if (timer) clearTimeout(timer); timer = undefined; });
  return stats;
}
