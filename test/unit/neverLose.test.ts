// Issue #19: full disks, a deleted .exptrack, a FIFO as the channel, pipes closed early, odd output.
// Each test drives the real CLI (a private build) or the real classes on real files.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
// A private build of the CLI: others rebuild dist/ (which wipes it) while tests run.
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-neverlose-bin-'));
const cli = path.join(binDir, 'cli.js');

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

describe('never lose (issue #19)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
    assert.equal(b.status, 0, 'build the CLI');
  });
  after(() => fs.rmSync(binDir, { recursive: true, force: true }));
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
});
