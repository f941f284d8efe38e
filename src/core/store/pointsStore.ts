import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'sql.js';
import { yieldToLoop } from '../eventLoop';
import { writeFileAtomicAsync } from './atomicWrite';
import { encodePointsFileParts, type KeyPoints, PointsFileError, PointsFileIndex } from './pointsFile';

/**
 * Chunks of columns whose points were saved, taken again by new ones: a fresh chunk faults its pages in
 * (1.4 ms per 128 KB measured in the editor while a run recorded: a quarter of the fold's time).
 */
const chunkPool: Float64Array[] = [];
const maxPooledChunks = 256;

/** Doubles per chunk of a {@link Column}: 128 KB. */
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;

/**
 * A growable column of doubles, in fixed-size chunks: growing never copies what it holds (a live
 * run's ten series doubling their arrays in the same batch copied ~60 MB at once: a 50 ms stall).
 */
class Column {
  private readonly chunks: Float64Array[] = [];
  /** The chunk being filled and the next index in it (CHUNK: full, the next push starts a chunk). */
  private cur: Float64Array = new Float64Array(0);
  private at = CHUNK;
  n = 0;
  push(v: number): void {
    if (this.at === CHUNK) this.nextChunk();
    this.cur[this.at++] = v;
    this.n++;
  }
  private nextChunk(): void {
    const c = this.n >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(chunkPool.pop() ?? new Float64Array(CHUNK));
    this.cur = this.chunks[c];
    this.at = 0;
  }
  /** Gives the chunks back for other columns (the column is not used again). */
  release(): void {
    for (const c of this.chunks.splice(0)) if (chunkPool.length < maxPooledChunks) chunkPool.push(c);
    this.n = 0;
    this.at = CHUNK;
  }
  truncate(n: number): void {
    this.n = n;
    this.chunks.length = Math.min(this.chunks.length, (n + CHUNK - 1) >>> CHUNK_BITS);
    const c = n >>> CHUNK_BITS;
    if (c < this.chunks.length) { this.cur = this.chunks[c]; this.at = n & (CHUNK - 1); } else { this.at = CHUNK; }
  }
  /** The values as one array of their own. */
  copy(): Float64Array {
    const out = new Float64Array(this.n);
    for (let c = 0, at = 0; at < this.n; c++, at += CHUNK) out.set(this.chunks[c].subarray(0, Math.min(CHUNK, this.n - at)), at);
    return out;
  }

  /**
   * The same, with a turn of the event loop every 4 MB: filling a fresh array faults its pages in
   * (~3 ms per MB measured here), so a save copying a million pending points stalled ~100 ms at once.
   */
  async copyInTurns(): Promise<Float64Array> {
    const n = this.n;
    const out = new Float64Array(n);
    for (let c = 0, at = 0; at < n; c++, at += CHUNK) {
      out.set(this.chunks[c].subarray(0, Math.min(CHUNK, n - at)), at);
      if ((c & 31) === 31) await yieldToLoop();
    }
    return out;
  }
}

/** Points of one series folded into memory and not yet in a points file. */
export class PendingSeries {
  readonly steps = new Column();
  readonly values = new Column();
  readonly times = new Column();
  push(step: number, value: number, time: number): void { this.steps.push(step); this.values.push(value); this.times.push(time); }
  release(): void { this.steps.release(); this.values.release(); this.times.release(); }
  get length(): number { return this.steps.n; }
  truncate(n: number): void { this.steps.truncate(n); this.values.truncate(n); this.times.truncate(n); }
}

interface PendingRun { readonly runId: string; readonly series: Map<string, PendingSeries> }

/** A points file as the catalog lists it. */
export interface ListedFile { readonly seq: number; readonly file: string; readonly rows: number }

/** Files written for a save, listed in the catalog once they are all on disk. */
export interface WrittenFiles { readonly files: { rid: number; runId: string; seq: number; file: string; rows: number; replaces: ListedFile[] }[] }

/** A live run is compacted when it has this many files: its newest ones are merged into one. */
const compactAtFiles = 16;
/** Points a compaction merges into one file at most: ~100 MB of columns in memory while it does. */
const defaultMaxFileRows = 4_000_000;
/** Unlisted points files (crash leftovers, files replaced by a compaction) are deleted after this long. */
const unlistedGraceMs = 60_000;
/** Run folders the first sweeps after opening look into per save. */
const sweepFoldersPerSave = 256;
/** Footers kept in memory (files never change once written). */
const indexCacheSize = 512;

