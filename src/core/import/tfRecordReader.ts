// TFRecord framing, as TensorBoard event files use it: per record a uint64 length, the masked CRC-32C
// of those 8 bytes, the data, and the masked CRC-32C of the data (all little-endian). A record whose
// CRC does not match, or that the file ends inside, ends the reading of that file there: what came
// before is kept and the problem reported.
import { ChunkedFile } from './chunkedFile';
import { crc32c, maskCrc } from './checksums';

/**
 * Calls `onRecord` with each record's data: bytes[from, to) of a buffer valid only during the call.
 * Returns the problem that ended the reading early, if any.
 */
export function readTfRecords(file: string, onRecord: (bytes: Uint8Array, from: number, to: number) => void): string | null {
  let f: ChunkedFile;
  try { f = ChunkedFile.open(file); } catch (e) { return `cannot open: ${(e as Error).message}`; }
  const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  try {
    let pos = 0;
    let index = 0;
    while (pos < f.size) {
      if (f.size - pos < 12) return `truncated record ${index} at byte ${pos} (${f.size - pos} of 12 header bytes)`;
      let at = f.load(pos, 12);
      let b = f.buffer;
      const len = u32(b, at) + u32(b, at + 4) * 2 ** 32;
      if (maskCrc(crc32c(b, at, at + 8)) !== u32(b, at + 8)) return `bad length checksum in record ${index} at byte ${pos}`;
      if (pos + 12 + len + 4 > f.size) return `truncated record ${index} at byte ${pos} (${len} data bytes announced, ${Math.max(0, f.size - pos - 16)} present)`;
      at = f.load(pos + 12, len + 4);
      b = f.buffer;
      if (maskCrc(crc32c(b, at, at + len)) !== u32(b, at + len)) return `bad data checksum in record ${index} at byte ${pos}`;
      onRecord(b, at, at + len);
      pos += 12 + len + 4;
      index++;
    }
    return null;
  } catch (e) {
    return `read error: ${(e as Error).message}`;
  } finally {
    f.close();
  }
}
