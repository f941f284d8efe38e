import fs from 'node:fs';
import { bin, encodeStruct, i32, i64, list, struct, TReader, type TStruct, type TypedField } from './thriftCompact';

/** One metric series' points, in the order they are to be stored. */
export interface KeyPoints {
  readonly key: string;
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly times: Float64Array;
}

/**
 * A points file is a Parquet file (format 1 subset, written from the specification) that pandas,
 * polars, pyarrow and DuckDB read as it is: columns `run` and `key` (strings, dictionary-encoded: a
 * few bytes per row group), `step`, `value`, `time` (doubles, PLAIN, uncompressed: written and read
 * as plain memory copies). One row group per series (longer series: several of at most
 * {@link maxGroupRows} rows), so reading one series reads only its bytes. The key of every row group
 * is also in the footer's key-value metadata (`exptrack.points`), so a reader finds a series from the
 * footer alone.
 */
const magic = Buffer.from('PAR1');
export const maxGroupRows = 1 << 20;
const formatTag = 'exptrack.points';

const PT = { DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const ENC = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

interface Chunk { meta: TypedField; offset: number }

/** The bytes of a points file for `run` holding `series` (each in step order, as given). */
export function encodePointsFile(run: string, series: readonly KeyPoints[]): Buffer {
  const parts = encodePointsFileParts(run, series);
  return Buffer.concat(parts, parts.reduce((a, b) => a + b.length, 0));
}

/**
 * The same bytes as pieces (the point columns are views of the given arrays, not copies): written
 * with one gathering write, a big file costs no extra copy of itself.
 */
export function encodePointsFileParts(run: string, series: readonly KeyPoints[]): Buffer[] {
  const parts: Buffer[] = [magic];
  let pos = magic.length;
  const push = (b: Uint8Array): void => { parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)); pos += b.byteLength; };
  const groups: TypedField[] = [];
  const groupKeys: string[] = [];
  let totalRows = 0;

  const stringChunk = (name: string, value: string, rows: number): Chunk => {
    const start = pos;
    const text = Buffer.from(value, 'utf8');
    const dict = Buffer.alloc(4 + text.length);
    dict.writeUInt32LE(text.length, 0);
    text.copy(dict, 4);
    const dictHeader = encodeStruct({ 1: i32(PAGE.DICTIONARY), 2: i32(dict.length), 3: i32(dict.length), 7: struct({ 1: i32(1), 2: i32(ENC.PLAIN) }) });
    push(dictHeader); push(dict);
    const dataStart = pos;
    // Indices into the one-entry dictionary: bit width 1, one RLE run of `rows` zeros.
    const body: number[] = [1];
    for (let n = rows * 2; ; n = Math.floor(n / 128)) { if (n < 128) { body.push(n); break; } body.push((n % 128) | 0x80); }
    body.push(0);
    const dataHeader = encodeStruct({ 1: i32(PAGE.DATA), 2: i32(body.length), 3: i32(body.length), 5: struct({ 1: i32(rows), 2: i32(ENC.RLE_DICTIONARY), 3: i32(ENC.RLE), 4: i32(ENC.RLE) }) });
    push(dataHeader); push(Uint8Array.from(body));
    const size = pos - start;
    return {
      offset: start,
      meta: struct({ 1: i32(PT.BYTE_ARRAY), 2: list('i32', [i32(ENC.PLAIN), i32(ENC.RLE), i32(ENC.RLE_DICTIONARY)]), 3: list('binary', [bin(name)]), 4: i32(0),
        5: i64(rows), 6: i64(size), 7: i64(size), 9: i64(dataStart), 11: i64(start) }),
    };
  };

  const doubleChunk = (name: string, values: Float64Array): Chunk => {
    const start = pos;
    const bytes = values.byteLength;
    push(encodeStruct({ 1: i32(PAGE.DATA), 2: i32(bytes), 3: i32(bytes), 5: struct({ 1: i32(values.length), 2: i32(ENC.PLAIN), 3: i32(ENC.RLE), 4: i32(ENC.RLE) }) }));
    push(new Uint8Array(values.buffer, values.byteOffset, bytes));
    const size = pos - start;
    return {
      offset: start,
      meta: struct({ 1: i32(PT.DOUBLE), 2: list('i32', [i32(ENC.PLAIN), i32(ENC.RLE)]), 3: list('binary', [bin(name)]), 4: i32(0),
        5: i64(values.length), 6: i64(size), 7: i64(size), 9: i64(start) }),
    };
  };

  for (const s of series) {
    for (let from = 0; from < s.steps.length; from += maxGroupRows) {
      const to = Math.min(s.steps.length, from + maxGroupRows);
      const rows = to - from;
      const start = pos;
      const chunks = [
        stringChunk('run', run, rows), stringChunk('key', s.key, rows),
        doubleChunk('step', s.steps.subarray(from, to)), doubleChunk('value', s.values.subarray(from, to)), doubleChunk('time', s.times.subarray(from, to)),
      ];
      const size = pos - start;
      groups.push(struct({ 1: list('struct', chunks.map((c) => struct({ 2: i64(c.offset), 3: c.meta }))), 2: i64(size), 3: i64(rows), 5: i64(start), 6: i64(size) }));
      groupKeys.push(s.key);
      totalRows += rows;
    }
  }
  const leaf = (name: string, type: number, text: boolean): TypedField => struct(text
    ? { 1: i32(type), 3: i32(0), 4: bin(name), 6: i32(0), 10: struct({ 1: struct({}) }) }
    : { 1: i32(type), 3: i32(0), 4: bin(name) });
  const footer = encodeStruct({
    1: i32(1),
    2: list('struct', [struct({ 4: bin('schema'), 5: i32(5) }), leaf('run', PT.BYTE_ARRAY, true), leaf('key', PT.BYTE_ARRAY, true),
      leaf('step', PT.DOUBLE, false), leaf('value', PT.DOUBLE, false), leaf('time', PT.DOUBLE, false)]),
    3: i64(totalRows),
    4: list('struct', groups),
    5: list('struct', [struct({ 1: bin(formatTag), 2: bin(JSON.stringify({ v: 1, run, groups: groupKeys })) })]),
    6: bin('exptrack'),
  });
  push(footer);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  magic.copy(tail, 4);
  push(tail);
  return parts;
}

