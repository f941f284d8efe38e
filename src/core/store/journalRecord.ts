import type { ArtifactRecord, GitInfo, ParamValue, RunEnd, RunStart } from '../model';

/**
 * One line of a writer's journal (`.exptrack/journal/<writer>.jsonl`). Short tags keep lines small at
 * 100k points/s. Numbers that JSON cannot carry (NaN, ±Infinity) travel as the strings "NaN",
 * "Infinity", "-Infinity" (see {@link encodeNumber}).
 */
export type JournalRecord =
  | { readonly t: 'w'; readonly writer: string; readonly pid: number; readonly host: string; readonly time: number }
  | { readonly t: 'start'; readonly run: RunStart }
  | { readonly t: 'params'; readonly r: string; readonly p: Record<string, EncodedParam> }
  /** Points as [key, step, value, time]. */
  | { readonly t: 'm'; readonly r: string; readonly p: readonly (readonly [string, number, number | string, number])[] }
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
