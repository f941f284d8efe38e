// `exptrack parse` says so when a log printed name/value pairs and none became a metric (issue #15).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parseCommand } from '../../src/cli/parseCommand';

async function run(text: string): Promise<{ stdout: string; stderr: string }> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-parse-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await parseCommand(['-'], { cwd, env: {}, stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } }, Readable.from([Buffer.from(text)]));
    assert.equal(code, 0);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
  return { stdout, stderr };
}

describe('exptrack parse: a log whose pairs gave no metric', () => {
  it('says how many pairs were read and how to add a pattern', async () => {
    const { stdout, stderr } = await run('step 1 x=0.5 y=3\nstep 2 x=0.4 y=3\n');
    assert.equal(stdout, '');
    assert.match(stderr, /4 name\/value pairs read, none of them a metric/);
    assert.match(stderr, /metrics\.patterns/);
  });

  it('says nothing when metrics were found, or when nothing looked like a pair', async () => {
    assert.equal((await run('step 1 loss=0.5 x=0.5\n')).stderr, '');
    assert.equal((await run('hello\nworld\n')).stderr, '');
  });
});
