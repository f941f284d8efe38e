// TFRecord framing, as TensorBoard event files use it: per record a uint64 length, the masked CRC-32C
// of those 8 bytes, the data, and the masked CRC-32C of the data (all little-endian). A record whose
// CRC does not match, or that the file ends inside, ends the reading of that file there: what came
// before is kept and the problem reported.
import { ChunkedFile } from './chunkedFile';
import { crc32c, maskCrc } from './checksums';

/** Calls `onRecord` with each record's data (a view valid only during the call). Returns the problem that ended it early, if any. */
export function readTfRecords(file: string, onRecord: (data: Uint8Array, offset: number) => void): string | null {
  let f: ChunkedFile;
  try { f = ChunkedFile.open(file); } catch (e) { return `cannot open: ${(e as Error).message}`; }
  try {
    let pos = 0;
    let index = 0;
    while (pos < f.size) {
      const head = f.read(pos, 12);
      if (head.length < 12) return `truncated record ${index} at byte ${pos} (${f.size - pos} of 12 header bytes)`;
      const view = new DataView(head.buffer, head.byteOffset, 12);
      const len = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
      if (maskCrc(crc32c(head, 0, 8)) !== view.getUint32(8, true)) return `bad length checksum in record ${index} at byte ${pos}`;
      if (pos + 12 + len + 4 > f.size) return `truncated record ${index} at byte ${pos} (${len} data bytes announced, ${Math.max(0, f.size - pos - 16)} present)`;
      const body = f.read(pos + 12, len + 4);
      const dataCrc = new DataView(body.buffer, body.byteOffset + len, 4).getUint32(0, true);
      if (maskCrc(crc32c(body, 0, len)) !== dataCrc) return `bad data checksum in record ${index} at byte ${pos}`;
      onRecord(body.subarray(0, len), pos);
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
