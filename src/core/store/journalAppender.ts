// A writer that only appends to its own journal: no sql.js, no database image in memory, no folding.
// `exptrack run` records through it so that a run printing millions of metric lines never pays for
// folding them while the command runs; the journal is the record (docs/storage.md), and whoever opens
// the store next (a reader in memory, `exptrack _fold`, the editor) folds it.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordSink } from '../model';
import { createJournalSink } from './journalSink';
import type { JournalRecord } from './journalRecord';
import { JournalWriter } from './journalWriter';
import { thisHost } from './processInfo';
import { NewerSchemaError, schemaVersion } from './schema';
import type { StoreLogger } from './storeLogger';

/** Appends records to `<exptrackDir>/journal/<writer>.jsonl` in the store's journal format. */
export class JournalAppender {
  readonly sink: RecordSink;
  private closed = false;

  private constructor(private readonly writer: JournalWriter, readonly writerId: string, logger: StoreLogger) {
    this.sink = createJournalSink(
      (line, inMemory) => { if (!this.closed) this.writer.append(line, inMemory); },
      (m) => logger.warn(m),
    );
  }

  /**
   * Creates this writer's journal (header line written at once). Throws {@link NewerSchemaError}
   * when `exptrack.db` was written by a newer exptrack (its lines could not be folded here), and
   * when the journal cannot be created.
   */
  static open(exptrackDir: string, logger: StoreLogger): JournalAppender {
    const dir = path.resolve(exptrackDir);
    checkSchema(path.join(dir, 'exptrack.db'));
    const journalDir = path.join(dir, 'journal');
    fs.mkdirSync(journalDir, { recursive: true });
    const base = `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
    let id = base;
    for (let n = 2; fs.existsSync(path.join(journalDir, `${id}.jsonl`)); n++) id = `${base}-${n}`;
    const writer = new JournalWriter(path.join(journalDir, `${id}.jsonl`), logger, () => undefined, false);
    writer.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now() } satisfies JournalRecord));
    writer.flushSync();
    return new JournalAppender(writer, id, logger);
  }

  /** The journal file. */
  get file(): string {
    return this.writer.file;
  }

  /** Writes what is buffered now (synchronously). */
  flush(): void {
    this.writer.flushSync();
  }

  /** Ends the journal with a clean-close record, so a folder hands its runs over without waiting. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.append(JSON.stringify({ t: 'x', time: Date.now() } satisfies JournalRecord));
    this.writer.close();
  }
}

/** Reads `PRAGMA user_version` from the database header (bytes 60-63) without loading sql.js. */
function checkSchema(dbFile: string): void {
  let fd: number;
  try { fd = fs.openSync(dbFile, 'r'); } catch { return; }
  try {
    const header = Buffer.alloc(64);
    if (fs.readSync(fd, header, 0, 64, 0) < 64 || header.toString('latin1', 0, 15) !== 'SQLite format 3') return;
    const found = header.readUInt32BE(60);
    if (found > schemaVersion) throw new NewerSchemaError(found, dbFile);
  } finally {
    fs.closeSync(fd);
  }
}
