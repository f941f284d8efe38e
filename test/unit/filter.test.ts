import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileFilter } from '../../src/core/filter/compileFilter';
import { FilterError, parseFilter } from '../../src/core/filter/filterParser';
import { Store } from '../../src/core/store/store';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('filter language', () => {
  describe('parsing and errors', () => {
    it('parses precedence: not > and > or, with parentheses', () => {
      const t = parseFilter('a = 1 or b = 2 and not c = 3');
      assert.equal(t!.type, 'or');
      const p = parseFilter('(a = 1 or b = 2) and c');
      assert.equal(p!.type, 'and');
      assert.equal(parseFilter('   '), undefined);
    });

    it('reads keys with dots, slashes and quoted keys', () => {
      const t = parseFilter('metrics.train/loss < 1 and params.model.layers = 3 and metrics."val acc" > 0.5');
      const fields: string[] = [];
      const walk = (n: ReturnType<typeof parseFilter>): void => {
        if (!n) return;
        if (n.type === 'and' || n.type === 'or') { walk(n.left); walk(n.right); } else if (n.type === 'compare') fields.push(`${n.field.name}|${n.field.key}`);
      };
      walk(t);
      assert.deepEqual(fields, ['metrics|train/loss', 'params|model.layers', 'metrics|val acc']);
    });

    const bad: [string, RegExp][] = [
      ['metrics.val_acc > ', /^filter: expected a value after '>' at column 19$/],
      ['status = failed and', /^filter: expected a field such as status, name or metrics.loss, found end of input at column 20$/],
      ['(status = failed', /expected '\)' to close the '\(' at column 1, found end of input at column 17/],
      ['status = failed)', /unmatched '\)' at column 16/],
      ['status = faild', /unknown status 'faild' \(expected running, finished, failed, killed, interrupted\) at column 10/],
      ['colour = red', /unknown field 'colour'.* at column 1/],
      ['name ~ "abc', /unterminated string starting at column 8/],
      ['name ~ /(/', /invalid regular expression: .* at column 8/],
      ['metrics.loss > "low"', /metrics.loss compares with numbers; expected a number at column 16/],
      ['metrics.loss ~ 3', /'~' does not apply to metrics/],
      ['status', /expected an operator such as '=' or '>' after 'status' at column 7/],
      ['metrics', /expected a key after 'metrics'/],
      ['name = a b', /expected 'and', 'or' or the end, found 'b' at column 10/],
      ['name $ 3', /unexpected character '\$' at column 6/],
      ['duration ~ 3', /'~' does not apply to duration/],
    ];
    for (const [src, re] of bad) {
      it(`rejects ${JSON.stringify(src)} with a pointed message`, () => {
        assert.throws(() => compileFilter(src), (e: unknown) => {
          assert.ok(e instanceof FilterError);
          assert.match(e.message, re);
          return true;
        });
      });
    }

    it('binds every value and key, never splicing them into SQL', () => {
      const evil = `x'); DROP TABLE runs; --`;
      const c = compileFilter(`name = "${evil}" or params."${evil}" = 1 or tags.a ~ '${evil.replace(/'/g, "\\'")}'`)!;
      assert.ok(!c.where.includes('DROP'));
      assert.ok(!c.where.includes(evil));
      assert.deepEqual(c.params.filter((p) => p === evil).length, 3);
    });
  });

  describe('against a store', () => {
    let store: Store;
    let dir: string;
    before(async () => {
      dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-filter-')), '.exptrack');
      store = await Store.open(dir, { logger: quiet });
      const add = (id: string, o: { name: string; exp: string; status?: 'failed' | 'finished'; lr?: number | string; acc?: number; tags?: Record<string, string>; started: number }): void => {
        store.sink.startRun({ id, experiment: o.exp, name: o.name, command: `python train.py ${id}`, cwd: '/w', startedAt: o.started, source: 'cli' });
        if (o.lr !== undefined) store.sink.params(id, { lr: o.lr, opt: 'adam' });
        if (o.acc !== undefined) store.sink.metrics(id, [{ key: 'val_acc', step: 1, value: o.acc, time: 1 }, { key: 'train/loss', step: 1, value: 1 - o.acc, time: 1 }]);
        if (o.tags) store.sink.tags(id, o.tags);
        if (o.status) store.sink.endRun(id, { endedAt: o.started + 1000, exitCode: o.status === 'failed' ? 1 : 0, signal: null, status: o.status });
      };
      add('a', { name: 'baseline', exp: 'mnist', status: 'finished', lr: 3e-4, acc: 0.95, tags: { best: '' }, started: 1 });
      add('b', { name: 'baseline-wide', exp: 'mnist', status: 'failed', lr: '0.0003', acc: 0.5, started: 2 });
      add('c', { name: 'Deep Net', exp: 'cifar', status: 'finished', lr: 1e-3, acc: 0.91, tags: { stage: 'prod' }, started: 3 });
      add('d', { name: `quote's "run" <b>`, exp: 'cifar', started: 4 });
      await store.flush();
    });
    after(async () => {
      await store.close();
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    });
    const ids = (filter: string): string[] => store.listRuns({ filter }).map((r) => r.id).sort();

    it('compares metrics and params numerically (3e-4 equals "0.0003")', () => {
      assert.deepEqual(ids('metrics.val_acc > 0.9 and params.lr = 3e-4'), ['a']);
      assert.deepEqual(ids('params.lr = 3e-4'), ['a', 'b']);
      assert.deepEqual(ids('params.lr >= 1e-3'), ['c']);
      assert.deepEqual(ids('metrics.train/loss < 0.06'), ['a']);
      assert.deepEqual(ids('params.opt = adam'), ['a', 'b', 'c']);
    });

    it('handles status, tags, names, experiments, or, not and parentheses', () => {
      assert.deepEqual(ids('status = failed'), ['b']);
      assert.deepEqual(ids('status = running'), ['d']);
      assert.deepEqual(ids('tags.best'), ['a']);
      assert.deepEqual(ids('tag = best or tags.stage = prod'), ['a', 'c']);
      assert.deepEqual(ids('not tags.best'), ['b', 'c', 'd']);
      assert.deepEqual(ids('name ~ "baseline"'), ['a', 'b']);
      assert.deepEqual(ids('name ~ "DEEP"'), ['c'], 'contains ignores case');
      assert.deepEqual(ids('name ~ /^baseline$/'), ['a']);
      assert.deepEqual(ids('name ~ /deep/i'), ['c']);
      assert.deepEqual(ids('name !~ "baseline"'), ['c', 'd']);
      assert.deepEqual(ids('experiment = mnist and (status = failed or metrics.val_acc > 0.94)'), ['a', 'b']);
      assert.deepEqual(ids('not (experiment = mnist) and metrics.val_acc'), ['c']);
      assert.deepEqual(ids(`name = "quote's \\"run\\" <b>"`), ['d']);
      assert.deepEqual(ids('exit_code = 1'), ['b']);
      assert.deepEqual(ids('duration >= 1000'), ['a', 'b', 'c']);
      assert.deepEqual(ids('command ~ "train.py c"'), ['c']);
    });

    it('treats injection attempts as plain values', () => {
      assert.deepEqual(ids(`name = "x' OR 1=1 --"`), []);
      assert.deepEqual(ids(`name ~ "%"`), [], 'LIKE wildcards are not wildcards');
      assert.deepEqual(ids(`name ~ "_"`), []);
      assert.deepEqual(ids(`params."lr' OR '1'='1" = 1`), []);
      assert.deepEqual(ids(`tags."best\\"; DROP TABLE runs; --"`), []);
      assert.equal(store.listRuns().length, 4, 'runs table intact');
    });
  });
});
