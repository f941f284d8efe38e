import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { yieldToLoop } from '../eventLoop';
import { fileSize, readJournalChunk, readWriterHeader } from './journalReader';
import { JOURNAL_FORMAT, type JournalRecord } from './journalRecord';
import { isProcessAlive } from './processInfo';
import type { StoreImage } from './storeImage';
import type { JournalOffsets, StoreJournals } from './storeJournals';
import type { StoreLock } from './storeLock';
import type { StoreLogger } from './storeLogger';

/** A journal of a writer that is gone is deleted only after it is folded and the fold is saved. */
const writerSilentMs = 10 * 60_000;
/**
 * A fold transaction ends after ~1000 points or this long, then the event loop gets a turn: short
 * enough that timers and UI stay responsive (p99 loop delay well under 50 ms at 100k points/s).
 */
const txnBudgetMs = 10;
/**
 * A fold commits after about this many points or this long (the batching measured in the issue).
 * Bigger commits cost ~5% less CPU per point overall but made the event loop's p99 delay at
 * 100k points/s into a 100 MB database about 3x worse (measured 40 ms vs 110-140 ms).
 */
const commitEveryPoints = 1000;
const commitEveryMs = 100;

/** How much of a journal a fold reads and holds at a time, and how many points it keeps unsaved. */
export interface FoldLimits {
  /** Bytes of journal read per chunk (a single longer line is read whole). */
  readonly foldChunkBytes: number;
  /**
   * Pending metric points (folded, not yet in a points file) at which a fold holding the lock saves
   * on the way: memory stays bounded (~24 bytes a point) whatever the backlog.
   */
  readonly foldPendingPoints: number;
}

const defaultLimits: FoldLimits = { foldChunkBytes: 1 << 20, foldPendingPoints: 4_000_000 };
/** The image's headroom is sized for at most this much of a backlog up front (the rest as it grows). */
const maxRoomUpFront = 256 << 20;

/**
 * Folds journals into the in-memory image: each from its saved offset, in transactions of ~1000
 * points with turns of the event loop between chunks; closes the journals of writers that are gone.
 * See docs/storage.md, "Folding and offsets".
 */
export class StoreFold {
  private readonly headers = new Map<string, { pid: number; host: string; format: number } | null>();
  private readonly badLinesReported = new Set<string>();
  private lastYield = 0;

  constructor(
    private readonly image: StoreImage,
    private readonly journals: StoreJournals,
    private readonly lock: StoreLock | undefined,
    private readonly logger: StoreLogger,
    private readonly problem: (kind: string, message: string) => void,
    limits: Partial<FoldLimits> = {},
  ) {
    this.limits = { ...defaultLimits, ...limits };
  }

  private readonly limits: FoldLimits;

  /** Offsets saved in the database, by journal id. */
  offsets(): JournalOffsets {
    const m: JournalOffsets = new Map();
    for (const [w, o, c] of this.image.rows('SELECT writer, offset, closed FROM journal_offsets', [])) {
      m.set(String(w), { offset: Number(o), closed: Number(c) === 1 });
    }
    return m;
  }

  /** Journal bytes not folded yet. */
  private backlogBytes(offsets: JournalOffsets): number {
    let total = 0;
    for (const f of this.journals.files()) {
      const o = offsets.get(f.slice(0, -'.jsonl'.length));
      if (!o?.closed) total += Math.max(0, fileSize(path.join(this.journals.journalDir, f)) - (o?.offset ?? 0));
    }
    return total;
  }

