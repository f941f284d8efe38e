/**
 * The Thrift compact protocol, only as far as Parquet's footer and page headers need it: structs of
 * integers, doubles, booleans, binaries, lists and nested structs. Written from the specification
 * (thrift/doc/specs/thrift-compact-protocol.md).
 */

/** A struct: field id -> value. Lists are arrays; binaries are Uint8Array; integers are numbers. */
export interface TStruct { [field: number]: TValue }
export type TValue = number | boolean | Uint8Array | TStruct | TValue[] | TypedField;

/** A value with its Thrift type made explicit (the encoder needs it where a JS value is ambiguous). */
export interface TypedField { readonly t: 'i32' | 'i64' | 'double' | 'binary' | 'struct' | 'list' | 'bool'; readonly v: unknown; readonly elem?: TypedField['t'] }

const CT = { boolTrue: 1, boolFalse: 2, byte: 3, i16: 4, i32: 5, i64: 6, double: 7, binary: 8, list: 9, set: 10, map: 11, struct: 12 } as const;

const elemType: Record<TypedField['t'], number> = { bool: CT.boolTrue, i32: CT.i32, i64: CT.i64, double: CT.double, binary: CT.binary, struct: CT.struct, list: CT.list };

export const i32 = (v: number): TypedField => ({ t: 'i32', v });
export const i64 = (v: number): TypedField => ({ t: 'i64', v });
export const bin = (v: string | Uint8Array): TypedField => ({ t: 'binary', v: typeof v === 'string' ? Buffer.from(v, 'utf8') : v });
export const bool = (v: boolean): TypedField => ({ t: 'bool', v });
export const struct = (fields: Record<number, TypedField | undefined>): TypedField => ({ t: 'struct', v: fields });
export const list = (elem: TypedField['t'], items: TypedField[]): TypedField => ({ t: 'list', v: items, elem });

/** Encodes a struct whose fields are {@link TypedField}s (undefined fields are left out). */
export function encodeStruct(fields: Record<number, TypedField | undefined>): Uint8Array {
  const out: number[] = [];
  writeStruct(out, fields);
  return Uint8Array.from(out);
}

function varint(out: number[], n: number): void {
  // Numbers up to 2^53: arithmetic, not 32-bit shifts.
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
  out.push(n);
}
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function writeStruct(out: number[], fields: Record<number, TypedField | undefined>): void {
  let last = 0;
  for (const id of Object.keys(fields).map(Number).sort((a, b) => a - b)) {
    const f = fields[id];
    if (!f) continue;
    const type = f.t === 'bool' ? (f.v ? CT.boolTrue : CT.boolFalse) : elemType[f.t];
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
    else { out.push(type); varint(out, zigzag(id)); }
    last = id;
    if (f.t !== 'bool') writeValue(out, f);
  }
  out.push(0);
}

function writeValue(out: number[], f: TypedField): void {
  switch (f.t) {
    case 'bool': out.push(f.v ? 1 : 2); break;
    case 'i32': case 'i64': varint(out, zigzag(f.v as number)); break;
    case 'double': { const b = Buffer.alloc(8); b.writeDoubleLE(f.v as number); out.push(...b); break; }
    case 'binary': { const b = f.v as Uint8Array; varint(out, b.length); for (const x of b) out.push(x); break; }
    case 'struct': writeStruct(out, f.v as Record<number, TypedField | undefined>); break;
    case 'list': {
      const items = f.v as TypedField[];
      const et = elemType[f.elem!];
      if (items.length < 15) out.push((items.length << 4) | et);
      else { out.push(0xf0 | et); varint(out, items.length); }
      for (const it of items) writeValue(out, it);
      break;
    }
  }
}

/** A position in a buffer being decoded. */
export class TReader {
  pos: number;
  constructor(private readonly buf: Uint8Array, start = 0) { this.pos = start; }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('truncated Thrift data');
    return this.buf[this.pos++];
  }

  private varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (!(b & 0x80)) return n;
      mul *= 0x80;
    }
    throw new Error('bad Thrift varint');
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** Reads a struct: every field by id (unknown ones too, generically). */
  struct(): TStruct {
    const out: TStruct = {};
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const type = h & 0x0f;
      const delta = h >> 4;
      const id = delta ? last + delta : this.zigzag();
      last = id;
      out[id] = type === CT.boolTrue ? true : type === CT.boolFalse ? false : this.value(type);
    }
  }

  private value(type: number): TValue {
    switch (type) {
      case CT.boolTrue: case CT.boolFalse: return this.byte() === 1;
      case CT.byte: return this.byte();
      case CT.i16: case CT.i32: case CT.i64: return this.zigzag();
      case CT.double: {
        if (this.pos + 8 > this.buf.length) throw new Error('truncated Thrift data');
        const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0);
        this.pos += 8;
        return v;
      }
      case CT.binary: {
        const n = this.varint();
        if (this.pos + n > this.buf.length) throw new Error('truncated Thrift data');
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case CT.list: case CT.set: {
        const h = this.byte();
        const size = (h >> 4) === 15 ? this.varint() : h >> 4;
        const et = h & 0x0f;
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(et === CT.boolTrue || et === CT.boolFalse ? this.byte() === 1 : this.value(et));
        return items;
      }
      case CT.map: {
        const size = this.varint();
        if (size === 0) return [];
        const kv = this.byte();
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push([this.value(kv >> 4), this.value(kv & 0x0f)]);
        return items;
      }
      case CT.struct: return this.struct();
      default: throw new Error(`unknown Thrift type ${type}`);
    }
  }
}
