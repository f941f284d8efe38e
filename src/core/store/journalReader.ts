import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './processInfo';

/** What one read of a journal yields. */
export interface JournalChunk {
  /** Complete lines (without the newline), in order. */
  readonly lines: string[];
  /** Offset just past the last complete line. */
  readonly end: number;
  /** Bytes after `end` that do not end with a newline yet (a torn or in-progress line). */
  readonly tail: number;
  /** True when the chunk reaches the end of the file as it was when read. */
  readonly atEof: boolean;
}

const newline = 0x0a;

/**
 * Reads complete lines of `file` from `offset`, about `maxBytes` at a time (more when a single line is
 * longer). A last line without its newline is left for later: it may still be being written.
 */
export function readJournalChunk(file: string, offset: number, maxBytes = 1 << 20): JournalChunk {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { lines: [], end: offset, tail: 0, atEof: true };
    let want = Math.min(maxBytes, size - offset);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = fs.readSync(fd, buf, got, want - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      const lastNl = buf.lastIndexOf(newline, got - 1);
      const reachedEof = offset + got >= size;
      if (lastNl < 0) {
        if (reachedEof) return { lines: [], end: offset, tail: got, atEof: true };
        want = Math.min(want * 2, size - offset);
        continue;
      }
      const text = buf.toString('utf8', 0, lastNl);
      const lines = text.length ? text.split('\n') : [''];
      return { lines, end: offset + lastNl + 1, tail: reachedEof ? got - lastNl - 1 : 0, atEof: reachedEof };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The first line of a journal (its header), or undefined if it is not complete yet. */
export function readJournalHeader(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(newline);
    return nl < 0 ? undefined : buf.toString('utf8', 0, nl);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's current size (0 when it is gone). */
export function fileSize(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

/** What a journal's header (`{"t":"w",...}`) says about its writer; null without a valid one. */
export function readWriterHeader(file: string): { writer: string; pid: number; host: string; folds: boolean; format: number } | null {
  try {
    const line = readJournalHeader(file);
    const rec = line ? JSON.parse(line) as { t?: unknown; writer?: unknown; pid?: unknown; host?: unknown; folds?: unknown; v?: unknown } : undefined;
    if (rec?.t !== 'w' || typeof rec.pid !== 'number' || typeof rec.host !== 'string') return null;
    return { writer: String(rec.writer), pid: rec.pid, host: rec.host, folds: rec.folds === true, format: typeof rec.v === 'number' ? rec.v : 1 };
  } catch {
    return null;
  }
}

/**
 * The writer id of a live Store on this host writing into `<exptrackDir>/journal` (its header says
 * `folds`): a process that folds every journal there as long as it lives, such as the editor.
 * Undefined when there is none.
 */
export function liveFoldingWriter(exptrackDir: string): string | undefined {
  const dir = path.join(exptrackDir, 'journal');
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return undefined; }
  for (const n of names) {
    if (!n.endsWith('.jsonl')) continue;
    const h = readWriterHeader(path.join(dir, n));
    if (h?.folds && isProcessAlive(h.pid, h.host) === true) return h.writer;
  }
  return undefined;
}
