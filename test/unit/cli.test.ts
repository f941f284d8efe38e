import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSqlJs } from '../../src/core/sqlite';
import { liveFoldingWriter } from '../../src/core/store/journalReader';
import { Store } from '../../src/core/store/store';

const root = path.resolve(__dirname, '..', '..', '..');
// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-cli-bin-'));
const cli = path.join(binDir, 'cli.js');

/** Builds the CLI's bundles (and sql-wasm.wasm) into binDir with esbuild.mjs. */
function buildCli(): void {
  const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
  assert.equal(b.status, 0, 'build the CLI');
}

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: Buffer }

function exptrack(args: string[], cwd: string, options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input: options.input ?? '', env: { ...process.env, ...options.env }, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function showJson(cwd: string, ref = '@last'): Record<string, unknown> {
  const r = exptrack(['show', ref, '--json'], cwd);
  assert.equal(r.code, 0, r.stderr.toString());
  return JSON.parse(r.stdout.toString()) as Record<string, unknown>;
}

/**
 * Writes `pty_run.py`: runs its arguments in a real pseudo-terminal (Python's pty module), optionally
 * typing Ctrl-C once the output shows a marker, and prints {"out", "code"} as JSON.
 */
function writePtyRunner(dir: string): void {
  fs.writeFileSync(path.join(dir, 'pty_run.py'), [
    'import json, os, pty, select, sys, time',
    'args = sys.argv[1:]',
    'marker = None',
    'if args[0] == "--ctrl-c-after":',
    '    marker, args = args[1].encode(), args[2:]',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    '    os.execvp(args[0], args)',
    'out, sent, deadline = b"", False, time.time() + 30',
    'while time.time() < deadline:',
    '    r, _, _ = select.select([fd], [], [], 0.05)',
    '    if r:',
    '        try:',
    '            data = os.read(fd, 65536)',
    '        except OSError:',
    '            break',
    '        if not data:',
    '            break',
    '        out += data',
    '    if marker and not sent and marker in out:',
    '        os.write(fd, b"\x03")',
    '        sent = True',
    '_, status = os.waitpid(pid, 0)',
    'print(json.dumps({"out": out.decode("utf8", "replace"), "code": os.waitstatus_to_exitcode(status)}))',
  ].join('\n'));
}

describe('cli', function () {
  this.timeout(60_000);
  let dir: string;

  before(buildCli);
  after(() => fs.rmSync(binDir, { recursive: true, force: true }));
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-cli-')));
    fs.mkdirSync(path.join(dir, '.exptrack'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('usage', () => {
    it('prints help and the version, and exits 2 with one clear line for usage errors', () => {
      const help = exptrack(['--help'], dir);
      assert.equal(help.code, 0);
      assert.match(help.stdout.toString(), /usage: exptrack <command>/);
      assert.match(exptrack(['run', '--help'], dir).stdout.toString(), /usage: exptrack run/);
      assert.match(exptrack(['help', 'parse'], dir).stdout.toString(), /usage: exptrack parse/);
      assert.match(exptrack(['lineage', '--help'], dir).stdout.toString(), /usage: exptrack lineage/);
      const v = exptrack(['--version'], dir);
      assert.equal(v.code, 0);
      assert.match(v.stdout.toString(), /^\d+\.\d+\.\d+\n$/);
      for (const args of [['frobnicate'], ['run'], ['run', '--bogus', '--', 'true'], ['run', '--tag'], ['parse', 'a', 'b'], []]) {
        const r = exptrack(args, dir);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr.toString(), /^exptrack/, args.join(' '));
      }
    });
  });

  describe('run', () => {
    it('passes output through byte for byte, exits with the command\'s code and records the run', () => {
      fs.writeFileSync(path.join(dir, 'train.js'), `
        process.stdout.write(Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64, 0x1b, 0x5b, 0x30, 0x6d, 0x0a]));
        for (let i = 0; i < 3; i++) console.log('step ' + i + ' loss=' + (1 / (i + 1)));
        process.stdout.write('tqdm 10%\\rtqdm 50%\\rtqdm 100%\\n');
        process.stdout.write(Buffer.from([0xff, 0xc3, 0x0a]));
        console.error('to stderr');
        require('fs').appendFileSync(process.env.EXPTRACK_METRICS_FILE, '{"step": 5, "val_acc": 0.75}\\n');
        process.exit(7);
      `);
      const bare = spawnSync(process.execPath, ['train.js'], { cwd: dir });
      const r = exptrack(['run', '--experiment', 'exp one', '--name', 'first', '--tag', 'k=v', '--tag', 'flag', '--', process.execPath, 'train.js', '--lr', '0.01'], dir);
      assert.equal(r.code, 7);
      assert.deepEqual(r.stdout, bare.stdout);
      assert.equal(r.stderr.toString(), 'to stderr\n', 'nothing added on stderr when not interactive');
      const run = showJson(dir);
      assert.equal(run.name, 'first');
      assert.equal(run.experiment, 'exp one');
      assert.equal(run.status, 'failed');
      assert.equal(run.exitCode, 7);
      assert.deepEqual(run.params, { lr: 0.01 });
      assert.deepEqual(run.tags, { k: 'v', flag: 'true' });
      const metrics = run.metrics as Record<string, { last: number; lastStep: number }>;
      assert.equal(metrics.loss.last, 1 / 3);
      assert.equal(metrics.val_acc.lastStep, 5);
      const log = fs.readFileSync(path.join(dir, '.exptrack', 'runs', String(run.id), 'output.log'));
      assert.ok(log.includes(bare.stdout), 'output.log holds the exact bytes');
    });

    it('passes SIGINT and SIGTERM to the command, records it as killed and exits 128+N', async () => {
      fs.writeFileSync(path.join(dir, 'wait.js'), `
        process.on('SIGINT', () => { console.log('child got SIGINT'); process.kill(process.pid, 'SIGKILL'); });
        console.log('ready'); setInterval(() => {}, 1000);`);
      for (const [signal, code, childSignal] of [['SIGINT', 137, 'SIGKILL'], ['SIGTERM', 143, 'SIGTERM']] as const) {
        const child = spawn(process.execPath, [cli, 'run', '--', process.execPath, 'wait.js'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        await new Promise<void>((resolve) => { const t = setInterval(() => { if (out.includes('ready')) { clearInterval(t); resolve(); } }, 20); });
        child.kill(signal);
        const exitCode = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        assert.equal(exitCode, code, `${signal}: ${out}`);
        if (signal === 'SIGINT') assert.match(out, /child got SIGINT/);
        const run = showJson(dir);
        assert.equal(run.status, 'killed', signal);
        void childSignal;
      }
    });

    it('in a terminal, lets Ctrl-C reach the command once (from the terminal), records it killed, exits 130', function () {
      // A real pseudo-terminal from Python's pty module: Ctrl-C goes to the foreground process group.
      if (spawnSync('python3', ['-c', 'import pty']).status !== 0) this.skip();
      fs.writeFileSync(path.join(dir, 'wait.js'), `
        let n = 0;
        process.on('SIGINT', () => { n++; setTimeout(() => { console.log('SIGINT x' + n); process.exit(130); }, 300); });
        console.log('ready'); setInterval(() => {}, 1000);`);
      writePtyRunner(dir);
      const r = spawnSync('python3', ['pty_run.py', '--ctrl-c-after', 'ready', process.execPath, cli, 'run', '--', process.execPath, 'wait.js'], { cwd: dir, encoding: 'utf8', timeout: 40_000 });
      const result = JSON.parse(r.stdout) as { out: string; code: number };
      assert.match(result.out, /SIGINT x1\r?\n/, 'exactly one SIGINT reached the command');
      assert.equal(result.code, 130);
      assert.match(result.out, /exptrack: killed .* in (?:\d+ms|\d+s|\d+m \d+s), /, 'the summary line, in a terminal');
      assert.equal(showJson(dir).status, 'killed');
    });

    it('in a terminal, says when a run repeats an earlier one (same command, code, params and inputs)', function () {
      if (spawnSync('python3', ['-c', 'import pty']).status !== 0) this.skip();
      fs.writeFileSync(path.join(dir, 'same.py'), 'import sys\nprint("epoch 1 loss=0.5", sys.argv[1:])\n');
      fs.writeFileSync(path.join(dir, 'data.csv'), 'x\n1\n');
      writePtyRunner(dir);
      const runIt = () => (JSON.parse(spawnSync('python3', ['pty_run.py', process.execPath, cli, 'run', '--', 'python3', 'same.py', '--lr', '0.1', '--data', 'data.csv'],
        { cwd: dir, encoding: 'utf8', timeout: 40_000 }).stdout) as { out: string }).out;
      const first = runIt();
      assert.doesNotMatch(first, /repeats/);
      const second = runIt();
      const firstName = /exptrack: finished (\S+) /.exec(first)?.[1];
      assert.ok(firstName, first);
      assert.match(second, new RegExp(`this run repeats ${firstName} \\(same command`));
    });

    it('loses nothing journaled when exptrack itself is killed with SIGKILL; the run then reads interrupted', async () => {
      fs.writeFileSync(path.join(dir, 'slow.js'), `
        let i = 0;
        const t = setInterval(() => { console.log('step=' + i + ' loss=' + (1 / (i + 1))); if (++i === 50) console.log('half'); }, 10);
        setTimeout(() => { clearInterval(t); process.exit(0); }, 5000);
        process.stdout.on('error', () => process.exit(0));`);
      const child = spawn(process.execPath, [cli, 'run', '--name', 'doomed', '--', process.execPath, 'slow.js'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      await new Promise<void>((resolve) => { const t = setInterval(() => { if (out.includes('half')) { clearInterval(t); resolve(); } }, 10); });
      // Past the recorder's 100 ms batching, so the first 50 lines are in the journal.
      await new Promise((r) => setTimeout(r, 400));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const run = showJson(dir, 'doomed');
      assert.equal(run.status, 'interrupted');
      const loss = (run.metrics as Record<string, { count: number }>).loss;
      assert.ok(loss.count >= 50, `${loss.count} points kept`);
    });

    it('records several concurrent runs, each complete', async () => {
      fs.writeFileSync(path.join(dir, 'n.js'), 'const n = +process.argv[2]; for (let i = 0; i < 500; i++) console.log(`step=${i} loss=${n}`);');
      const runs = await Promise.all([1, 2, 3, 4].map((n) => new Promise<number | null>((resolve) => {
        const c = spawn(process.execPath, [cli, 'run', '--name', `r${n}`, '--', process.execPath, 'n.js', String(n)], { cwd: dir, stdio: 'ignore' });
        c.on('close', resolve);
      })));
      assert.deepEqual(runs, [0, 0, 0, 0]);
      const ls = exptrack(['ls', '--json'], dir);
      const list = JSON.parse(ls.stdout.toString()) as { name: string; status: string; metrics: Record<string, { count: number; last: number }> }[];
      assert.deepEqual(list.map((r) => r.name).sort(), ['r1', 'r2', 'r3', 'r4']);
      for (const r of list) {
        assert.equal(r.status, 'finished');
        assert.equal(r.metrics.loss.count, 500, r.name);
        assert.equal(r.metrics.loss.last, Number(r.name.slice(1)));
      }
    });

    it('runs one word with shell syntax through the shell', () => {
      const r = exptrack(['run', '-q', `echo loss=0.5 | ${JSON.stringify(process.execPath)} -e "process.stdin.pipe(process.stdout)"`], dir);
      assert.equal(r.code, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), 'loss=0.5\n');
      assert.equal((showJson(dir).metrics as Record<string, { last: number }>).loss.last, 0.5);
    });

    it('takes bad input end to end: binary, invalid UTF-8, a 50 MB line, NaN and infinities, 10,000 keys, odd names', () => {
      fs.writeFileSync(path.join(dir, 'bad.js'), `
        const fs = require('fs');
        process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]));
        process.stdout.write('y'.repeat(50 * 1024 * 1024));
        process.stdout.write('\\nepoch 1 loss=0.5 acc=nan\\nepoch 2 loss=inf\\n');
        const keys = {};
        for (let i = 0; i < 10000; i++) keys['key_' + i] = i;
        const ch = process.env.EXPTRACK_METRICS_FILE;
        fs.appendFileSync(ch, JSON.stringify({ step: 1, ...keys }) + '\\n');
        fs.appendFileSync(ch, '{"step": 2, "val loss \\\\"q\\\\" <b>x</b>": -Infinity, "nan_metric": NaN}\\n{garbage\\n');
        fs.appendFileSync(ch, JSON.stringify({ params: { 'odd <name> "q"': 'v a l' }, tags: { '<script>': '&amp;' } }) + '\\n');
      `);
      const r = exptrack(['run', '--name', 'it\'s "odd" <b>', '--', process.execPath, 'bad.js'], dir);
      assert.equal(r.code, 0, r.stderr.toString());
      assert.equal(r.stdout.length, 6 + 50 * 1024 * 1024 + 43);
      const run = showJson(dir, '@last');
      assert.equal(run.name, 'it\'s "odd" <b>');
      const metrics = run.metrics as Record<string, { last: number | null; count: number }>;
      assert.ok(Object.keys(metrics).length >= 10_000, String(Object.keys(metrics).length));
      assert.equal(metrics.key_9999.last, 9999);
      assert.equal(metrics.loss.count, 2);
      assert.ok('val loss "q" <b>x</b>' in metrics);
      assert.ok('nan_metric' in metrics);
      assert.deepEqual(run.params, { 'odd <name> "q"': 'v a l' });
      // The 50 MB line is skipped by the metric parser (bounded memory) and counted for doctor.
      assert.deepEqual(run.tags, { '<script>': '&amp;', 'exptrack.skippedLongLines': '1' });
      const doctor = exptrack(['doctor'], dir);
      assert.match(doctor.stdout.toString(), /long lines:\s+1 console line\(s\) in 1 run\(s\)/);
    });

    it('exits 127 when the command does not exist, and still records it', () => {
      const r = exptrack(['run', '--', 'no-such-command-xyz'], dir);
      assert.equal(r.code, 127);
      assert.match(r.stderr.toString(), /cannot start no-such-command-xyz/);
      assert.equal(showJson(dir).status, 'failed');
    });
  });

  describe('run: recording in a worker, folding afterwards', () => {
    /** A script printing `n` metric lines (`step=i loss=... acc=...`) in big writes, then exiting with `code`. */
    function writeTrainer(n: number): void {
      fs.writeFileSync(path.join(dir, 'big.js'), `
        const n = +process.argv[2]; let s = '';
        for (let i = 0; i < n; i++) { s += 'step=' + i + ' loss=' + (1 / (i + 1)).toFixed(6) + ' acc=' + ((i % 1000) / 1000).toFixed(4) + '\\n'; if (s.length > 65536) { process.stdout.write(s); s = ''; } }
        process.stdout.write(s, () => process.exit(+(process.argv[3] ?? 0)));`);
    }
    const journals = (): string[] => { try { return fs.readdirSync(path.join(dir, '.exptrack', 'journal')).filter((f) => f.endsWith('.jsonl')); } catch { return []; } };
    async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
      const t0 = Date.now();
      while (!ok()) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    /** Metric points of run `id` that the saved exptrack.db holds (in the points files it lists; no journal folded), or -1 without the file. */
    async function pointsInDbFile(id: string): Promise<number> {
      const file = path.join(dir, '.exptrack', 'exptrack.db');
      if (!fs.existsSync(file)) return -1;
      const SQL = await loadSqlJs();
      const db = new SQL.Database(fs.readFileSync(file));
      try {
        const r = db.exec('SELECT coalesce(sum(rows), 0) FROM point_files WHERE run = (SELECT rid FROM runs WHERE id = ?)', [id]);
        return Number(r[0]?.values[0]?.[0] ?? 0);
      } finally {
        db.close();
      }
    }

    it('a big run: passes output through byte for byte with the exit code, every point is visible at once, the database file has them after the background fold', async () => {
      const n = 150_000;
      writeTrainer(n);
      const bare = spawnSync(process.execPath, ['big.js', String(n), '3'], { cwd: dir, maxBuffer: 1 << 28 });
      const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', String(n), '3'], dir);
      assert.equal(r.code, 3, r.stderr.toString());
      assert.ok(r.stdout.equals(bare.stdout), 'output byte-identical to the bare command');
      assert.equal(r.stderr.toString(), '');
      // At once: the reader folds whatever is still journaled, in memory.
      const run = showJson(dir);
      assert.equal(run.status, 'failed');
      assert.equal(run.exitCode, 3);
      const metrics = run.metrics as Record<string, { count: number; last: number; lastStep: number }>;
      assert.equal(metrics.loss.count, n);
      assert.equal(metrics.acc.count, n);
      assert.equal(metrics.loss.lastStep, n - 1);
      assert.equal(metrics.acc.last, ((n - 1) % 1000) / 1000);
      // Soon after, with nobody recording, the database file alone holds every point and no journal is left.
      await until('the background fold', () => journals().length === 0 && !fs.existsSync(path.join(dir, '.exptrack', 'lock')));
      assert.equal(await pointsInDbFile(run.id as string), 2 * n);
    });

    it('a small run is folded before exptrack returns (no background process needed)', async () => {
      writeTrainer(100);
      const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', '100'], dir);
      assert.equal(r.code, 0, r.stderr.toString());
      assert.deepEqual(journals(), []);
      assert.equal(await pointsInDbFile(showJson(dir).id as string), 200);
    });

    it('loses nothing when the background folder is killed with SIGKILL; the next fold completes it', async () => {
      const n = 300_000;
      writeTrainer(n);
      // Leave the fold undone, then run it ourselves so that it can be killed in the middle.
      const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', String(n)], dir, { env: { EXPTRACK_BACKGROUND_FOLD: '0' } });
      assert.equal(r.code, 0, r.stderr.toString());
      assert.equal(journals().length, 1);
      const id = showJson(dir).id as string;
      const folder = spawn(process.execPath, [cli, '_fold', path.join(dir, '.exptrack')], { cwd: dir, stdio: 'ignore' });
      const gone = new Promise((resolve) => folder.on('close', resolve));
      // It holds the lock while it folds and saves: kill it then.
      await until('the folder to take the lock', () => fs.existsSync(path.join(dir, '.exptrack', 'lock')), 20_000);
      await new Promise((res) => setTimeout(res, 150));
      folder.kill('SIGKILL');
      await gone;
      const run = showJson(dir);
      assert.equal(run.status, 'finished');
      assert.equal((run.metrics as Record<string, { count: number }>).loss.count, n);
      // The next writer breaks the dead folder's lock and folds everything.
      const again = spawnSync(process.execPath, [cli, '_fold', path.join(dir, '.exptrack')], { cwd: dir });
      assert.equal(again.status, 0, again.stderr.toString());
      assert.deepEqual(journals(), []);
      assert.equal(await pointsInDbFile(id), 2 * n);
    });

    it('a background fold waits for another writer\'s fold instead of giving up, then folds', async () => {
      writeTrainer(1000);
      const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', '1000'], dir, { env: { EXPTRACK_BACKGROUND_FOLD: '0', EXPTRACK_INLINE_FOLD_BYTES: '0' } });
      assert.equal(r.code, 0, r.stderr.toString());
      assert.equal(journals().length, 1);
      const id = showJson(dir).id as string;
      // A live process (this one) folding: the lock is held for a while.
      const lock = path.join(dir, '.exptrack', 'lock');
      fs.writeFileSync(lock, JSON.stringify({ writer: 'busy', pid: process.pid, host: os.hostname(), time: Date.now() }));
      const folder = spawn(process.execPath, [cli, '_fold', path.join(dir, '.exptrack')], { cwd: dir, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => folder.on('close', resolve));
      // Longer than a store's close() waits for a busy lock (3 s).
      await new Promise((res) => setTimeout(res, 4000));
      assert.equal(folder.exitCode, null, 'still waiting for the lock');
      fs.unlinkSync(lock);
      assert.equal(await exited, 0);
      assert.deepEqual(journals(), []);
      assert.equal(await pointsInDbFile(id), 2000);
    });

    it('a background fold leaves the journal to the editor when it has the store open (no second load of the whole file)', async () => {
      writeTrainer(1000);
      // The editor: a live Store in this process (its journal's header says it folds).
      const editor = await Store.open(path.join(dir, '.exptrack'), { longLived: true, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      try {
        const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', '1000'], dir, { env: { EXPTRACK_BACKGROUND_FOLD: '0', EXPTRACK_INLINE_FOLD_BYTES: '0' } });
        assert.equal(r.code, 0, r.stderr.toString());
        const id = showJson(dir).id as string;
        const before = journals().length;
        const fold = spawnSync(process.execPath, [cli, '_fold', path.join(dir, '.exptrack')], { cwd: dir });
        assert.equal(fold.status, 0);
        assert.equal(journals().length, before, 'the run\'s journal is left to the editor');
        assert.ok(await pointsInDbFile(id) <= 0, 'not folded into the file by _fold');
        await editor.refresh();
        await editor.flush();
        assert.equal(editor.getRun(id)!.metrics.loss.count, 1000);
        assert.equal(await pointsInDbFile(id), 2000);
      } finally {
        await editor.close();
      }
      // With the editor gone, _fold folds again.
      writeTrainer(500);
      const r2 = exptrack(['run', '-q', '--', process.execPath, 'big.js', '500'], dir, { env: { EXPTRACK_BACKGROUND_FOLD: '0', EXPTRACK_INLINE_FOLD_BYTES: '0' } });
      const id2 = showJson(dir).id as string;
      assert.equal(r2.code, 0);
      assert.equal(spawnSync(process.execPath, [cli, '_fold', path.join(dir, '.exptrack')], { cwd: dir }).status, 0);
      assert.equal(await pointsInDbFile(id2), 1000);
      assert.deepEqual(journals(), []);
      // A one-shot writer (another _fold, exptrack run's own fold) is not one to leave journals to.
      const oneShot = await Store.open(path.join(dir, '.exptrack'), { logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      try {
        assert.equal(liveFoldingWriter(path.join(dir, '.exptrack')), undefined);
      } finally {
        await oneShot.close();
      }
    });

    it('runs from a symlinked bin (npx, node_modules/.bin): the worker loads from the real file', () => {
      const bin = path.join(dir, 'node_modules', '.bin');
      fs.mkdirSync(bin, { recursive: true });
      fs.symlinkSync(cli, path.join(bin, 'exptrack'));
      fs.chmodSync(cli, 0o755);
      writeTrainer(1000);
      const r = spawnSync(path.join(bin, 'exptrack'), ['run', '-q', '--', process.execPath, 'big.js', '1000', '5'], { cwd: dir });
      assert.equal(r.status, 5, r.stderr.toString());
      assert.equal(r.stderr.toString(), '');
      assert.equal((showJson(dir).metrics as Record<string, { count: number }>).loss.count, 1000);
    });

    it('still runs the command, output and exit code intact, when nothing can be recorded', () => {
      writeTrainer(10);
      fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
      const r = exptrack(['run', '-q', '--', process.execPath, 'big.js', '10', '4'], dir, { env: { EXPTRACK_DIR: path.join(dir, 'not-a-dir') } });
      assert.equal(r.code, 4);
      assert.equal(r.stdout.toString().split('\n').length, 11);
      assert.match(r.stderr.toString(), /exptrack: .*(not recording this run|cannot write)/);
    });
  });

  describe('parse', () => {
    it('prints one JSON object per metric from a file or stdin, NaN as null and infinities as strings', () => {
      fs.writeFileSync(path.join(dir, 'log.txt'), 'epoch 1 loss=0.5 acc=nan\nepoch 2 loss=inf acc=-inf\n{"step": 7, "val_loss": 0.25}\n');
      const fromFile = exptrack(['parse', 'log.txt'], dir);
      assert.equal(fromFile.code, 0, fromFile.stderr.toString());
      const lines = fromFile.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: unknown; step: number; line: number });
      const find = (k: string, line: number) => lines.find((l) => l.key === k && l.line === line);
      assert.equal(find('loss', 1)?.value, 0.5);
      assert.equal(find('acc', 1)?.value, null);
      assert.equal(find('loss', 2)?.value, 'Infinity');
      assert.equal(find('acc', 2)?.value, '-Infinity');
      assert.deepEqual(find('val_loss', 3), { key: 'val_loss', value: 0.25, step: 7, line: 3 });
      const fromStdin = exptrack(['parse', '-'], dir, { input: fs.readFileSync(path.join(dir, 'log.txt'), 'utf8') });
      assert.equal(fromStdin.stdout.toString(), fromFile.stdout.toString());
      const missing = exptrack(['parse', 'nope.txt'], dir);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr.toString(), /nope\.txt/);
    });
  });
});