/**
 * Where metric points live: per-run Parquet files under `.exptrack/runs/<id>/` (see pointsFile.ts),
 * listed in the catalog table `point_files`, plus the points folded into memory since the last save
 * (pending). A save (lock held) writes each run's pending points to one new file (written to a temp
 * name, fsynced and renamed: a crash leaves a temp file or a complete file, never a torn one) and
 * lists it in the same catalog save; a file not listed by the saved catalog is not part of the store,
 * and is deleted by a later save. So whatever `exptrack.db` is on disk, its journal offsets and its
 * listed files say together exactly which points it holds.
 *
 * Pending points follow the fold's transactions: {@link begin}, {@link commit}, {@link rollback}.
 */
export class PointsStore {
  private readonly pending = new Map<number, PendingRun>();
  /** Lengths of pending series when the open transaction first touched them (rollback truncates). */
  private marks: Map<PendingSeries, number> | undefined;
  private created: { rid: number; key: string }[] = [];
  private readonly indexes = new Map<string, PointsFileIndex>();
  /** Runs whose folder may hold unlisted files (written, replaced, deleted) since the last sweep. */
  private readonly toSweep = new Set<string>();
  /** Files replaced by a compaction, hidden once the catalog that replaces them is saved. */
  private readonly toHide: string[] = [];
  private sweptAll = false;
  /** Run folders not looked at since opening (see {@link sweep}). */
  private unswept: string[] = [];
  /** Files listed in memory since the last save: each must still exist when the catalog is saved. */
  private unsaved: string[] = [];

  constructor(
    /** The `.exptrack` folder; files are listed relative to it. */
    private readonly dir: string,
    private readonly problem: (kind: string, message: string) => void,
    private readonly tmpSuffix: string,
    /** A compaction merges files only up to this many points together (bounded memory whatever a run's size). */
    private readonly maxFileRows = defaultMaxFileRows,
  ) {}

  // ---------------------------------------------------------------- pending points (the fold)

  /**
   * Runs whose pending points a store that cannot save (a reader) stopped keeping in memory past its
   * bound: their adds are ignored, and reads take those points from the journals again (storeFold.ts).
   */
  readonly spilled = new Set<number>();

  /**
   * The pending series points of (rid, key) are pushed to, marked for the open transaction (a fold
   * takes it once per record and key, not per point); undefined for a spilled run.
   */
  seriesFor(rid: number, runId: string, key: string): PendingSeries | undefined {
    if (this.spilled.size && this.spilled.has(rid)) return undefined;
    let run = this.pending.get(rid);
    if (!run) { run = { runId, series: new Map() }; this.pending.set(rid, run); }
    let s = run.series.get(key);
    if (!s) {
      s = new PendingSeries();
      run.series.set(key, s);
      if (this.marks) this.created.push({ rid, key });
    } else if (this.marks && !this.marks.has(s)) {
      this.marks.set(s, s.length);
    }
    return s;
  }

  begin(): void {
    if (!this.marks) { this.marks = new Map(); this.created = []; }
  }

  commit(): void {
    this.marks = undefined;
    this.created = [];
  }

  /** Drops what was added since {@link begin}: the journal lines are folded again. */
  rollback(): void {
    if (!this.marks) return;
    for (const [s, n] of this.marks) s.truncate(n);
    for (const { rid, key } of this.created) this.pending.get(rid)?.series.delete(key);
    this.commit();
  }

  /** A deleted run: its pending points go, its files are deleted by the next sweep. */
  dropRun(rid: number, runId: string): void {
    this.pending.delete(rid);
    this.toSweep.add(runId);
  }

  /** Stops keeping every run's pending points in memory (see {@link spilled}); returns those runs. */
  spill(): number[] {
    const rids = [...this.pending.keys()];
    for (const rid of rids) this.spilled.add(rid);
    this.pending.clear();
    return rids;
  }

