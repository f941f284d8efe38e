import { bin, bool, encodeStruct, i32, i64, list, struct, type TypedField } from './thriftCompact';

/**
 * A Parquet writer (format 1, written from the specification), as small as exptrack's files need:
 * uncompressed PLAIN pages of strings, doubles, int64s and millisecond timestamps, nullable or not,
 * and strings constant over a row group as a one-entry dictionary (a few bytes whatever the rows).
 * The store's points files (pointsFile.ts) and `exptrack export --format parquet` write through it;
 * pandas, polars, pyarrow and DuckDB read what it writes.
 */
export type ParquetType = 'string' | 'double' | 'int64' | 'timestampMs';

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetType;
  /** Nullable (OPTIONAL); else every row has a value (REQUIRED). */
  readonly optional?: boolean;
}

/** One column's values in one row group. */
export type ParquetChunk =
  /** A string column whose every row in the group holds this value (REQUIRED columns only). */
  | { readonly constant: string }
  /** Doubles of a REQUIRED double column, written as one memory copy. */
  | { readonly doubles: Float64Array }
  /** Values of any column; null only in OPTIONAL ones. */
  | { readonly values: readonly (string | number | null)[] };

const PT = { INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const ENC = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;
const CONVERTED = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;
const magic = Buffer.from('PAR1');

interface Chunk { readonly meta: TypedField; readonly offset: number }

export class ParquetWriter {
  private pos = 0;
  private totalRows = 0;
  private readonly groups: TypedField[] = [];

  /** Writes the header at once; `out` receives the file's bytes in order. */
  constructor(private readonly out: (bytes: Uint8Array) => void, private readonly columns: readonly ParquetColumn[]) {
    this.push(magic);
  }

  /** Appends a row group of `rows` rows: one chunk per column, in the columns' order. */
  rowGroup(rows: number, chunks: readonly ParquetChunk[]): void {
    if (chunks.length !== this.columns.length) throw new Error(`a row group needs ${this.columns.length} columns, got ${chunks.length}`);
    const start = this.pos;
    const written = chunks.map((c, i) => this.chunk(this.columns[i], c, rows));
    const size = this.pos - start;
    this.groups.push(struct({ 1: list('struct', written.map((c) => struct({ 2: i64(c.offset), 3: c.meta }))), 2: i64(size), 3: i64(rows), 5: i64(start), 6: i64(size) }));
    this.totalRows += rows;
  }

  /** Writes the footer (with `keyValue` metadata, if any); the file is complete after it. */
  finish(keyValue: Readonly<Record<string, string>> = {}): void {
    const footer = encodeStruct({
      1: i32(1),
      2: list('struct', [struct({ 4: bin('schema'), 5: i32(this.columns.length) }), ...this.columns.map(schemaLeaf)]),
      3: i64(this.totalRows),
      4: list('struct', this.groups),
      5: Object.keys(keyValue).length ? list('struct', Object.entries(keyValue).map(([k, v]) => struct({ 1: bin(k), 2: bin(v) }))) : undefined,
      6: bin('exptrack'),
    });
    this.push(footer);
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(footer.length, 0);
    magic.copy(tail, 4);
    this.push(tail);
  }

  private push(b: Uint8Array): void {
    this.out(b);
    this.pos += b.byteLength;
  }

  private chunk(column: ParquetColumn, data: ParquetChunk, rows: number): Chunk {
    if ('constant' in data) return this.constantChunk(column.name, data.constant, rows);
    if ('doubles' in data) return this.plainChunk(column, rows, new Uint8Array(data.doubles.buffer, data.doubles.byteOffset, data.doubles.byteLength), null);
    if (data.values.length !== rows) throw new Error(`column ${column.name}: ${data.values.length} values for ${rows} rows`);
    const present = data.values.filter((v): v is string | number => v !== null);
    if (!column.optional && present.length !== rows) throw new Error(`column ${column.name} is not nullable`);
    return this.plainChunk(column, rows, plainValues(column, present), column.optional ? data.values.map((v) => v !== null) : null);
  }

  /** A one-entry dictionary page, then a data page of `rows` indices 0 (one RLE run, bit width 1). */
  private constantChunk(name: string, value: string, rows: number): Chunk {
    const start = this.pos;
    const text = Buffer.from(value, 'utf8');
    const dict = Buffer.alloc(4 + text.length);
    dict.writeUInt32LE(text.length, 0);
    text.copy(dict, 4);
    this.push(encodeStruct({ 1: i32(PAGE.DICTIONARY), 2: i32(dict.length), 3: i32(dict.length), 7: struct({ 1: i32(1), 2: i32(ENC.PLAIN) }) }));
    this.push(dict);
    const dataStart = this.pos;
    const body: number[] = [1];
    varint(body, rows * 2);
    body.push(0);
    this.push(encodeStruct({ 1: i32(PAGE.DATA), 2: i32(body.length), 3: i32(body.length), 5: struct({ 1: i32(rows), 2: i32(ENC.RLE_DICTIONARY), 3: i32(ENC.RLE), 4: i32(ENC.RLE) }) }));
    this.push(Uint8Array.from(body));
    const size = this.pos - start;
    return {
      offset: start,
      meta: struct({ 1: i32(PT.BYTE_ARRAY), 2: list('i32', [i32(ENC.PLAIN), i32(ENC.RLE), i32(ENC.RLE_DICTIONARY)]), 3: list('binary', [bin(name)]), 4: i32(0),
        5: i64(rows), 6: i64(size), 7: i64(size), 9: i64(dataStart), 11: i64(start) }),
    };
  }

  /** One PLAIN data page; `defined` (OPTIONAL columns) says which rows have a value. */
  private plainChunk(column: ParquetColumn, rows: number, values: Uint8Array, defined: readonly boolean[] | null): Chunk {
    const start = this.pos;
    const levels = defined ? definitionLevels(defined) : null;
    const bytes = values.byteLength + (levels?.byteLength ?? 0);
    this.push(encodeStruct({ 1: i32(PAGE.DATA), 2: i32(bytes), 3: i32(bytes), 5: struct({ 1: i32(rows), 2: i32(ENC.PLAIN), 3: i32(ENC.RLE), 4: i32(ENC.RLE) }) }));
    if (levels) this.push(levels);
    this.push(values);
    const size = this.pos - start;
    return {
      offset: start,
      meta: struct({ 1: i32(physicalType(column.type)), 2: list('i32', [i32(ENC.PLAIN), i32(ENC.RLE)]), 3: list('binary', [bin(column.name)]), 4: i32(0),
        5: i64(rows), 6: i64(size), 7: i64(size), 9: i64(start) }),
    };
  }
}

function physicalType(t: ParquetType): number {
  return t === 'string' ? PT.BYTE_ARRAY : t === 'double' ? PT.DOUBLE : PT.INT64;
}

function schemaLeaf(c: ParquetColumn): TypedField {
  const fields: Record<number, TypedField> = { 1: i32(physicalType(c.type)), 3: i32(c.optional ? 1 : 0), 4: bin(c.name) };
  if (c.type === 'string') { fields[6] = i32(CONVERTED.UTF8); fields[10] = struct({ 1: struct({}) }); }
  if (c.type === 'timestampMs') {
    fields[6] = i32(CONVERTED.TIMESTAMP_MILLIS);
    fields[10] = struct({ 8: struct({ 1: bool(true), 2: struct({ 1: struct({}) }) }) });
  }
  return struct(fields);
}

/** PLAIN bytes of the non-null values: length-prefixed UTF-8 for strings, 8 bytes little-endian for numbers. */
function plainValues(c: ParquetColumn, values: readonly (string | number)[]): Uint8Array {
  if (c.type === 'string') {
    const parts = values.map((v) => Buffer.from(String(v), 'utf8'));
    const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const p of parts) { out.writeUInt32LE(p.length, at); p.copy(out, at + 4); at += 4 + p.length; }
    return out;
  }
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => {
    if (typeof v !== 'number') throw new Error(`column ${c.name}: ${JSON.stringify(v)} is not a number`);
    if (c.type === 'double') out.writeDoubleLE(v, i * 8);
    else out.writeBigInt64LE(BigInt(Math.round(v)), i * 8);
  });
  return out;
}

/** Definition levels (0 null, 1 value) as a length-prefixed RLE/bit-packed hybrid of bit-packed runs. */
function definitionLevels(defined: readonly boolean[]): Uint8Array {
  const groups = Math.ceil(defined.length / 8);
  const body: number[] = [];
  varint(body, groups * 2 + 1);
  for (let g = 0; g < groups; g++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) if (defined[g * 8 + b]) byte |= 1 << b;
    body.push(byte);
  }
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  Buffer.from(body).copy(out, 4);
  return out;
}

function varint(out: number[], n: number): void {
  while (n >= 128) { out.push((n % 128) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
}
