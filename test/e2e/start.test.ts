// `npm start` (scripts/start.mjs): serves a real VS Code with the extension installed and the demo
// workspace; checked the way a user would, by opening the printed URL.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require('../harness/codeServer.cjs');

describe('npm start (the demo)', function () {
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  let ctx: BrowserContext | undefined;
  let runDir: string;

  after(async () => {
    await ctx?.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    // code-server may still be writing its state as it exits: retry rather than fail the suite.
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('prints a 127.0.0.1 URL that opens a workbench with the extension active', async () => {
    const port = await harness.freePort();
    child = spawn(process.execPath, [path.join(harness.ROOT, 'scripts/start.mjs')], {
      cwd: harness.ROOT, env: { ...process.env, EXPTRACK_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed in 120 s:\n${out}`)), 120_000);
      const check = () => {
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[0]); }
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) => { clearTimeout(timer); reject(new Error(`start exited (${code}):\n${out}`)); });
    });
    assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), url);
    runDir = harness.makeRunDir('start');
    const browser: BrowserContext = await harness.launchBrowser(runDir);
    ctx = browser;
    const page = browser.pages()[0] ?? await browser.newPage();
    await page.goto(url, { timeout: 180_000 });
    const item = page.locator('.activitybar [aria-label^="Experiments"]').first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await harness.runCommand(page, 'Experiments: Show Log');
    await page.waitForFunction(() => [...document.querySelectorAll('.panel .view-lines')].some((el) => /activated\s+in\s+[\d.]+\s+ms/.test(el.textContent ?? '')),
      undefined, { timeout: 30_000 });
    await item.click();
    const shots = path.join(harness.ROOT, 'test-results', 'e2e');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'npm-start.png') });
  });
});