  /** Everything pending, after a reload: the new image's offsets say what to fold again. */
  clear(): void {
    this.pending.clear();
    this.spilled.clear();
    this.unsaved = [];
    this.marks = undefined;
    this.created = [];
  }

  pendingPoints(): number {
    let n = 0;
    for (const r of this.pending.values()) for (const s of r.series.values()) n += s.length;
    return n;
  }

  // ---------------------------------------------------------------- saving (lock held)

  /**
   * Writes every run's pending points to a new file (and compacts runs with many files, or ended
   * runs with more than one). Throws on a write failure (disk full...): files already written are
   * then unlisted, deleted later, and everything stays pending. No transaction may be open.
   * Off the event loop where it costs: files are written and fsynced asynchronously, and the event
   * loop gets a turn between series while a compaction reads and merges. Nothing may fold meanwhile
   * (the store's cycles run one at a time): pending points are written from where they are.
   */
  async writeFiles(db: Database, endedRuns: (rids: number[]) => Set<number>): Promise<WrittenFiles> {
    const out: WrittenFiles['files'] = [];
    const rids = [...this.pending.keys()];
    const ended = rids.length ? endedRuns(rids) : new Set<number>();
    const todo = new Map<number, string>();
    for (const [rid, run] of this.pending) if ([...run.series.values()].some((s) => s.length > 0)) todo.set(rid, run.runId);
    // Runs that ended since they were last written (their end came after their last points).
    for (const [rid, id] of db.exec(`SELECT p.run, r.id FROM point_files p JOIN runs r ON r.rid = p.run
      WHERE r.status != 'running' GROUP BY p.run HAVING count(*) > 1`)[0]?.values ?? []) {
      if (!todo.has(Number(rid))) { todo.set(Number(rid), String(id)); ended.add(Number(rid)); }
    }
    for (const [rid, runId] of todo) {
      const pending = this.pending.get(rid)?.series ?? new Map<string, PendingSeries>();
      const listed = this.listed(db, rid);
      const seq = (listed.at(-1)?.seq ?? 0) + 1;
      let pendingRows = 0;
      for (const ps of pending.values()) pendingRows += ps.length;
      // An ended run ends as one file (or a few, past maxFileRows); a live one merges its newest files when it has many.
      let replaces = ended.has(rid) ? listed : liveCompaction(listed, pendingRows);
      // A merge holds what it merges in memory: only the newest files that fit maxFileRows together.
      let fit = replaces.length;
      for (let rows = pendingRows; fit > 0 && rows + replaces[fit - 1].rows <= this.maxFileRows; fit--) rows += replaces[fit - 1].rows;
      replaces = replaces.slice(fit);
      if (replaces.length <= 1 && !pendingRows) continue;
      let old: KeyPoints[] = [];
      try {
        for (const f of replaces) old.push(...await this.readWhole(f.file));
      } catch {
        // A damaged file is never compacted away: it stays listed (doctor names it), the rest is written.
        replaces = [];
        old = [];
      }
      if (replaces.length <= 1 && !pending.size) continue;
      const keys = new Set<string>([...pending.keys(), ...old.map((p) => p.key)]);
      const series: KeyPoints[] = [];
      for (const key of [...keys].sort()) {
        const parts = old.filter((p) => p.key === key);
        const s = pending.get(key);
        // Copies: the file is written asynchronously, from arrays nothing else touches.
        if (s && s.length) parts.push({ key, steps: await s.steps.copyInTurns(), values: await s.values.copyInTurns(), times: await s.times.copyInTurns() });
        const merged = mergePoints(key, parts);
        if (merged.steps.length) series.push(merged);
        await yieldToLoop();
      }
      if (!series.length) continue;
      const file = path.posix.join('runs', safeDirName(runId), `p${String(seq).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}.parquet`);
      await this.writeFile(file, encodePointsFileParts(runId, series));
      out.push({ rid, runId, seq, file, rows: series.reduce((a, s) => a + s.steps.length, 0), replaces });
    }
    return { files: out };
  }

