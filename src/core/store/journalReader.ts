import fs from 'node:fs';
import path from 'node:path';
import { decodeFloats, floatsFromPlain } from './journalRecord';
import type { KeyPoints } from './pointsFile';
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

/** One read buffer reused by every chunk (its text is copied out): a fresh megabyte per chunk faulted its pages in each time. */
let shared = Buffer.alloc(0);
function readBuffer(bytes: number): Buffer {
  if (shared.length < bytes) shared = Buffer.allocUnsafeSlow(Math.max(bytes, 1 << 20));
  return shared.subarray(0, bytes);
}

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
      const buf = readBuffer(want);
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
      // Decoded line by line: one string of a whole megabyte is a large object in the old generation,
      // and a fold of 40 MB made the editor's heap do a full collection (100-300 ms pauses) every few.
      const lines: string[] = [];
      for (let at = 0; at <= lastNl;) {
        const nl = buf.indexOf(newline, at);
        const end = nl < 0 || nl > lastNl ? lastNl : nl;
        lines.push(buf.toString('utf8', at, end));
        at = end + 1;
      }
      return { lines, end: offset + lastNl + 1, tail: reachedEof ? got - lastNl - 1 : 0, atEof: reachedEof };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A stretch of a journal already folded: `[from, to)`. */
export interface JournalRange { readonly file: string; readonly from: number; readonly to: number }

/**
 * The points of one series of one run as these journal stretches hold them, in journal order, read
 * chunk by chunk (`chunkBytes` at a time): what a reader that did not keep them in memory reads again.
 * Points are taken as the fold takes them (a finite step; a time that is not finite counts as 0).
 */
export function readRunPoints(ranges: readonly JournalRange[], runId: string, key: string, chunkBytes = 1 << 20): KeyPoints {
  const steps: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  // Cheap tests before parsing a line (any key order: hand-written journals are read too).
  const needle = /^[\x20-\x7e]*$/.test(runId) ? JSON.stringify(runId) : '';
  for (const range of ranges) {
    let offset = range.from;
    while (offset < range.to) {
      let chunk: JournalChunk;
      try { chunk = readJournalChunk(range.file, offset, Math.min(chunkBytes, range.to - offset)); } catch { break; }
      if (chunk.end === offset) break;
      for (const line of chunk.lines) {
        if (!line.includes('"m"') || !line.includes(needle)) continue;
        let rec: { r?: unknown; k?: unknown; b?: unknown; p?: unknown };
        try { rec = JSON.parse(line) as typeof rec; } catch { continue; }
        if (rec.r !== runId || !Array.isArray(rec.k)) continue;
        const ki = rec.k.indexOf(key);
        if (ki < 0) continue;
        let f: Float64Array;
        try { f = typeof rec.b === 'string' ? decodeFloats(rec.b) : Array.isArray(rec.p) ? floatsFromPlain(rec.p) : new Float64Array(0); } catch { continue; }
        for (let i = 0; i + 3 < f.length; i += 4) {
          if (f[i] !== ki || !Number.isFinite(f[i + 1])) continue;
          steps.push(f[i + 1]); values.push(f[i + 2]); times.push(Number.isFinite(f[i + 3]) ? f[i + 3] : 0);
        }
      }
      offset = Math.min(chunk.end, range.to);
      if (chunk.atEof) break;
    }
  }
  return { key, steps: Float64Array.from(steps), values: Float64Array.from(values), times: Float64Array.from(times) };
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
