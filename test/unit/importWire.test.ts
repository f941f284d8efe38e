// The protobuf wire reader and the checksums the import readers rest on, against known values.
import assert from 'node:assert/strict';
import { crc32, crc32c, maskCrc } from '../../src/core/import/checksums';
import { WireError, WireReader } from '../../src/core/import/protobufWire';

describe('import: checksums and protobuf wire format', () => {
  it('computes CRC-32C and zlib CRC-32 check values, and the TFRecord mask', () => {
    const digits = new TextEncoder().encode('123456789');
    assert.equal(crc32c(digits), 0xe3069283);
    assert.equal(crc32(digits), 0xcbf43926);
    // A continued CRC equals the CRC of the whole.
    assert.equal(crc32c(digits, 4, 9, crc32c(digits, 0, 4)), 0xe3069283);
    assert.equal(crc32(digits, 4, 9, crc32(digits, 0, 4)), 0xcbf43926);
    assert.equal(maskCrc(0), 0xa282ead8);
  });

  it('reads varints past 2^32, negative int64, doubles, floats, strings and nested messages; skips unread fields', () => {
    // field 1 varint 2^40+3; field 2 int64 -5 (ten bytes); field 3 double 1.5; field 4 float NaN; field 5 string "é"; field 6 message {1: 7}; field 7 (unread) fixed32
    const bytes = Uint8Array.from([
      0x08, 0x83, 0x80, 0x80, 0x80, 0x80, 0x20,
      0x10, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
      0x19, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
      0x25, 0x00, 0x00, 0xc0, 0x7f,
      0x3d, 1, 2, 3, 4,
      0x2a, 0x02, 0xc3, 0xa9,
      0x32, 0x02, 0x08, 0x07,
    ]);
    const r = new WireReader(bytes);
    const seen: unknown[] = [];
    while (r.next()) {
      if (r.field === 1) seen.push(r.uint());
      else if (r.field === 2) seen.push(r.int());
      else if (r.field === 3) seen.push(r.double());
      else if (r.field === 4) seen.push(r.float());
      else if (r.field === 5) seen.push(r.string());
      else if (r.field === 6) { const m = r.message(); m.next(); seen.push(m.uint()); }
    }
    assert.deepEqual(seen, [2 ** 40 + 3, -5, 1.5, NaN, 'é', 7]);
  });

  it('throws a WireError (never reads past the end) for a truncated message', () => {
    const r = new WireReader(Uint8Array.from([0x0a, 0x05, 0x61]));
    assert.ok(r.next());
    assert.throws(() => r.string(), WireError);
    const v = new WireReader(Uint8Array.from([0x08, 0x80]));
    assert.throws(() => v.next() && v.uint(), WireError);
  });
});