  /**
   * Folds every journal from its offset, chunk by chunk; returns the ids of runs that changed.
   * `saveMidway` (the lock is held): called between chunks whenever the pending points reach
   * {@link FoldLimits.foldPendingPoints}, so a backlog of any size is folded in bounded memory.
   */
  async foldAll(saveMidway?: () => Promise<boolean>): Promise<Set<string>> {
    const image = this.image;
    const offsets = this.offsets();
    const changed = new Set<string>();
    let saveAt = this.limits.foldPendingPoints;
    // A small backlog fits the headroom kept anyway (keepHeadroom): only a big one is sized up front.
    // Metric points (most of a journal's bytes) go to points files, not into the image: a sixteenth of
    // the backlog is room enough for the rest (params, code snapshots, summaries).
    const backlog = Math.min(maxRoomUpFront, this.backlogBytes(offsets) >> 4);
    if (backlog >= 4 << 20) image.makeRoom(backlog);
    for (const f of this.journals.files()) {
      const writer = f.slice(0, -'.jsonl'.length);
      const file = path.join(this.journals.journalDir, f);
      const row = offsets.get(writer);
      if (row?.closed) continue;
      if (this.newerFormat(writer, file)) continue;
      let offset = row?.offset ?? 0;
      let size: number;
      try { size = fs.statSync(file).size; } catch { continue; }
      let tail = 0;
      const own = this.journals.own;
      if (own && this.journals.isOwn(writer)) {
        for (const b of own.takeUnfolded(offset) ?? []) {
          await this.applyItems(b.items, writer, b.end);
          this.folded(file, offset, b.end);
          offset = b.end;
        }
        size = Math.max(size, offset);
      }
      while (offset < size) {
        let chunk;
        try { chunk = readJournalChunk(file, offset, this.limits.foldChunkBytes); } catch { break; }
        tail = chunk.tail;
        if (chunk.end === offset) break;
        await this.applyItems(chunk.lines, writer, chunk.end);
        this.folded(file, offset, chunk.end);
        offset = chunk.end;
        if (image.points.pendingPoints() >= saveAt) {
          if (saveMidway) {
            // Whole chunks only: the offsets saved cover exactly the lines applied. A save that fails
            // (disk full, lock lost) is tried again only once twice as much is pending.
            image.commitFold();
            saveAt = (await saveMidway()) ? this.limits.foldPendingPoints : 2 * image.points.pendingPoints();
          } else {
            // Cannot save (a reader, or the lock is another's): stop keeping these runs' points in
            // memory; a read of one of their series takes them from the journals again.
            const rids = image.points.spill();
            this.logger.info(`folding a large journal backlog without saving: the metric points of ${rids.length} run(s) are read from the journals when asked`);
          }
        }
        if (chunk.atEof) break;
      }
      for (const id of image.applier.takeChanged()) changed.add(id);
      for (const id of changed) image.summaryCache.delete(id);
      const closedBy = image.applier.closedWriters.get(writer);
      // A writer found gone is closed only if its journal did not grow since it was measured: it may
      // have written its last lines (a run's end, its last points) between that and its exit, and
      // those must be folded before the journal is marked done.
      const closed = image.applier.closedWriters.has(writer) ||
        (offset + tail >= size && this.isWriterGone(writer, file) && offset + tail >= fileSize(file));
      if (closed) {
        image.inTransaction(() => {
          if (closedBy) image.db.run("UPDATE runs SET writer = ? WHERE writer = ? AND status = 'running'", [closedBy, writer]);
          else image.applier.interruptRunsOf(writer);
          image.db.run('INSERT OR REPLACE INTO journal_offsets (writer, offset, closed) VALUES (?, ?, 1)', [writer, offset + tail]);
        });
        if (tail > 0) this.logger.warn(`journal ${f}: skipped an incomplete last line (${tail} bytes) of a writer that is gone`);
        image.applier.closedWriters.delete(writer);
        for (const id of image.applier.takeChanged()) { changed.add(id); image.summaryCache.delete(id); }
        image.markDirty(this.journals.isOwn(writer));
      }
    }
    image.settleSummaries();
    for (const id of image.applier.takeChanged()) changed.add(id);
    image.commitFold();
    return changed;
  }

  /** Notes a stretch of `file` folded into the image (where spilled points are read again from). */
  private folded(file: string, from: number, to: number): void {
    const r = this.image.foldedRanges.get(file);
    if (r && r.to === from) r.to = to;
    else if (!r) this.image.foldedRanges.set(file, { from, to });
    else { r.from = Math.min(r.from, from); r.to = Math.max(r.to, to); }
  }

