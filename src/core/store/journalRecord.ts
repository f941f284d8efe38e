import type { ArtifactRecord, GitInfo, ParamValue, RunEnd, RunStart } from '../model';

/**
 * One line of a writer's journal (`.exptrack/journal/<writer>.jsonl`). Short tags keep lines small at
 * 100k points/s. Numbers that JSON cannot carry (NaN, ±Infinity) travel as the strings "NaN",
 * "Infinity", "-Infinity" (see {@link encodeNumber}).
 */
export type JournalRecord =
  /**
   * A journal's header. `folds`: written by a long-lived Store, which folds every writer's journals as
   * long as it lives (the editor). `v`: the journal format ({@link JOURNAL_FORMAT}; absent: 1); a
   * reader leaves a journal of a newer format alone rather than drop what it cannot read.
   */
  | { readonly t: 'w'; readonly writer: string; readonly pid: number; readonly host: string; readonly time: number; readonly folds?: boolean; readonly v?: number }
  | { readonly t: 'start'; readonly run: RunStart }
  | { readonly t: 'params'; readonly r: string; readonly p: Record<string, EncodedParam> }
  /**
   * Metric points as quadruples [key index into `k`, step, value, time]. The writer stores them in
   * `b`: base64 of little-endian float64s (printing a million doubles as decimal text costs more than
   * inserting them, and NaN/±Infinity need no escape). `p` (plain JSON numbers, non-finite values as
   * strings) is accepted too, for hand-written journals. `f` exists only in memory, never in a file.
   */
  | { readonly t: 'm'; readonly r: string; readonly k: readonly string[]; readonly b?: string; readonly p?: readonly (number | string)[]; readonly f?: Float64Array }
  /** null removes a tag. */
  | { readonly t: 'tags'; readonly r: string; readonly tags: Record<string, string | null> }
  | { readonly t: 'art'; readonly r: string; readonly a: ArtifactRecord; readonly time: number }
  | { readonly t: 'env'; readonly r: string; readonly e: Record<string, unknown> }
  | { readonly t: 'git'; readonly r: string; readonly g: GitInfo }
  | { readonly t: 'code'; readonly r: string; readonly f: Record<string, string> }
  | { readonly t: 'end'; readonly r: string; readonly e: RunEnd }
  | { readonly t: 'name'; readonly r: string; readonly name: string }
  | { readonly t: 'note'; readonly r: string; readonly note: string; readonly time: number }
  | { readonly t: 'del'; readonly r: string }
  /** Clean close: the writer appends nothing more here; `next` names the journal it continues in. */
  | { readonly t: 'x'; readonly time: number; readonly next?: string };

/**
 * The journal format this code writes and the newest it reads (the header's `v`). A later format
 * raises it, and older code then leaves such journals alone instead of dropping records it cannot read.
 */
export const JOURNAL_FORMAT = 1;

/** A param value as journaled: non-finite numbers become `{ n: "NaN" }` so they stay numbers. */
export type EncodedParam = ParamValue | { readonly n: string };

/** JSON-safe form of a metric value. */
export function encodeNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Inverse of {@link encodeNumber}; anything else that is not a number reads as NaN. */
export function decodeNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

export function encodeParam(v: ParamValue): EncodedParam {
  return typeof v === 'number' && !Number.isFinite(v) ? { n: String(v) } : v;
}

export function decodeParam(v: unknown): ParamValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'object' && typeof (v as { n?: unknown }).n === 'string') return decodeNumber((v as { n: string }).n);
  return JSON.stringify(v) ?? null;
}

const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Float64 quadruples to the base64 text of a journal line (little-endian on every platform). */
export function encodeFloats(f: Float64Array): string {
  const bytes = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  if (littleEndian) return bytes.toString('base64');
  const out = Buffer.allocUnsafe(f.byteLength);
  for (let i = 0; i < f.length; i++) out.writeDoubleLE(f[i], i * 8);
  return out.toString('base64');
}

/** Where {@link decodeFloats} decodes (one thread: one buffer). */
let scratch = new Float64Array(0);

/**
 * Inverse of {@link encodeFloats}; a trailing partial number is dropped. A view of a buffer the next
 * call overwrites: copy what must outlive it.
 */
export function decodeFloats(b: string): Float64Array {
  // Into one reused buffer: two fresh arrays per record (32 KB each) were a third of a fold's
  // allocations. The caller reads the view before it decodes another record.
  const room = ((b.length * 3) >> 2) + 8;
  if (scratch.byteLength < room) scratch = new Float64Array(Math.max(room >> 3, 8192));
  const bytes = Buffer.from(scratch.buffer, 0, scratch.byteLength);
  const n = bytes.write(b, 'base64') >> 3;
  if (littleEndian) return scratch.subarray(0, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

/** The `p` form of metric points as float64 quadruples (bad entries become NaN and are skipped later). */
export function floatsFromPlain(p: readonly unknown[]): Float64Array {
  const out = new Float64Array(p.length - (p.length % 4));
  for (let i = 0; i < out.length; i++) out[i] = typeof p[i] === 'number' ? p[i] as number : decodeNumber(p[i]);
  return out;
}