/** Thrown for a file that is not a complete points file (torn by a crash, truncated, edited). */
export class PointsFileError extends Error {
  constructor(readonly file: string, why: string) {
    super(`points file ${file} is unreadable (${why})`);
    this.name = 'PointsFileError';
  }
}

interface GroupIndex { readonly key: string; readonly rows: number; readonly columns: { readonly step: number; readonly value: number; readonly time: number } }

/**
 * The footer of a points file, read once (files are never modified after they are written, only
 * replaced by new ones): which row groups hold which series, and where their columns start.
 */
export class PointsFileIndex {
  private constructor(readonly file: string, readonly run: string, readonly size: number, private readonly groups: readonly GroupIndex[]) {}

  /** Reads and checks the footer; throws {@link PointsFileError} for anything but a complete points file. */
  static read(file: string): PointsFileIndex {
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch (e) {
      throw new PointsFileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message);
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < 12) throw new PointsFileError(file, `${size} bytes: torn or truncated`);
      const tail = Buffer.alloc(8);
      fs.readSync(fd, tail, 0, 8, size - 8);
      const head = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      if (!tail.subarray(4).equals(magic) || !head.equals(magic)) throw new PointsFileError(file, 'no Parquet magic at both ends: torn or truncated');
      const len = tail.readUInt32LE(0);
      if (len > size - 12) throw new PointsFileError(file, 'footer length out of range');
      const footer = Buffer.alloc(len);
      fs.readSync(fd, footer, 0, len, size - 8 - len);
      let meta: TStruct;
      try { meta = new TReader(footer).struct(); } catch (e) { throw new PointsFileError(file, `bad footer: ${(e as Error).message}`); }
      const kv = (meta[5] as TStruct[] | undefined)?.find((e) => Buffer.from(e[1] as Uint8Array).toString() === formatTag);
      if (!kv) throw new PointsFileError(file, 'not written by exptrack (no exptrack.points metadata)');
      const info = JSON.parse(Buffer.from(kv[2] as Uint8Array).toString()) as { v: number; run: string; groups: string[] };
      const rowGroups = (meta[4] as TStruct[] | undefined) ?? [];
      if (info.v !== 1 || rowGroups.length !== info.groups.length) throw new PointsFileError(file, 'metadata does not match its row groups');
      const groups = rowGroups.map((g, i): GroupIndex => {
        const cols = g[1] as TStruct[];
        const at = (c: number): number => Number((cols[c][3] as TStruct)[9]);
        return { key: info.groups[i], rows: Number(g[3]), columns: { step: at(2), value: at(3), time: at(4) } };
      });
      return new PointsFileIndex(file, info.run, size, groups);
    } finally {
      fs.closeSync(fd);
    }
  }

  keys(): string[] {
    return [...new Set(this.groups.map((g) => g.key))];
  }

  /** Rows per series. */
  counts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const g of this.groups) m.set(g.key, (m.get(g.key) ?? 0) + g.rows);
    return m;
  }

  /** The points of `key` in file order (empty when the file has none); reads only that series' pages. */
  read(key: string): KeyPoints {
    const groups = this.groups.filter((g) => g.key === key);
    const n = groups.reduce((a, g) => a + g.rows, 0);
    const out = { key, steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) };
    if (!n) return out;
    let fd: number;
    try { fd = fs.openSync(this.file, 'r'); } catch (e) {
      throw new PointsFileError(this.file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message);
    }
    try {
      let at = 0;
      for (const g of groups) {
        for (const col of ['step', 'value', 'time'] as const) {
          const target = col === 'step' ? out.steps : col === 'value' ? out.values : out.times;
          this.readPage(fd, g.columns[col], g.rows, new Uint8Array(target.buffer, at * 8, g.rows * 8));
        }
        at += g.rows;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  /** Reads one PLAIN double page (header, then the values) into `into`. */
  private readPage(fd: number, offset: number, rows: number, into: Uint8Array): void {
    const head = Buffer.alloc(64);
    const got = fs.readSync(fd, head, 0, head.length, offset);
    let h: TStruct;
    const r = new TReader(head.subarray(0, got));
    try { h = r.struct(); } catch (e) { throw new PointsFileError(this.file, `bad page header: ${(e as Error).message}`); }
    const dph = h[5] as TStruct | undefined;
    if (h[1] !== PAGE.DATA || !dph || dph[1] !== rows || dph[2] !== ENC.PLAIN || h[3] !== rows * 8) {
      throw new PointsFileError(this.file, 'a page is not what exptrack writes (plain, uncompressed doubles)');
    }
    const n = fs.readSync(fd, into, 0, into.length, offset + r.pos);
    if (n !== into.length) throw new PointsFileError(this.file, 'truncated page');
  }
}
