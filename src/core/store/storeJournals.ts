import fs from 'node:fs';
import path from 'node:path';
import { JOURNAL_FORMAT, type JournalRecord } from './journalRecord';
import { JournalWriter } from './journalWriter';
import { thisHost } from './processInfo';
import type { StoreLogger } from './storeLogger';

const allWriters = new Set<JournalWriter>();
/** Journal files open for appending in this process. */
const openJournals = new Set<string>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // Whatever is still buffered reaches the journal even on process.exit().
  process.on('exit', () => { for (const w of allWriters) w.flushSync(); });
}

/** Offsets of every journal folded into the database, by journal id (file name without `.jsonl`). */
export type JournalOffsets = Map<string, { offset: number; closed: boolean }>;

/**
 * The journal folder's files over their life: this writer's own journal (created under a unique
 * name, rotated to `<writer>~0001.jsonl` past a size once folded, closed), the list of journals to
 * fold, and retiring files a save made unnecessary (journals of gone writers, crashed temp files).
 */
export class StoreJournals {
  /** This writer's journal; undefined when read-only, closed, or it could not be created. */
  own: JournalWriter | undefined;
  private gen = 0;
  private suffix = '';

  constructor(
    readonly dir: string,
    readonly journalDir: string,
    private readonly writerId: string,
    private readonly longLived: boolean,
    private readonly rotateBytes: number,
    private readonly logger: StoreLogger,
  ) {}

  /** The journal id this writer appends to now. */
  ownId(): string {
    const w = this.writerId + this.suffix;
    return this.gen === 0 ? w : `${w}~${String(this.gen).padStart(4, '0')}`;
  }

  /** Whether `writer` is the journal this process appends to. */
  isOwn(writer: string): boolean {
    return !!this.own && writer === this.ownId();
  }

  /** Creates this writer's journal (a fresh name if the file exists) and writes its header. */
  open(onWritten: () => void): void {
    let id = this.ownId();
    let file = path.join(this.journalDir, `${id}.jsonl`);
    // A journal is only ever appended to by the writer that created it: an existing file with this
    // name (a writer id given twice, a dead writer's leftover) gets a fresh name instead.
    for (let n = 2; fs.existsSync(file) || openJournals.has(file); n++) {
      this.suffix = `-${n}`;
      id = this.ownId();
      file = path.join(this.journalDir, `${id}.jsonl`);
    }
    openJournals.add(file);
    this.own = new JournalWriter(file, this.logger, onWritten);
    allWriters.add(this.own);
    hookExit();
    this.own.append(JSON.stringify({ t: 'w', writer: id, pid: process.pid, host: thisHost, time: Date.now(), v: JOURNAL_FORMAT, ...(this.longLived ? { folds: true } : {}) } satisfies JournalRecord));
    this.own.flushSync();
  }

  /** Journal files in fold order (`X.jsonl` before `X~0001.jsonl`). */
  files(): string[] {
    try {
      return fs.readdirSync(this.journalDir).filter((f) => f.endsWith('.jsonl')).sort();
    } catch {
      return [];
    }
  }

  /**
   * After a save (lock held, nothing unsaved): deletes journals of gone writers that the saved file
   * fully covers, forgets offsets of files that are gone (`forget`), and rotates this writer's own
   * journal when it is big and fully folded: it continues in a new file, and the old one is deleted
   * once its close record is folded.
   */
  retire(offsets: JournalOffsets, forget: (writer: string) => void, onWritten: () => void): void {
    const present = new Set(this.files().map((f) => f.slice(0, -'.jsonl'.length)));
    for (const [writer, o] of offsets) {
      if (o.closed && present.has(writer)) {
        try { fs.unlinkSync(path.join(this.journalDir, `${writer}.jsonl`)); } catch { /* next time */ }
      } else if (!present.has(writer)) {
        forget(writer);
      }
    }
    const own = this.own;
    const ownOffset = own ? offsets.get(this.ownId()) : undefined;
    if (own && ownOffset && own.pending === 0 && own.written >= this.rotateBytes && ownOffset.offset >= own.written) {
      this.gen++;
      this.open(onWritten);
      own.append(JSON.stringify({ t: 'x', time: Date.now(), next: this.ownId() }));
      own.close();
      allWriters.delete(own);
      openJournals.delete(own.file);
    }
  }

  /**
   * Temp files that a crash interrupted: of a save (a live writer's save takes well under a minute)
   * and of taking or breaking the lock (lock.new-*, lock.stale-*: milliseconds).
   */
  removeLeftoverTempFiles(): void {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return; }
    for (const f of names) {
      if (!f.startsWith('.exptrack.db.tmp-') && !f.startsWith('lock.new-') && !f.startsWith('lock.stale-')) continue;
      const file = path.join(this.dir, f);
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > 60_000) fs.unlinkSync(file);
      } catch { /* gone already */ }
    }
  }

  /** Appends a clean close record (nothing more follows in this file). */
  appendClose(): void {
    if (!this.own) return;
    this.own.append(JSON.stringify({ t: 'x', time: Date.now() } satisfies JournalRecord));
    this.own.flushSync();
  }

  /** Whether our own journal file is still there (not yet folded, saved and deleted). */
  ownPending(): boolean {
    return !!this.own && fs.existsSync(this.own.file);
  }

  close(): void {
    if (!this.own) return;
    this.own.close();
    allWriters.delete(this.own);
    openJournals.delete(this.own.file);
    this.own = undefined;
  }
}
