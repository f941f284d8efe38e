// The checksums of the record framings imported files use: CRC-32C (Castagnoli) with its "mask" (a
// rotation plus a constant, so a CRC stored next to the data it covers does not checksum to itself) in
// TFRecord and LevelDB logs, and the zlib CRC-32 that W&B's LevelDB-style log uses instead. Node's
// zlib.crc32 is not used: it is missing from the Node of older VS Code releases (before 20.15).

const table = (() => {
  const t = new Uint32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  // Slicing-by-4 tables: four bytes per step (the 1M-point imports spend their time here otherwise).
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let s = 1; s < 4; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32C of `bytes[from, to)`, continuing from `crc` (0 to start). */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = table[768 + (c & 0xff)] ^ table[512 + ((c >>> 8) & 0xff)] ^ table[256 + ((c >>> 16) & 0xff)] ^ table[c >>> 24];
  }
  for (; i < to; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The masked form both framings store: rotate right by 15 bits and add 0xa282ead8. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

const table32 = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zlib's CRC-32 of `bytes[from, to)`, continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, from = 0, to = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = from; i < to; i++) c = table32[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