  /**
   * Between chunks of a fold: commit when the transaction is big or old enough, and give the event
   * loop a turn every {@link txnBudgetMs}. A transaction may stay open across such a turn (reads in
   * this process see its rows; nothing else can write meanwhile).
   */
  private async pause(): Promise<void> {
    const image = this.image;
    if (image.txnOpen && (image.txnWork >= commitEveryPoints || performance.now() - image.txnStarted >= commitEveryMs)) {
      image.commitFold();
      image.keepHeadroom();
    }
    if (performance.now() - this.lastYield >= txnBudgetMs) {
      this.lock?.refresh();
      await yieldToLoop();
      this.lastYield = performance.now();
    }
  }

  /** Applies lines in chunks of ~1000 points or ~10 ms, see {@link pause}. */
  private async applyItems(lines: readonly (string | JournalRecord)[], writer: string, endOffset: number): Promise<void> {
    const image = this.image;
    let i = 0;
    let bad = 0;
    while (i < lines.length) {
      image.beginFold();
      let work = 0;
      try {
        const t0 = performance.now();
        while (i < lines.length && work < 1000 && performance.now() - t0 < txnBudgetMs) {
          const line = lines[i++];
          if (!line) continue;
          let rec: JournalRecord;
          if (typeof line !== 'string') rec = line;
          else try { rec = JSON.parse(line) as JournalRecord; } catch { bad++; continue; }
          if (!rec || typeof rec !== 'object') { bad++; continue; }
          try {
            work += image.applier.apply(rec, writer);
          } catch (e) {
            // Out of memory or a full in-memory file is not the record's fault: stop this fold (rolled
            // back, the journal keeps the line) rather than skip the record and advance past it.
            if (isResourceError(e)) throw e;
            this.problem(`apply:${(e as Error).message}`, `journal ${writer}: could not apply a ${String(rec.t)} record: ${(e as Error).message}`);
          }
        }
        image.applier.finishBatch();
        if (i >= lines.length) {
          image.db.run('INSERT INTO journal_offsets (writer, offset) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET offset = excluded.offset', [writer, endOffset]);
        }
      } catch (e) {
        image.rollback();
        throw e;
      }
      image.txnWork += work;
      image.markDirty(work > 0 && this.journals.isOwn(writer));
      await this.pause();
    }
    if (bad && !this.badLinesReported.has(writer)) {
      this.badLinesReported.add(writer);
      this.logger.warn(`journal ${writer}: skipped ${bad} unreadable line(s)`);
    }
  }

  /**
   * Whether `file` is a journal of a newer format than this code reads (its header says): it is left
   * as it is, for the exptrack that wrote it, rather than folded with points this code would drop.
   */
  private newerFormat(writer: string, file: string): boolean {
    if (this.journals.isOwn(writer)) return false;
    const h = this.header(writer, file);
    if (!h || h.format <= JOURNAL_FORMAT) return false;
    this.problem(`format:${writer}`, `journal ${writer}.jsonl has format ${h.format}, newer than this exptrack reads (${JOURNAL_FORMAT}): left as it is; update exptrack to fold it`);
    return true;
  }

  private header(writer: string, file: string): { pid: number; host: string; format: number } | null {
    let h = this.headers.get(writer);
    if (h === undefined) {
      h = readWriterHeader(file);
      if (h) this.headers.set(writer, h);
    }
    return h ?? null;
  }

  /** A writer is gone when its process is dead on this host, or (another host) silent for long. */
  isWriterGone(writer: string, file: string): boolean {
    if (this.journals.isOwn(writer)) return false;
    const h = this.header(writer, file);
    const alive = h ? isProcessAlive(h.pid, h.host) : undefined;
    if (alive !== undefined) return !alive;
    try { return Date.now() - fs.statSync(file).mtimeMs > writerSilentMs; } catch { return true; }
  }
}

/** Errors of the machine, not of a record: wasm or V8 out of memory, SQLite out of memory or space. */
export function isResourceError(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e);
  return /out of memory|database or disk is full|cannot enlarge memory|allocation failed|\bOOM\b/i.test(m);
}
