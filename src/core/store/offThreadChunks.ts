import path from 'node:path';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { decodeFloats, type JournalRecord } from './journalRecord';
import { type JournalChunk, readJournalChunk } from './journalReader';

/** A chunk whose lines are parsed where that was possible (a line that is not JSON stays text). */
export interface ParsedChunk extends Omit<JournalChunk, 'lines'> {
  readonly lines: (string | JournalRecord)[];
}

export interface ChunkRequest { readonly id: number; readonly file: string; readonly offset: number; readonly maxBytes: number }
export type ChunkReply = { readonly id: number; readonly chunk: ParsedChunk } | { readonly id: number; readonly error: string };

/**
 * Reads a chunk and parses its lines as the fold would (JSON, and metric points from base64 to their
 * own Float64Array in `f`, which the fold takes as it is): the part of a fold that needs no database,
 * done in a worker thread. Returns the arrays to transfer back.
 */
export function parseJournalChunk(file: string, offset: number, maxBytes: number): { chunk: ParsedChunk; transfer: ArrayBuffer[] } {
  const raw = readJournalChunk(file, offset, maxBytes);
  const transfer: ArrayBuffer[] = [];
  const lines = raw.lines.map((line): string | JournalRecord => {
    if (!line) return line;
    let rec: Record<string, unknown>;
    try { rec = JSON.parse(line) as Record<string, unknown>; } catch { return line; }
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return line;
    if (rec.t === 'm' && typeof rec.b === 'string') {
      let f: Float64Array;
      try { f = decodeFloats(rec.b).slice(); } catch { return line; }
      rec.f = f;
      delete rec.b;
      transfer.push(f.buffer as ArrayBuffer);
    }
    return rec as unknown as JournalRecord;
  });
  return { chunk: { ...raw, lines }, transfer };
}

/** Where the worker's bundle is: next to the bundle this code runs in (dist/, or out/ for tests). */
export function chunkThreadScript(dir = __dirname): string | undefined {
  for (const f of [path.join(dir, 'journalChunkThread.js'), path.join(dir, '..', 'journalChunkThread.js')]) if (fs.existsSync(f)) return f;
  return undefined;
}

/**
 * Journal chunks read and parsed in a worker thread (journalChunkThread.ts), for the editor's store:
 * reading a megabyte, decoding it and parsing its JSON and base64 is a third of a fold's work, and off
 * the extension host's thread its event loop stays free for it. Anything wrong with the thread (it
 * cannot start, it dies) and chunks are read here as before, said once.
 */
export class OffThreadChunks {
  private worker: Worker | undefined;
  private failed = false;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (c: ParsedChunk) => void; reject: (e: Error) => void }>();

  constructor(private readonly script: string, private readonly warn: (m: string) => void) {}

  async read(file: string, offset: number, maxBytes: number): Promise<ParsedChunk> {
    const worker = this.failed ? undefined : this.start();
    if (!worker) return readJournalChunk(file, offset, maxBytes);
    const id = this.next++;
    try {
      return await new Promise<ParsedChunk>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        worker.postMessage({ id, file, offset, maxBytes } satisfies ChunkRequest);
      });
    } catch (e) {
      if (e instanceof ThreadGone) return readJournalChunk(file, offset, maxBytes);
      throw e;
    }
  }

  close(): void {
    const w = this.worker;
    this.worker = undefined;
    this.failed = true;
    this.fail(new ThreadGone('closed'));
    void w?.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const w = new Worker(this.script, { stdin: false, stdout: false, stderr: false });
      w.unref();
      w.on('message', (m: ChunkReply) => {
        const p = this.waiting.get(m.id);
        if (!p) return;
        this.waiting.delete(m.id);
        if ('error' in m) p.reject(new Error(m.error)); else p.resolve(m.chunk);
      });
      const gone = (why: string): void => {
        if (this.worker !== w) return;
        this.worker = undefined;
        this.failed = true;
        this.warn(`the journal reading thread stopped (${why}); journals are read on the main thread from now on`);
        this.fail(new ThreadGone(why));
      };
      w.on('error', (e) => gone(e.message));
      w.on('exit', (code) => gone(`exit code ${code}`));
      this.worker = w;
      return w;
    } catch (e) {
      this.failed = true;
      this.warn(`cannot start the journal reading thread (${(e as Error).message}); journals are read on the main thread`);
      return undefined;
    }
  }

  private fail(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }
}

class ThreadGone extends Error {}
