import fs from 'node:fs';

/** A value as SQLite stores it (NULL, integer or real, text, blob). */
export type FileValue = number | string | Uint8Array | null;

/** Thrown for a file this reader cannot follow (not SQLite, a page that is not what it should be). */
export class SqliteFileError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'SqliteFileError';
  }
}

/** A table as the file's schema table lists it. */
export interface FileTable {
  readonly name: string;
  readonly rootPage: number;
  readonly sql: string;
  readonly withoutRowid: boolean;
}

const LEAF_TABLE = 0x0d, INTERIOR_TABLE = 0x05, LEAF_INDEX = 0x0a, INTERIOR_INDEX = 0x02;
const utf8 = new TextDecoder('utf-8');
/** Pages kept in memory: the upper levels of the trees being read, so a seek reads only its leaf. */
const cachePages = 256;

interface Page { readonly no: number; readonly data: Buffer; readonly type: number; readonly cells: number; readonly header: number }

/**
 * Reads a SQLite database file from disk page by page, as the file format specification describes it
 * (https://www.sqlite.org/fileformat.html): the schema table, a table's rows in key order, a seek in an
 * index b-tree (WITHOUT ROWID tables are those). Never loads the file whole: what a schema-v2 store
 * (metric points inside exptrack.db, gigabytes) needs to be opened and migrated in bounded memory, as
 * sql.js only opens a file copied whole into its memory.
 */
export class SqliteFile {
  readonly pageSize: number;
  /** Bytes of each page SQLite uses (the page size less the reserved bytes at its end). */
  readonly usable: number;
  readonly userVersion: number;
  /** Identity of the file when opened (a writer replacing it makes a new inode). */
  readonly ino: number;
  private readonly cache = new Map<number, Page>();

  private constructor(readonly file: string, private fd: number, header: Buffer, ino: number) {
    const ps = header.readUInt16BE(16);
    this.pageSize = ps === 1 ? 65536 : ps;
    this.usable = this.pageSize - header[20];
    this.userVersion = header.readUInt32BE(60);
    this.ino = ino;
    if (header.readUInt32BE(56) > 1) throw new SqliteFileError(file, 'text encoding is not UTF-8');
  }