  /**
   * The migration (pointsMigration.ts): writes `series`, points a store from before points files kept
   * in exptrack.db, to a new file listed by nothing yet ({@link listMigrated} lists it).
   */
  async writeMigrated(runId: string, series: readonly KeyPoints[]): Promise<{ file: string; rows: number }> {
    const file = path.posix.join('runs', safeDirName(runId), `p000000-${Math.random().toString(36).slice(2, 8)}.parquet`);
    await this.writeFile(file, encodePointsFileParts(runId, series));
    this.toSweep.add(runId);
    return { file, rows: series.reduce((a, s) => a + s.steps.length, 0) };
  }

  /**
   * Lists a run's migrated files (in step order) before every file it already has (those hold newer
   * points: folded since); call inside a transaction. A run deleted meanwhile is skipped (its files swept).
   */
  listMigrated(db: Database, rid: number, runId: string, files: readonly { file: string; rows: number }[]): void {
    if (!db.exec('SELECT 1 FROM runs WHERE rid = ?', [rid]).length) return;
    const first = Math.min(1, this.listed(db, rid)[0]?.seq ?? 1) - files.length;
    files.forEach((f, i) => {
      db.run('INSERT INTO point_files (run, seq, file, rows) VALUES (?, ?, ?, ?)', [rid, first + i, f.file, f.rows]);
      this.unsaved.push(f.file);
    });
    this.toSweep.add(runId);
  }

  /** Every series of a listed file, in file order, a turn of the event loop between series; throws when it cannot be read whole. */
  private async readWhole(rel: string): Promise<KeyPoints[]> {
    const ix = readIndex(path.join(this.dir, rel));
    const out: KeyPoints[] = [];
    for (const k of ix.keys()) { out.push(ix.read(k)); await yieldToLoop(); }
    return out;
  }

  /** Lists written files in the catalog; call inside the save's transaction. */
  list(db: Database, written: WrittenFiles): void {
    for (const w of written.files) {
      // Deleted during the write (an edit between its awaits): its file stays unlisted and is swept.
      if (!db.exec('SELECT 1 FROM runs WHERE rid = ?', [w.rid]).length) continue;
      for (const f of w.replaces) db.run('DELETE FROM point_files WHERE run = ? AND seq = ?', [w.rid, f.seq]);
      db.run('INSERT OR REPLACE INTO point_files (run, seq, file, rows) VALUES (?, ?, ?, ?)', [w.rid, w.seq, w.file, w.rows]);
      this.unsaved.push(w.file);
    }
  }

  /**
   * A file listed in memory but not saved yet that is gone: another writer swept it as unlisted
   * (this one lost the lock for a minute, or kept failing to save). Saving would list a missing
   * file: the caller reloads instead, and the journals (or a v2 store's rows) still hold its points.
   */
  missingUnsaved(): string | undefined {
    return this.unsaved.find((rel) => !fs.existsSync(path.join(this.dir, rel)));
  }

  /** After the save's transaction committed: the written points are no longer pending. */
  written(written: WrittenFiles): void {
    for (const w of written.files) {
      // Written from copies (writeFiles): the columns' chunks are free for the next points.
      for (const ps of this.pending.get(w.rid)?.series.values() ?? []) ps.release();
      this.pending.delete(w.rid);
      for (const f of w.replaces) { this.indexes.delete(f.file); this.toHide.push(f.file); }
      this.toSweep.add(w.runId);
    }
  }

  /**
   * After the catalog that no longer lists them is on disk: files a compaction replaced are hidden
   * (a glob of every run folder's .parquet files must not count their points twice) but stay readable for a minute
   * for readers holding the previous catalog, then the sweep deletes them.
   */
  saved(): void {
    this.unsaved = [];
    const now = new Date();
    for (const rel of this.toHide.splice(0)) {
      const hidden = replacedName(path.join(this.dir, rel));
      try { fs.renameSync(path.join(this.dir, rel), hidden); fs.utimesSync(hidden, now, now); } catch { /* gone already */ }
    }
  }

  /** Temp name, fsync, rename, fsync the folder (a crash leaves a temp file, never a torn file), off the event loop. */
  private async writeFile(rel: string, parts: readonly Uint8Array[]): Promise<void> {
    const file = path.join(this.dir, rel);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // The temp name `.<name>.tmp-<suffix>` is what the sweep knows as a crash leftover.
    await writeFileAtomicAsync(file, parts, this.tmpSuffix);
  }

