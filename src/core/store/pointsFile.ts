import fs from 'node:fs';
import { ParquetWriter, type ParquetColumn } from './parquetWriter';
import { TReader, type TStruct } from './thriftCompact';

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

const ENC = { PLAIN: 0 } as const;
const PAGE = { DATA: 0 } as const;

/** The columns of a points file (and of `exptrack export --format parquet`'s points.parquet). */
export const POINTS_COLUMNS: readonly ParquetColumn[] = [
  { name: 'run', type: 'string' }, { name: 'key', type: 'string' },
  { name: 'step', type: 'double' }, { name: 'value', type: 'double' }, { name: 'time', type: 'double' },
];

/** Row groups of one run's series into `writer` (columns {@link POINTS_COLUMNS}); the key of each group, in order. */
export function writePointsGroups(writer: ParquetWriter, run: string, series: readonly KeyPoints[]): string[] {
  const keys: string[] = [];
  for (const s of series) {
    for (let from = 0; from < s.steps.length; from += maxGroupRows) {
      const to = Math.min(s.steps.length, from + maxGroupRows);
      writer.rowGroup(to - from, [
        { constant: run }, { constant: s.key },
        { doubles: s.steps.subarray(from, to) }, { doubles: s.values.subarray(from, to) }, { doubles: s.times.subarray(from, to) },
      ]);
      keys.push(s.key);
    }
  }
  return keys;
}

/** The bytes of a points file for `run` holding `series` (each in step order, as given). */
export function encodePointsFile(run: string, series: readonly KeyPoints[]): Buffer {
  const parts = encodePointsFileParts(run, series);
  return Buffer.concat(parts);
}

/**
 * The same bytes as pieces (the point columns are views of the given arrays, not copies): written
 * with one gathering write, a big file costs no extra copy of itself.
 */
export function encodePointsFileParts(run: string, series: readonly KeyPoints[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const writer = new ParquetWriter((b) => parts.push(b), POINTS_COLUMNS);
  const groups = writePointsGroups(writer, run, series);
  writer.finish({ [formatTag]: JSON.stringify({ v: 1, run, groups }) });
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
