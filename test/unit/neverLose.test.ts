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
    it('never blocks on it: the run ends, says the channel is not a regular file, and keeps the console metrics', async () => {
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
});