  /**
   * After a save (lock held): deletes files the saved catalog does not list, once they are older
   * than a minute (crash leftovers, files a compaction replaced, files of deleted runs), and temp
   * files a crash left. The first time every run folder is looked at, then only runs touched since.
   */
  sweep(db: Database): void {
    const runsDir = path.join(this.dir, 'runs');
    if (!this.sweptAll) {
      try { this.unswept = fs.readdirSync(runsDir); } catch { this.unswept = []; }
      this.sweptAll = true;
    }
    // Every folder once after opening, a few hundred per save: a store of 10,000 runs looked into all
    // of them in one go on the editor's thread.
    const runs = [...new Set([...[...this.toSweep].map(safeDirName), ...this.unswept.splice(0, sweepFoldersPerSave)])];
    this.toSweep.clear();
    if (!runs.length) return;
    const listed = new Set<string>();
    for (const [f] of db.exec('SELECT file FROM point_files')[0]?.values ?? []) listed.add(String(f));
    const now = Date.now();
    for (const run of runs) {
      let names: string[];
      try { names = fs.readdirSync(path.join(runsDir, run)); } catch { continue; }
      for (const n of names) {
        const isPoints = /^p\d+-[a-z0-9]+\.parquet$/.test(n);
        const isTmp = /^\.p\d+-[a-z0-9]+\.parquet\.(tmp-|replaced$)/.test(n);
        if (!isPoints && !isTmp) continue;
        const rel = path.posix.join('runs', run, n);
        if (isPoints && listed.has(rel)) continue;
        // A hidden replaced file that the catalog still lists (its replacement was never saved) stays.
        if (n.endsWith('.replaced') && listed.has(path.posix.join('runs', run, n.slice(1, -'.replaced'.length)))) continue;
        const file = path.join(runsDir, run, n);
        try {
          if (now - fs.statSync(file).mtimeMs > unlistedGraceMs) { fs.unlinkSync(file); this.indexes.delete(rel); }
        } catch { /* gone already */ }
      }
    }
  }

  // ---------------------------------------------------------------- reading

  /** The files the catalog lists for a run, oldest first. */
  listed(db: Database, rid: number): ListedFile[] {
    const out: ListedFile[] = [];
    const s = db.prepare('SELECT seq, file, rows FROM point_files WHERE run = ? ORDER BY seq');
    try {
      s.bind([rid]);
      while (s.step()) { const r = s.get(); out.push({ seq: Number(r[0]), file: String(r[1]), rows: Number(r[2]) }); }
    } finally {
      s.free();
    }
    return out;
  }

  /** A listed file's footer, or undefined (reported once) when it is missing or unreadable. */
  index(rel: string): PointsFileIndex | undefined {
    let ix = this.indexes.get(rel);
    if (ix) { this.indexes.delete(rel); this.indexes.set(rel, ix); return ix; }
    try {
      ix = readIndex(path.join(this.dir, rel));
    } catch (e) {
      this.report(rel, e as Error);
      return undefined;
    }
    this.indexes.set(rel, ix);
    while (this.indexes.size > indexCacheSize) this.indexes.delete(this.indexes.keys().next().value as string);
    return ix;
  }

  private readFile(rel: string, key: string): KeyPoints | undefined {
    for (let attempt = 0; ; attempt++) {
      const ix = this.index(rel);
      if (!ix) return undefined;
      try {
        return ix.read(key);
      } catch (e) {
        this.indexes.delete(rel);
        // Moved aside by a compaction since its footer was cached: read it where it went.
        if (attempt === 0 && e instanceof PointsFileError && e.message.includes('(missing)')) continue;
        this.report(rel, e as Error);
        return undefined;
      }
    }
  }

  private report(rel: string, e: Error): void {
    const why = e instanceof PointsFileError ? e.message : `points file ${rel}: ${e.message}`;
    this.problem(`points:${rel}`, `${why}; the points it holds are not shown, the rest of the run is`);
  }

