// The LevelDB log framing W&B writes its `run-<id>.wandb` files in: 32 KiB blocks; each record a
// 7-byte header (checksum uint32, length uint16, type: 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST) and its
// data; a block's last <7 bytes are zero padding. W&B puts a 7-byte header (`:W&B`, 0xBEE1, version)
// at the start of the file and checksums type byte + data with zlib's CRC-32, unmasked; LevelDB's
// own masked CRC-32C is accepted too. A damaged record is reported and reading resumes at the next
// block, as LevelDB does: a bad record costs at most its block.
import { ChunkedFile } from './chunkedFile';
import { crc32, crc32c, maskCrc } from './checksums';

const BLOCK = 32768;
const HEADER = 7;
const FULL = 1, FIRST = 2, MIDDLE = 3, LAST = 4;

/** W&B's file header. */
export const WANDB_MAGIC = ':W&B';

/**
 * Calls `onRecord` with each whole record (fragments joined). `skipHeader` bytes at the file's start
 * belong to a file header. Returns the problems met (each one cost what it says).
 */
export function readLevelDbLog(file: string, skipHeader: number, onRecord: (data: Uint8Array) => void): string[] {
  const problems: string[] = [];
  let f: ChunkedFile;
  try { f = ChunkedFile.open(file); } catch (e) { return [`cannot open: ${(e as Error).message}`]; }
  try {
    let pos = skipHeader;
    let parts: Uint8Array[] | null = null;
    while (pos < f.size) {
      const blockLeft = BLOCK - (pos % BLOCK);
      if (blockLeft < HEADER) { pos += blockLeft; continue; }
      const head = f.read(pos, HEADER);
      if (head.length < HEADER) { problems.push(`truncated record header at byte ${pos}`); break; }
      const view = new DataView(head.buffer, head.byteOffset, HEADER);
      const checksum = view.getUint32(0, true);
      const len = view.getUint16(4, true);
      const type = head[6];
      if (type === 0 && len === 0 && checksum === 0) { pos += blockLeft; continue; } // zero padding (preallocated space)
      if (HEADER + len > blockLeft || type < FULL || type > LAST) {
        problems.push(`bad record header at byte ${pos}; skipped to the next block`);
        parts = null;
        pos += blockLeft;
        continue;
      }
      if (pos + HEADER + len > f.size) { problems.push(`truncated record at byte ${pos} (${len} bytes announced, ${f.size - pos - HEADER} present)`); break; }
      const rec = f.read(pos, HEADER + len);
      const ieee = crc32(rec, HEADER, HEADER + len, crc32(rec, 6, 7));
      if (ieee !== checksum && maskCrc(crc32c(rec, HEADER, HEADER + len, crc32c(rec, 6, 7))) !== checksum) {
        problems.push(`bad checksum in the record at byte ${pos}; skipped to the next block`);
        parts = null;
        pos += blockLeft;
        continue;
      }
      const data = rec.subarray(HEADER, HEADER + len);
      pos += HEADER + len;
      if (type === FULL) {
        if (parts) problems.push(`a record without its last part before byte ${pos - HEADER - len}; dropped`);
        parts = null;
        onRecord(data);
      } else if (type === FIRST) {
        if (parts) problems.push(`a record without its last part before byte ${pos - HEADER - len}; dropped`);
        parts = [data.slice()];
      } else if (!parts) {
        problems.push(`a record part without its first part at byte ${pos - HEADER - len}; dropped`);
      } else if (type === MIDDLE) {
        parts.push(data.slice());
      } else {
        parts.push(data);
        const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) { whole.set(p, o); o += p.length; }
        parts = null;
        onRecord(whole);
      }
    }
    if (parts) problems.push('the file ends inside a record (a run still being written, or killed): its first parts were dropped');
    return problems;
  } catch (e) {
    problems.push(`read error: ${(e as Error).message}`);
    return problems;
  } finally {
    f.close();
  }
}
