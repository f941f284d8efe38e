import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSqlJs } from '../../src/core/sqlite';
import { SqliteFile } from '../../src/core/store/sqliteFile';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const show = (v: unknown): string => (v instanceof Uint8Array ? `blob:${v.length}:${v[0] ?? ''}:${v[v.length - 1] ?? ''}` : JSON.stringify(v));

describe('SqliteFile: a SQLite file read from disk page by page', function () {
  this.timeout(60_000);

  for (const pageSize of [512, 4096, 65536]) {
    it(`reads every row as SQLite wrote it, page size ${pageSize} (rowid and WITHOUT ROWID tables, overflow pages, every integer width)`, async () => {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      db.exec(`PRAGMA page_size = ${pageSize};
        CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT, b BLOB, r REAL);
        CREATE TABLE w (run INTEGER, key INTEGER, step REAL, value REAL, note TEXT, PRIMARY KEY (run, key, step)) WITHOUT ROWID;`);
      const ints = [0, 1, -1, 127, -128, 200, 40000, -40000, 8e6, 2 ** 31, -(2 ** 31) - 5, 2 ** 40, -(2 ** 47), 2 ** 52, -(2 ** 52)];
      db.exec('BEGIN');
      for (let i = 0; i < 1500; i++) {
        db.run('INSERT INTO a (id, t, b, r) VALUES (?, ?, ?, ?)', [
          i * 7 + 3,
          `é ${'x'.repeat(i % 50 === 0 ? 3 * pageSize : i % 40)}`,
          i % 13 === 0 ? new Uint8Array((i * 11) % (5 * pageSize)).fill(i % 256) : null,
          i % 3 ? i / 7 : ints[i % ints.length],
        ]);
      }
      for (let r = 1; r <= 20; r++) {
        for (let k = 1; k <= 3; k++) {
          for (let s = 0; s < 200; s++) db.run('INSERT INTO w VALUES (?, ?, ?, ?, ?)', [r, k, s, s % 17 === 0 ? null : Math.sin(r + k + s), s === 5 ? 'n'.repeat(2 * pageSize) : null]);
        }
      }
      db.exec('COMMIT');
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-sqlitefile-'));
      dirs.push(d);
      const file = path.join(d, 'x.db');
      fs.writeFileSync(file, db.export());
      const f = SqliteFile.open(file)!;
      try {
        assert.equal(f.pageSize, pageSize);
        const tables = f.tables();
        assert.deepEqual(tables.map((t) => [t.name, t.withoutRowid]), [['a', false], ['w', true]]);
        const read = (name: string, rowid: boolean): string[] => {
          const c = f.cursor(tables.find((t) => t.name === name)!.rootPage);
          const out: string[] = [];
          for (let row = c.next(); row; row = c.next()) out.push((rowid ? [c.rowid, ...row.slice(1)] : row).map(show).join('|'));
          return out;
        };
        const expect = (sql: string): string[] => (db.exec(sql)[0]?.values ?? []).map((r) => r.map(show).join('|'));
        assert.deepEqual(read('a', true), expect('SELECT id, t, b, r FROM a ORDER BY id'));
        assert.deepEqual(read('w', false), expect('SELECT * FROM w ORDER BY run, key, step'));
        // Seeks in the WITHOUT ROWID table: exactly the series asked for, in step order.
        const w = tables.find((t) => t.name === 'w')!;
        for (const [r, k, n] of [[1, 1, 200], [7, 2, 200], [20, 3, 200], [21, 1, 0], [0, 0, 0], [5, 4, 0]]) {
          const c = f.cursor(w.rootPage);
          c.seek([r, k]);
          const steps: number[] = [];
          for (let row = c.next(); row && row[0] === r && row[1] === k; row = c.next()) steps.push(Number(row[2]));
          assert.deepEqual(steps, Array.from({ length: n }, (_, i) => i), `seek ${r}/${k}`);
        }
        assert.equal(f.isEmpty(w.rootPage), false);
      } finally {
        f.close();
        db.close();
      }
    });
  }

  it('is undefined for what is not a SQLite file, and says which page is wrong in a damaged one', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-sqlitefile-'));
    dirs.push(d);
    fs.writeFileSync(path.join(d, 'text.db'), 'not a database at all, but long enough to have a header of a hundred bytes................................');
    assert.equal(SqliteFile.open(path.join(d, 'text.db')), undefined);
    assert.equal(SqliteFile.open(path.join(d, 'missing.db')), undefined);
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec('PRAGMA page_size = 1024; CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
    for (let i = 0; i < 500; i++) db.run('INSERT INTO t VALUES (?, ?)', [i, 'y'.repeat(100)]);
    const bytes = db.export();
    db.close();
    bytes.fill(0x42, 3 * 1024, 4 * 1024); // page 4: not a b-tree page any more
    fs.writeFileSync(path.join(d, 'bad.db'), bytes);
    const f = SqliteFile.open(path.join(d, 'bad.db'))!;
    try {
      const c = f.cursor(f.tables()[0].rootPage);
      assert.throws(() => { while (c.next()); }, /page 4 is not a b-tree page/);
    } finally {
      f.close();
    }
  });
});