  /** The file, or undefined when it does not exist or is not a SQLite database (the caller's usual path reports that). */
  static open(file: string): SqliteFile | undefined {
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch { return undefined; }
    try {
      const header = Buffer.alloc(100);
      const st = fs.fstatSync(fd);
      if (fs.readSync(fd, header, 0, 100, 0) < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') { fs.closeSync(fd); return undefined; }
      const ps = header.readUInt16BE(16);
      if (!(ps === 1 || (ps >= 512 && (ps & (ps - 1)) === 0))) { fs.closeSync(fd); return undefined; }
      return new SqliteFile(file, fd, header, st.ino);
    } catch (e) {
      fs.closeSync(fd);
      if (e instanceof SqliteFileError) throw e;
      return undefined;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try { fs.closeSync(this.fd); } catch { /* closed */ }
    this.fd = -1;
    this.cache.clear();
  }

  /** Tables of the schema table (page 1), `sqlite_` internals left out. */
  tables(): FileTable[] {
    const out: FileTable[] = [];
    const c = this.cursor(1);
    for (let row = c.next(); row; row = c.next()) {
      const [type, name, , root, sql] = row;
      if (type !== 'table' || typeof name !== 'string' || name.startsWith('sqlite_')) continue;
      const text = typeof sql === 'string' ? sql : '';
      out.push({ name, rootPage: Number(root), sql: text, withoutRowid: /\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(text) });
    }
    return out;
  }

  /** Whether the tree at `rootPage` holds no entry (read from its root alone). */
  isEmpty(rootPage: number): boolean {
    const p = this.page(rootPage);
    return p.cells === 0 && (p.type === LEAF_TABLE || p.type === LEAF_INDEX);
  }

  /** A cursor over the tree at `rootPage`, in key order from the first entry. */
  cursor(rootPage: number): FileCursor {
    return new FileCursor(this, rootPage);
  }

  /** @internal A page, checked to be a b-tree page (cached). */
  page(no: number): Page {
    let p = this.cache.get(no);
    if (p) { this.cache.delete(no); this.cache.set(no, p); return p; }
    if (this.fd < 0) throw new SqliteFileError(this.file, 'closed');
    const data = Buffer.allocUnsafe(this.pageSize);
    const got = fs.readSync(this.fd, data, 0, this.pageSize, (no - 1) * this.pageSize);
    if (got < this.pageSize) throw new SqliteFileError(this.file, `page ${no} is past the end of the file (truncated?)`);
    const header = no === 1 ? 100 : 0;
    const type = data[header];
    if (type !== LEAF_TABLE && type !== INTERIOR_TABLE && type !== LEAF_INDEX && type !== INTERIOR_INDEX) {
      throw new SqliteFileError(this.file, `page ${no} is not a b-tree page (type ${type})`);
    }
    p = { no, data, type, cells: data.readUInt16BE(header + 3), header };
    // Only interior pages are worth keeping: a scan reads each leaf once.
    if (type === INTERIOR_TABLE || type === INTERIOR_INDEX || no === 1) {
      this.cache.set(no, p);
      while (this.cache.size > cachePages) this.cache.delete(this.cache.keys().next().value as number);
    }
    return p;
  }

  /** @internal The whole payload of a cell starting at `at` (`size` bytes), following overflow pages. */
  payload(p: Page, at: number, size: number, index: boolean): { buf: Buffer; start: number } {
    const u = this.usable;
    const x = index ? Math.floor(((u - 12) * 64) / 255) - 23 : u - 35;
    if (size <= x) return { buf: p.data, start: at };
    const m = Math.floor(((u - 12) * 32) / 255) - 23;
    const k = m + ((size - m) % (u - 4));
    const local = k <= x ? k : m;
    const out = Buffer.allocUnsafe(size);
    p.data.copy(out, 0, at, at + local);
    let next = p.data.readUInt32BE(at + local);
    let filled = local;
    const over = Buffer.allocUnsafe(this.pageSize);
    while (filled < size) {
      if (next === 0) throw new SqliteFileError(this.file, `overflow chain of a cell on page ${p.no} ends early`);
      if (fs.readSync(this.fd, over, 0, this.pageSize, (next - 1) * this.pageSize) < this.pageSize) throw new SqliteFileError(this.file, `overflow page ${next} is past the end of the file`);
      const n = Math.min(size - filled, u - 4);
      over.copy(out, filled, 4, 4 + n);
      filled += n;
      next = over.readUInt32BE(0);
    }
    return { buf: out, start: 0 };
  }
}

interface Frame { readonly page: Page; i: number }

/**
 * In-order walk of one b-tree. For a table the row's values come with its rowid ({@link rowid});
 * for an index (and a WITHOUT ROWID table) the entries of interior pages are part of the order.
 */
export class FileCursor {
  private readonly stack: Frame[] = [];
  private started = false;
  /** The rowid of the row {@link next} returned last (tables only). */
  rowid = 0;

  constructor(private readonly f: SqliteFile, private readonly root: number) {}

  /**
   * Positions the cursor (an index b-tree's) before the first entry whose leading fields are >=
   * `prefix` (numbers compared as SQLite compares numbers; NULL sorts first).
   */
  seek(prefix: readonly number[]): void {
    this.stack.length = 0;
    this.started = true;
    for (let no = this.root; ;) {
      const p = this.f.page(no);
      if (p.type !== LEAF_INDEX && p.type !== INTERIOR_INDEX) throw new SqliteFileError(this.f.file, `page ${no}: seek in a table b-tree`);
      // First cell whose entry is >= prefix (cells are in order): binary search.
      let lo = 0;
      let hi = p.cells;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (comparePrefix(this.entry(p, mid), prefix) < 0) lo = mid + 1; else hi = mid;
      }
      this.stack.push({ page: p, i: lo });
      if (p.type === LEAF_INDEX) return;
      no = this.child(p, lo);
    }
  }

  /** The next entry's values, or undefined at the end. */
  next(): FileValue[] | undefined {
    if (!this.started) { this.started = true; this.descend(this.root); }
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return undefined;
      const p = top.page;
      if (p.type === LEAF_TABLE || p.type === LEAF_INDEX) {
        if (top.i < p.cells) return this.entry(p, top.i++);
        this.stack.pop();
        continue;
      }
      // An interior page: we come back from child `i`; its cell `i` (an index's) follows that child.
      if (top.i >= p.cells) { this.stack.pop(); continue; }
      const at = top.i++;
      this.descend(this.child(p, top.i));
      if (p.type === INTERIOR_INDEX) return this.entry(p, at);
    }
  }

