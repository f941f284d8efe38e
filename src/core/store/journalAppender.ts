// A writer that only appends to its own journal: no sql.js, no database image in memory, no folding.
// `exptrack run` records through it so that a run printing millions of metric lines never pays for
// folding them while the command runs; the journal is the record (docs/storage.md), and whoever opens
// the store next (a reader in memory, `exptrack _fold`, the editor) folds it.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordSink } from '../model';
import { createJournalSink } from './journalSink';
import { JOURNAL_FORMAT, type JournalRecord } from './journalRecord';
import { JournalWriter } from './journalWriter';
import { thisHost } from './processInfo';
import { NewerSchemaError, schemaVersion } from './schema';
import type { StoreLogger } from './storeLogger';

/** A journal is continued in a new file past this size (default), as the store's own are. */
const defaultRotateBytes = 256 * 1024 * 1024;

/**
 * Appends records to `<exptrackDir>/journal/<writer>.jsonl` in the store's journal format. Past
 * `rotateBytes` it goes on in `<writer>~0001.jsonl` (and so on): the full file ends with a close
 * record naming the next, so a folder hands this writer's running runs over to it, and deletes the
 * full file once it is folded and saved. A run recorded for days never keeps one ever-growing file.
 */
export class JournalAppender {
  readonly sink: RecordSink;
  private closed = false;
  private generation = 0;
  /** Size of the current file at which the next one is started. */
  private rotateAt: number;

  private constructor(private writer: JournalWriter, readonly writerId: string, private readonly logger: StoreLogger, private readonly rotateBytes: number) {
    this.sink = createJournalSink(
      (line, inMemory) => {
        if (this.closed) return;
        this.writer.append(line, inMemory);
        if (this.writer.written + this.writer.pending >= this.rotateAt) this.rotate();
      },
      (m) => logger.warn(m),
    );
    this.rotateAt = rotateBytes;
  }

  /**
   * Creates this writer's journal (header line written at once). Throws {@link NewerSchemaError}
   * when `exptrack.db` was written by a newer exptrack (its lines could not be folded here), and
   * when the journal cannot be created.
   */
  static open(exptrackDir: string, logger: StoreLogger, options: { rotateBytes?: number } = {}): JournalAppender {
    const dir = path.resolve(exptrackDir);
    checkSchema(path.join(dir, 'exptrack.db'));
    const journalDir = path.join(dir, 'journal');
    fs.mkdirSync(journalDir, { recursive: true });
    const base = `${thisHost}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
    let id = base;
    for (let n = 2; fs.existsSync(path.join(journalDir, `${id}.jsonl`)); n++) id = `${base}-${n}`;
    return new JournalAppender(startJournal(journalDir, id, logger), id, logger, options.rotateBytes ?? defaultRotateBytes);
  }

  /** Goes on in the next file: it is created (header written) before the full one is closed. */
  private rotate(): void {
    const full = this.writer;
    const next = `${this.writerId}~${String(++this.generation).padStart(4, '0')}`;
    try {
      this.writer = startJournal(path.dirname(full.file), next, this.logger);
    } catch (e) {
      // Not fatal: the full file takes the next records too; tried again once it grew as much again.
      this.logger.warn(`cannot start journal ${next}: ${(e as Error).message}`);
      this.generation--;
      this.rotateAt = full.written + full.pending + this.rotateBytes;
      return;
    }
    this.rotateAt = this.rotateBytes;
    full.append(JSON.stringify({ t: 'x', time: Date.now(), next } satisfies JournalRecord));
    full.close();
  }

  /** The journal file (the current one). */
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

/** Creates a writer's journal file and writes its header at once. */
function startJournal(journalDir: string, id: string, logger: StoreLogger): JournalWriter {
  const writer = new JournalWriter(path.join(journalDir, `${id}.jsonl`), logger, () => undefined, false);
  writer.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now(), v: JOURNAL_FORMAT } satisfies JournalRecord));
  writer.flushSync();
  return writer;
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
