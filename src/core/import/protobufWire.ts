// A reader of the protobuf wire format (varint, 64-bit, length-delimited, 32-bit fields), enough to
// walk TensorBoard's Event and W&B's Record messages by field number without their .proto files.

/** Thrown for bytes that are not a well-formed message (a truncated field, an unknown wire type). */
export class WireError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const textDecoder = new TextDecoder('utf-8');
// Fixed-width numbers go through one shared 8-byte scratch: a DataView per field was most of the
// garbage a million-point import made.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);

/**
 * A cursor over one message's fields: `next()` moves to the next field and returns false at the end;
 * then `field` and `wire` say what it is and one of the read methods takes its value (a field not
 * read is skipped by the next `next()`).
 */
export class WireReader {
  field = 0;
  wire = 0;
  private pos: number;
  /** Where the current field's value starts, and whether it was read. */
  private valueAt = 0;
  private consumed = true;

  constructor(readonly bytes: Uint8Array, from = 0, readonly end = bytes.length) {
    this.pos = from;
  }

  next(): boolean {
    if (!this.consumed) this.skip();
    if (this.pos >= this.end) return false;
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag % 8;
    if (this.field === 0) throw new WireError('field number 0');
    this.valueAt = this.pos;
    this.consumed = false;
    return true;
  }

  /** An unsigned varint as a number (exact up to 2^53; larger ones lose low bits). */
  uint(): number {
    this.expect(WIRE_VARINT);
    return this.varint();
  }

  /** A signed int64/int32 varint (two's complement, not zigzag). */
  int(): number {
    this.expect(WIRE_VARINT);
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 10) return v;
    // Ten bytes: the top bit was set, a negative number; doubles cannot hold 2^64 - n exactly.
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.bytes[i] & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  double(): number {
    this.expect(WIRE_FIXED64);
    this.need(8);
    for (let i = 0; i < 8; i++) scratchBytes[i] = this.bytes[this.pos + i];
    this.pos += 8;
    return scratchF64[0];
  }

  float(): number {
    this.expect(WIRE_FIXED32);
    this.need(4);
    for (let i = 0; i < 4; i++) scratchBytes[i] = this.bytes[this.pos + i];
    this.pos += 4;
    return scratchF32[0];
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytesValue(): Uint8Array {
    const [from, to] = this.span();
    return this.bytes.subarray(from, to);
  }

  string(): string {
    return textDecoder.decode(this.bytesValue());
  }

  /** A reader over an embedded message. */
  message(): WireReader {
    const [from, to] = this.span();
    return new WireReader(this.bytes, from, to);
  }

  /** A packed repeated field of doubles or floats, or one unpacked element. */
  packedNumbers(wire: 'f32' | 'f64'): number[] {
    if (this.wire !== WIRE_BYTES) return [wire === 'f32' ? this.float() : this.double()];
    const [from, to] = this.span();
    const size = wire === 'f32' ? 4 : 8;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + from, to - from);
    const out: number[] = [];
    for (let o = 0; o + size <= to - from; o += size) out.push(size === 4 ? view.getFloat32(o, true) : view.getFloat64(o, true));
    return out;
  }

  skip(): void {
    this.pos = this.valueAt;
    switch (this.wire) {
      case WIRE_VARINT: this.varint(); break;
      case WIRE_FIXED64: this.need(8); this.pos += 8; break;
      case WIRE_BYTES: this.span(); break;
      case WIRE_FIXED32: this.need(4); this.pos += 4; break;
      default: throw new WireError(`unsupported wire type ${this.wire}`);
    }
    this.consumed = true;
  }

  private span(): [number, number] {
    this.expect(WIRE_BYTES);
    const len = this.varint();
    this.need(len);
    const from = this.pos;
    this.pos += len;
    return [from, this.pos];
  }

  private expect(wire: number): void {
    if (this.wire !== wire) throw new WireError(`field ${this.field} has wire type ${this.wire}, expected ${wire}`);
    this.consumed = true;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new WireError('message ends inside a field');
  }

  private varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('message ends inside a varint');
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }
}
