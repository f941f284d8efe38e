// The thread that reads and parses journal chunks for a long-lived store (the editor's): what
// offThreadChunks.ts starts, bundled as dist/journalChunkThread.js. Requests are answered in order.
import { parentPort } from 'node:worker_threads';
import { parseJournalChunk, type ChunkRequest, type ChunkReply } from './offThreadChunks';

if (parentPort) {
  const port = parentPort;
  port.on('message', (m: ChunkRequest) => {
    let reply: ChunkReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const parsed = parseJournalChunk(m.file, m.offset, m.maxBytes);
      reply = { id: m.id, chunk: parsed.chunk };
      transfer = parsed.transfer;
    } catch (e) {
      reply = { id: m.id, error: (e as Error).message };
    }
    port.postMessage(reply, transfer);
  });
}