  /**
   * One series of one run: `before` (points still in the old place, the catalog's metrics table),
   * then its files in order, then pending points; a later point at the same step replaces an
   * earlier one. Reads only that series' pages of each file.
   */
  read(db: Database, rid: number, key: string, before?: KeyPoints): KeyPoints {
    const parts: KeyPoints[] = [];
    if (before && before.steps.length) parts.push(before);
    for (const f of this.listed(db, rid)) {
      const p = this.readFile(f.file, key);
      if (p && p.steps.length) parts.push(p);
    }
    const s = this.pending.get(rid)?.series.get(key);
    // Pending columns change as the fold goes on: a caller gets its own copy of them.
    if (s && s.length) parts.push({ key, steps: s.steps.copy(), values: s.values.copy(), times: s.times.copy() });
    return mergePoints(key, parts);
  }

  /** Listed files of the whole store that cannot be read (doctor). */
  check(db: Database): { files: number; bytes: number; rows: number; unreadable: string[] } {
    let files = 0;
    let bytes = 0;
    let rows = 0;
    const unreadable: string[] = [];
    for (const [f, r] of db.exec('SELECT file, rows FROM point_files')[0]?.values ?? []) {
      files++;
      rows += Number(r);
      const rel = String(f);
      try {
        const ix = readIndex(path.join(this.dir, rel));
        bytes += ix.size;
      } catch (e) {
        unreadable.push(e instanceof PointsFileError ? e.message : `points file ${rel}: ${(e as Error).message}`);
      }
    }
    return { files, bytes, rows, unreadable };
  }
}

/**
 * The newest files of a live run to merge with its pending points once it has {@link compactAtFiles}:
 * going back from the newest, a file joins while it holds no more rows than those already taken (size
 * tiers, as in a log-structured merge): a long run keeps a few files of growing size and is not
 * rewritten whole every few saves; each point is rewritten O(log n) times while the run records.
 */
export function liveCompaction(listed: readonly ListedFile[], pendingRows: number): ListedFile[] {
  if (listed.length + 1 < compactAtFiles) return [];
  let rows = pendingRows;
  let i = listed.length;
  while (i > 0 && (listed.length - i < 2 || listed[i - 1].rows <= rows)) { rows += listed[i - 1].rows; i--; }
  return listed.slice(i);
}

/**
 * Sources in order; within and across them a later point at the same step wins. Result in step order.
 * One source already in order is returned as it is (no copy: a 1e6-point series read for a chart
 * spent most of its time copying itself).
 */
export function mergePoints(key: string, parts: readonly KeyPoints[]): KeyPoints {
  if (parts.length === 1 && inStepOrder(parts[0].steps)) return parts[0].key === key ? parts[0] : { ...parts[0], key };
  let n = 0;
  for (const p of parts) n += p.steps.length;
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  const times = new Float64Array(n);
  let at = 0;
  let ordered = true;
  let last = -Infinity;
  for (const p of parts) {
    steps.set(p.steps, at); values.set(p.values, at); times.set(p.times, at);
    for (let i = 0; i < p.steps.length && ordered; i++) { if (!(p.steps[i] > last)) ordered = false; last = p.steps[i]; }
    at += p.steps.length;
  }
  if (ordered) return { key, steps, values, times };
  // Rare (a resumed run, a counter restarted): sort by step, later index last, keep the last of each step.
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => steps[a] - steps[b] || a - b);
  const out = { key, steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) };
  let m = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    if (j + 1 < n && steps[idx[j + 1]] === steps[i]) continue;
    out.steps[m] = steps[i]; out.values[m] = values[i]; out.times[m] = times[i]; m++;
  }
  return { key, steps: out.steps.slice(0, m), values: out.values.slice(0, m), times: out.times.slice(0, m) };
}

function inStepOrder(steps: Float64Array): boolean {
  for (let i = 1; i < steps.length; i++) if (!(steps[i] > steps[i - 1])) return false;
  return true;
}

/** Where a file replaced by a compaction stays for a minute: hidden from `*.parquet` globs. */
function replacedName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.replaced`);
}

/** A listed file's footer; one just replaced by another writer's compaction is read where it was moved. */
function readIndex(file: string): PointsFileIndex {
  try {
    return PointsFileIndex.read(file);
  } catch (e) {
    if (!(e instanceof PointsFileError) || !e.message.includes('(missing)') || !fs.existsSync(replacedName(file))) throw e;
    return PointsFileIndex.read(replacedName(file));
  }
}

/** A run id as a folder name (the recorder's run ids are already safe; anything else is made so). */
export function safeDirName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_';
}
