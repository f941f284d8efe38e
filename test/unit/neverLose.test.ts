// Issue #19: full disks, a deleted .exptrack, a FIFO as the channel, pipes closed early, odd output.
// Each test drives the real CLI (a private build) or the real classes on real files.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricParser } from '../../src/core/metrics/metricParser';
import { ArtifactTracker } from '../../src/core/recorder/artifactTracker';
import { FileHasher } from '../../src/core/recorder/fileHasher';
import { OutputLog } from '../../src/core/recorder/outputLog';
import { JournalAppender } from '../../src/core/store/journalAppender';
import { StoreLock } from '../../src/core/store/storeLock';
import { Store } from '../../src/core/store/store';
import { builtCli } from './helpers/builtCli';

const root = path.resolve(__dirname, '..', '..', '..');
// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const bin = builtCli('neverlose');
const cli = bin.cli;

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI to its end; `shell` runs a shell line instead (pipes), with `$EXPTRACK` set to the CLI. */
function exptrack(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input: '', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function shell(line: string, cwd: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync('bash', ['-c', line], { cwd, input: '', env: { ...process.env, EXPTRACK: `${process.execPath} ${cli}`, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function showJson(cwd: string, ref = '@last'): Record<string, unknown> {
  const r = exptrack(['show', ref, '--json'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/**
 * Mounts a tmpfs of `size` on a new folder (the tests run as root); undefined when mounting is not
 * permitted (the caller skips, saying why). Unmount with {@link unmount}, always.
 */
function mountTmpfs(size: string): string | undefined {
  const at = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-full-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
  if (r.status === 0) return at;
  fs.rmSync(at, { recursive: true, force: true });
  return undefined;
}

function unmount(at: string | undefined): void {
  if (!at) return;
  if (spawnSync('umount', [at]).status !== 0) spawnSync('umount', ['-l', at]);
  fs.rmSync(at, { recursive: true, force: true });
}

/** Fills the file system holding `dir` to the last byte with `dir/filler`. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'a');
  const block = Buffer.alloc(64 * 1024, 0x61);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  try { for (;;) fs.writeSync(fd, block, 0, 1); } catch { /* the last bytes */ }
  fs.closeSync(fd);
  return filler;
}

/** A tmpfs for this test, or the test is skipped with the reason printed. */
function needTmpfs(test: Mocha.Context, size: string): string {
  const at = mountTmpfs(size);
  if (at) return at;
  console.log('      (skipped: cannot mount a tmpfs here, which needs root; the full-disk tests need a small file system to fill)');
  return test.skip();
}

describe('never lose (issue #19)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => bin.build());
  after(() => bin.remove());
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-neverlose-')));
    fs.mkdirSync(path.join(dir, '.exptrack'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('a FIFO as the structured channel (item 7)', () => {
    it('never blocks on it: the run ends, says the channel is not a regular file, and keeps the console metrics', async function () {
      if (process.platform === 'win32') this.skip();
      fs.writeFileSync(path.join(dir, 'fifo.py'), [
        'import os, time',
        'p = os.environ["EXPTRACK_METRICS_FILE"]',
        'os.remove(p); os.mkfifo(p)',
        'print("step=1 loss=0.5", flush=True)',
        'time.sleep(0.6)',
      ].join('\n'));
      const child = spawn(process.execPath, [cli, 'run', '--', 'python3', 'fifo.py'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 30_000);
        child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
      });
      assert.equal(code, 0, `exptrack run hung on a FIFO channel (killed after 30 s); stderr: ${stderr}`);
      assert.match(stderr, /not a regular file \(a FIFO\)/);
      const run = showJson(dir);
      assert.equal(run.status, 'finished');
      assert.deepEqual(Object.keys(run.metrics as object), ['loss']);
    });
  });

  describe('CLI hygiene (item 8)', () => {
    /** A journal of 1,000 finished runs (written by hand, as any writer would): output far bigger than a pipe holds. */
    function manyRuns(): void {
      const lines = [JSON.stringify({ t: 'w', writer: 'h-1-a', pid: 999999, host: 'elsewhere', time: 0 })];
      for (let i = 0; i < 1000; i++) {
        const id = `01m8w${String(i).padStart(11, '0')}`;
        lines.push(JSON.stringify({ t: 'start', run: { id, experiment: 'e', name: `run-${i}-${'x'.repeat(100)}`, command: 'c', cwd: '/', startedAt: 1.7e12 + i, source: 'cli' } }));
        lines.push(JSON.stringify({ t: 'm', r: id, k: ['loss'], p: [0, 1, 0.5, 1.7e12 + i] }));
        lines.push(JSON.stringify({ t: 'end', r: id, e: { status: 'finished', endedAt: 1.7e12 + i + 1, exitCode: 0, signal: null } }));
      }
      const series: number[] = [];
      for (let step = 0; step < 50_000; step++) series.push(0, step, step / 7, 1.7e12 + step);
      lines.push(JSON.stringify({ t: 'm', r: '01m8w00000000007', k: ['loss'], p: series }));
      lines.push(JSON.stringify({ t: 'x', time: 0 }));
      fs.mkdirSync(path.join(dir, '.exptrack', 'journal'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.exptrack', 'journal', 'h-1-a.jsonl'), `${lines.join('\n')}\n`);
    }

    it('ls, show, export and parse piped into head exit quietly (141, as a Unix tool killed by SIGPIPE), no stack trace', () => {
      manyRuns();
      fs.writeFileSync(path.join(dir, 'big.log'), Array.from({ length: 300_000 }, (_, i) => `step=${i} loss=${i}`).join('\n'));
      for (const cmd of ['ls', 'ls --json', 'show 01m8w00000000007 --json --series loss', 'export', 'export --format json', 'parse big.log']) {
        const r = shell(`$EXPTRACK ${cmd} | head -c 10 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`, dir);
        assert.match(r.stderr, /^status=141\n$/, `exptrack ${cmd} | head: ${r.stderr}`);
      }
    });

    it('export neutralises a run name that a spreadsheet would read as a formula, a leading - included', () => {
      const name = "-2+3+cmd|' /C calc'!A0";
      assert.equal(exptrack(['run', '-q', `--name=${name}`, '--', 'true'], dir).code, 0);
      assert.equal(exptrack(['run', '-q', '--name=-1.5', '--', 'true'], dir).code, 0);
      const csv = exptrack(['export'], dir).stdout.split('\r\n');
      assert.equal(csv[1].split(',')[1], `'${name}`);
      assert.equal(csv[2].split(',')[1], '-1.5', 'a plain number stays as it is');
    });

    it('exptrack run -- yes | head: the command sees a broken pipe as it would bare (SIGPIPE, 141), the run says so', function () {
      if (process.platform === 'win32') this.skip();
      const bare = shell('yes | head -2 >/dev/null; echo "status=${PIPESTATUS[0]}" >&2', dir);
      assert.match(bare.stderr, /^status=141\n$/);
      for (let i = 0; i < 3; i++) {
        const r = shell('$EXPTRACK run -- yes | head -2 >/dev/null; echo "status=${PIPESTATUS[0]}" >&2', dir);
        assert.equal(r.stderr, 'status=141\n', 'no "Connection reset by peer", the status of a command killed by SIGPIPE');
        const run = showJson(dir);
        assert.equal(run.status, 'killed');
        assert.equal(run.exitCode, null);
      }
    });
  });

  describe('a full disk (item 3)', () => {
    let mnt: string | undefined;
    afterEach(() => { unmount(mnt); mnt = undefined; });

    it('output.log goes on after a brief ENOSPC, with one line marking the gap and its exact size', function () {
      mnt = needTmpfs(this, '2m');
      const file = path.join(mnt, 'output.log');
      const problems: string[] = [];
      const log = new OutputLog(file, 64 * 1024 * 1024, (e) => problems.push(e.message));
      log.write('before the gap\n');
      log.flush();
      const filler = fillDisk(mnt);
      log.write(Buffer.alloc(100_000, 0x62));
      log.flush();
      log.write('still full\n');
      log.flush();
      fs.rmSync(filler);
      log.write('after the gap\n');
      log.close();
      const text = fs.readFileSync(file, 'latin1');
      assert.ok(text.startsWith('before the gap\n'));
      assert.ok(text.endsWith('after the gap\n'), 'the log resumed after the disk had space again');
      const m = /\n\[exptrack\] output lost here: (\d+) bytes could not be written \(ENOSPC\)\n/.exec(text);
      assert.ok(m, 'the gap is marked');
      const written = text.length - m[0].length;
      assert.equal(Number(m[1]) + written, log.bytesReceived, 'what is written plus what the marker says is lost = everything received');
      assert.match(problems.join('\n'), /ENOSPC/);
    });

    it('a lock cannot be taken on a full disk: no empty lock and no lock.new-* file are left behind', function () {
      mnt = needTmpfs(this, '1m');
      fillDisk(mnt);
      const lock = new StoreLock(path.join(mnt, 'lock'), 'w1');
      let taken: boolean | undefined;
      try { taken = lock.tryAcquire(); } catch { taken = undefined; }
      assert.notEqual(taken, true);
      assert.deepEqual(fs.readdirSync(mnt).filter((n) => n.startsWith('lock')), []);
    });

    it('a journal waits (bounded) for space at the end; when space comes back nothing is lost', async function () {
      mnt = needTmpfs(this, '4m');
      const errors: string[] = [];
      const appender = JournalAppender.open(mnt, { info: () => undefined, warn: (m) => errors.push(m), error: (m) => errors.push(m) });
      appender.sink.startRun({ id: 'r1', experiment: 'e', name: 'n', command: 'c', cwd: '/', startedAt: 1, source: 'test' });
      appender.flush();
      const filler = fillDisk(mnt);
      for (let i = 0; i < 20; i++) appender.sink.metrics('r1', Array.from({ length: 1000 }, (_, j) => ({ key: 'loss', step: i * 1000 + j, value: j, time: 1 })));
      appender.sink.endRun('r1', { status: 'finished', endedAt: 2, exitCode: 0, signal: null });
      const closing = appender.closeWaitingForSpace(20_000);
      setTimeout(() => fs.rmSync(filler), 500);
      const lost = await closing;
      assert.equal(lost.points.size, 0);
      assert.equal(lost.records, 0);
      assert.match(errors.join('\n'), /waiting up to 20 s for space/);
      const store = await Store.open(mnt, { readOnly: true });
      try {
        const run = store.getRun('r1');
        assert.equal(run?.status, 'finished');
        assert.equal(run?.metrics.loss.count, 20_000);
      } finally {
        await store.close();
      }
    });

    it('exptrack run on a disk that stays full: waits, then says on stderr how many points were lost, and the run says so too', function () {
      mnt = needTmpfs(this, '6m');
      fs.mkdirSync(path.join(mnt, '.exptrack'));
      fs.writeFileSync(path.join(mnt, 'gen.py'), 'for i in range(200000):\n    print(f"step={i} loss={1/(i+1):.6f}")\n');
      const r = exptrack(['run', '--', 'python3', 'gen.py'], mnt, { EXPTRACK_DISK_FULL_WAIT_MS: '1000', EXPTRACK_BACKGROUND_FOLD: '0' });
      assert.equal(r.code, 0, r.stderr);
      const m = /disk full: ([\d,]+) metric points of run (\w+) could not be written and are lost \(the run is tagged exptrack.incomplete\)/.exec(r.stderr);
      assert.ok(m, r.stderr);
      const lost = Number(m[1].replace(/,/g, ''));
      assert.match(r.stderr, /output\.log: \d+ bytes of output could not be written \(ENOSPC\)/);
      const run = showJson(mnt, m[2]);
      assert.equal(run.status, 'finished', 'the run\'s end was written');
      assert.match((run.tags as Record<string, string>)['exptrack.incomplete'], new RegExp(`^${lost} metric points could not be written`));
      assert.equal((run.metrics as Record<string, { count: number }>).loss.count + lost, 200_000, 'every point is either recorded or counted as lost');
      assert.deepEqual(fs.readdirSync(path.join(mnt, '.exptrack')).filter((n) => n.startsWith('lock')), [], 'no lock and no lock.new-* left');
    });
  });

  describe('.exptrack deleted during a run (item 5)', () => {
    it('notices, makes the folder and the journal again, journals the run again from memory and says so', () => {
      fs.writeFileSync(path.join(dir, 'wipe.py'), [
        'import os, shutil, sys, time',
        'for i in range(3000): print(f"step={i} loss={1/(i+1):.6f}")',
        'sys.stdout.flush(); time.sleep(1.2)',
        'shutil.rmtree(sys.argv[1])',
        'time.sleep(1.2)',
        'for i in range(3000, 4000): print(f"step={i} loss={1/(i+1):.6f}")',
      ].join('\n'));
      const r = exptrack(['run', '--', 'python3', 'wipe.py', path.join(dir, '.exptrack')], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /the journal \S+ was deleted while recording \(was \.exptrack removed\?\): created \S+ and journaled the \d+ records recorded so far again from memory/);
      assert.match(r.stderr, /output\.log was deleted while the run was going; it was created again/);
      const run = showJson(dir);
      assert.equal(run.status, 'finished');
      assert.equal((run.metrics as Record<string, { count: number }>).loss.count, 4000, 'the points from before the deletion too');
      assert.ok(fs.existsSync(path.join(dir, '.exptrack', '.gitignore')), 'the folder is git-ignored again');
      const log = fs.readFileSync(path.join(dir, '.exptrack', 'runs', run.id as string, 'output.log'), 'utf8');
      assert.match(log, /^\[exptrack\] output\.log was deleted while the run was going: the \d+ bytes of output before this line are lost\n/);
      assert.ok(log.includes('step=3999 '));
    });

    it('a journal folder deleted just before the command ends is noticed at the end', () => {
      fs.writeFileSync(path.join(dir, 'wipe.py'), [
        'import shutil, sys, time',
        'for i in range(100): print(f"step={i} acc={i/100}")',
        'sys.stdout.flush(); time.sleep(0.5)',
        'shutil.rmtree(sys.argv[1])',
      ].join('\n'));
      const r = exptrack(['run', '--', 'python3', 'wipe.py', path.join(dir, '.exptrack', 'journal')], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /was deleted while recording/);
      const run = showJson(dir);
      assert.equal(run.status, 'finished');
      assert.equal((run.metrics as Record<string, { count: number }>).acc.count, 100);
    });
  });

  describe('smaller (item 9)', () => {
    it('random bytes on stdout give no metrics (no one-letter keys out of binary noise)', () => {
      // xorshift32, seeded: the same 4 MB every time.
      let x = 0x9e3779b9;
      const bytes = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i++) {
        x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
        bytes[i] = x & 0xff;
      }
      const parser = new MetricParser();
      const found = [...parser.push(bytes), ...parser.end()];
      assert.deepEqual(found.map((m) => `${m.key}=${m.value}`), []);
      // A real line with a stray bad byte still counts.
      const p2 = new MetricParser();
      assert.deepEqual([...p2.push(Buffer.from('step=3 loss=1.5 \xff\n', 'latin1')), ...p2.end()].map((m) => m.key), ['loss']);
    });

    it('a folder of more than 5,000 entries that the run wrote into is an output, not an input', async () => {
      const data = path.join(dir, 'data');
      fs.mkdirSync(data);
      for (let i = 0; i < 5200; i++) fs.writeFileSync(path.join(data, `f${i}.txt`), 'x');
      const tracker = new ArtifactTracker(dir, dir, new FileHasher(null), [], [path.join(dir, '.exptrack')]);
      tracker.noteNamedPaths(['data'], Date.now());
      // The last entry the folder lists (in directory order, as opendir reads it; readdirSync sorts):
      // past the 5,000 its signature looks at.
      const d = fs.opendirSync(data);
      let last = '';
      for (let e = d.readSync(); e; e = d.readSync()) last = e.name;
      d.closeSync();
      await new Promise((r) => setTimeout(r, 20));
      fs.appendFileSync(path.join(data, last), 'written by the run');
      const [rec] = await tracker.finish([]);
      assert.equal(rec.path, 'data');
      assert.equal(rec.role, 'output');
    });

    it('a path with a line break in its name is recorded (named on the command line, and under an output folder)', async () => {
      const input = path.join(dir, 'in\nput.csv');
      fs.writeFileSync(input, 'a,b\n1,2\n');
      const tracker = new ArtifactTracker(dir, dir, new FileHasher(null), ['outputs/**'], [path.join(dir, '.exptrack')]);
      tracker.noteNamedPaths(['in\nput.csv', 'import os\nos.makedirs("x")'], Date.now() - 1000);
      fs.mkdirSync(path.join(dir, 'outputs', 'a\nb'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'outputs', 'a\nb', 'r.txt'), 'r');
      const recs = await tracker.finish([]);
      assert.deepEqual(recs.map((r) => `${r.role} ${r.path}`).sort(), ['input in\nput.csv', 'output outputs/a\nb/r.txt']);
    });

    it('a command that ignores SIGTERM and exits 0 is finished (tagged exptrack.stopRequested), not killed', async function () {
      if (process.platform === 'win32') this.skip();
      const script = 'import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint("ready", flush=True)\ntime.sleep(1.5)\nprint("done", flush=True)\n';
      fs.writeFileSync(path.join(dir, 'stubborn.py'), script);
      const child = spawn(process.execPath, [cli, 'run', '--', 'python3', 'stubborn.py'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready') && !child.killed) child.kill('SIGTERM');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, 0);
      assert.match(out, /done/);
      const run = showJson(dir);
      assert.equal(run.status, 'finished');
      assert.equal((run.tags as Record<string, string>)['exptrack.stopRequested'], 'true');
    });
  });
});