  private descend(no: number): void {
    for (;;) {
      const p = this.f.page(no);
      this.stack.push({ page: p, i: 0 });
      if (p.type === LEAF_TABLE || p.type === LEAF_INDEX) return;
      if (this.stack.length > 64) throw new SqliteFileError(this.f.file, `page ${no}: b-tree deeper than 64 levels (a loop?)`);
      no = this.child(p, 0);
    }
  }

  /** Child `i` of an interior page: the left pointer of cell i, or the right-most pointer past the last cell. */
  private child(p: Page, i: number): number {
    if (i >= p.cells) return p.data.readUInt32BE(p.header + 8);
    return p.data.readUInt32BE(this.cellAt(p, i));
  }

  private cellAt(p: Page, i: number): number {
    const hdr = p.type === LEAF_TABLE || p.type === LEAF_INDEX ? 8 : 12;
    return p.data.readUInt16BE(p.header + hdr + 2 * i);
  }

  /** The values of cell `i` (a table's rowid goes to {@link rowid}). */
  private entry(p: Page, i: number): FileValue[] {
    let at = this.cellAt(p, i);
    const d = p.data;
    if (p.type === INTERIOR_INDEX) at += 4;
    if (p.type === INTERIOR_TABLE) throw new SqliteFileError(this.f.file, `page ${p.no}: a table's interior cell has no row`);
    const [size, n1] = varint(d, at);
    at += n1;
    if (p.type === LEAF_TABLE) {
      const [rowid, n2] = varint(d, at);
      at += n2;
      this.rowid = rowid;
    }
    const { buf, start } = this.f.payload(p, at, size, p.type !== LEAF_TABLE);
    return decodeRecord(buf, start, this.f.file);
  }
}

/** A SQLite varint at `at`: [value, bytes]. Values past 2^53 lose precision (none are expected here). */
function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[at + i];
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) return [v, i + 1];
  }
  return [v * 256 + b[at + 8], 9];
}

/** A record (header of serial types, then the values) as values. */
function decodeRecord(b: Buffer, start: number, file: string): FileValue[] {
  const [hsize, n] = varint(b, start);
  let h = start + n;
  let at = start + hsize;
  const out: FileValue[] = [];
  while (h < start + hsize) {
    const [t, tn] = varint(b, h);
    h += tn;
    switch (t) {
      case 0: out.push(null); break;
      case 1: out.push(b.readInt8(at)); at += 1; break;
      case 2: out.push(b.readInt16BE(at)); at += 2; break;
      case 3: out.push(b.readIntBE(at, 3)); at += 3; break;
      case 4: out.push(b.readInt32BE(at)); at += 4; break;
      case 5: out.push(b.readIntBE(at, 6)); at += 6; break;
      case 6: out.push(b.readInt32BE(at) * 4294967296 + b.readUInt32BE(at + 4)); at += 8; break;
      case 7: out.push(b.readDoubleBE(at)); at += 8; break;
      case 8: out.push(0); break;
      case 9: out.push(1); break;
      default: {
        if (t < 12) throw new SqliteFileError(file, `record with reserved serial type ${t}`);
        const len = (t - 12) >> 1;
        out.push(t % 2 === 0 ? Uint8Array.prototype.slice.call(b, at, at + len) : utf8.decode(b.subarray(at, at + len)));
        at += len;
      }
    }
  }
  return out;
}

/** Compares an entry's leading fields with `prefix` (numbers; NULL first, text and blobs after numbers). */
function comparePrefix(entry: readonly FileValue[], prefix: readonly number[]): number {
  for (let i = 0; i < prefix.length; i++) {
    const v = entry[i];
    if (v === null || v === undefined) return -1;
    if (typeof v !== 'number') return 1;
    if (v !== prefix[i]) return v < prefix[i] ? -1 : 1;
  }
  return 0;
}
