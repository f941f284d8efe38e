import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackgroundFold } from '../../src/cli/recordingWorker';
import { backgroundFolds } from '../../src/core/store/backgroundFolds';
import { JournalAppender } from '../../src/core/store/journalAppender';
import { Store } from '../../src/core/store/store';

const root = path.resolve(__dirname, '..', '..', '..');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const madeDirs: string[] = [];
after(() => { for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true }); });
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(d);
  return d;
}

/** A run journaled the way `exptrack run` does (no database loaded), not folded yet. */
function journalRun(dir: string, id: string, points: number): void {
  const a = JournalAppender.open(dir, quiet);
  a.sink.startRun({ id, experiment: 'exp', name: id, command: 'train', cwd: dir, startedAt: Date.now(), source: 'cli' });
  for (let from = 0; from < points; from += 1000) {
    a.sink.metrics(id, Array.from({ length: Math.min(1000, points - from) }, (_, i) => ({ key: 'loss', step: from + i, value: 1 / (from + i + 1), time: from + i })));
  }
  a.sink.endRun(id, { endedAt: Date.now(), exitCode: 0, signal: null, status: 'finished' });
  a.close();
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('Failures are never silent (issue 14, item 6)', function () {
  this.timeout(180_000);
  // A private build of the CLI: others rebuild dist/ while tests run.
  const binDir = tempDir('exptrack-fail-bin-');
  const cli = path.join(binDir, 'cli.js');
  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
    assert.equal(b.status, 0, 'build the CLI');
  });

  for (const how of ['runs out of memory', 'is killed (-9, as the OOM killer does)'] as const) {
    it(`a background exptrack _fold that ${how}: doctor says so, the next writer says it once and folds everything`, async () => {
      const dir = path.join(tempDir('exptrack-fail-'), '.exptrack');
      journalRun(dir, 'big', 200_000);
      const env = how === 'runs out of memory' ? { ...process.env, NODE_OPTIONS: '--max-old-space-size=6' } : process.env;
      startBackgroundFold(cli, dir, env);
      if (how !== 'runs out of memory') {
        let pid: number | null = null;
        assert.ok(await waitFor(() => { pid = backgroundFolds(dir)[0]?.pid ?? null; return pid !== null; }, 30_000), 'the fold started');
        process.kill(pid!, 'SIGKILL');
      }
      assert.ok(await waitFor(() => backgroundFolds(dir).every((f) => !f.running), 60_000), 'the fold ended');
      const failed = backgroundFolds(dir);
      assert.equal(failed.length, 1, 'its log stays');
      // `exptrack doctor` (a read-only store) names it; the run reads from the journal meanwhile.
      const reader = await Store.open(dir, { logger: quiet, readOnly: true });
      const problems = reader.doctor().problems.filter((p) => p.includes('background fold'));
      assert.equal(problems.length, 1, reader.doctor().problems.join('\n'));
      console.log(`      doctor: ${problems[0].slice(0, 300)}`);
      assert.match(problems[0], how === 'runs out of memory' ? /ended without finishing: .*(heap|memory)/i : /ended without finishing: it said nothing \(killed, or out of memory\)/);
      assert.equal(reader.series('big', 'loss').steps.length, 200_000);
      await reader.close();
      // The next writer (the editor, exptrack run) says it once as an error, folds, saves, and forgets it.
      const errors: string[] = [];
      const writer = await Store.open(dir, { logger: { ...quiet, error: (m) => errors.push(m) } });
      await writer.flush();
      await writer.close();
      assert.equal(errors.filter((e) => e.includes('ended without finishing')).length, 1, errors.join('\n'));
      assert.equal(backgroundFolds(dir).length, 0);
      const after = await Store.open(dir, { logger: quiet, readOnly: true });
      assert.deepEqual(after.doctor().problems, []);
      assert.equal(after.getRun('big')!.metrics.loss.count, 200_000);
      await after.close();
    });
  }

  it('a background fold that finishes leaves no log', async () => {
    const dir = path.join(tempDir('exptrack-fail-'), '.exptrack');
    journalRun(dir, 'small', 1000);
    startBackgroundFold(cli, dir, process.env);
    assert.ok(await waitFor(() => backgroundFolds(dir).length === 0, 60_000), 'log removed');
    const r = await Store.open(dir, { logger: quiet, readOnly: true });
    assert.equal(r.getRun('small')!.metrics.loss.count, 1000);
    assert.equal(r.doctor().journals.length, 0, 'folded and saved by the background fold');
    await r.close();
  });
});
