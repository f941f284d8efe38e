// End to end (issue 17's check): in a real VS Code (code-server in headless chromium, packaged VSIX), a
// run regresses because its input data changed while params and code stayed the same: the notification
// appears, Explain ranks the data change first and opens it. Screenshots go to test-results/e2e/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require('../harness/codeServer.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeWorkspace } = require('../harness/workspace.cjs');

const shots = path.join(harness.ROOT, 'test-results', 'e2e');

describe('explain a regression (packaged VSIX in a real VS Code)', function () {
  this.timeout(300_000);
  let runDir: string;
  let workspace: string;
  let cs: any;
  let ctx: BrowserContext;
  let page: Page;

  const cli = (...args: string[]) => execFileSync(process.execPath, [path.join(harness.ROOT, 'dist/cli.js'), ...args],
    { cwd: workspace, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
  const train = ['run', '--experiment', 'data-drift', '--', 'python3', 'train.py', '--lr', '0.1', '--epochs', '6', '--sleep', '0', '--data', 'data/train.csv'];

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    runDir = harness.makeRunDir('e2e-explain');
    const vsix = path.join(runDir, 'exptrack.vsix');
    execFileSync(process.execPath, [path.join(harness.ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix],
      { cwd: harness.ROOT, stdio: 'pipe' });
    const extensionsDir = path.join(runDir, 'extensions');
    harness.installVsix({ vsix, runDir, extensionsDir });
    workspace = makeWorkspace(path.join(runDir, 'workspace'));
    // The baseline's run, recorded with the CLI before the editor opens (chosen in the Runs view below).
    cli(...train);
    cs = await harness.startCodeServer({ runDir, workspace, extensionsDir, settings: { 'workbench.tree.expandMode': 'doubleClick' } });
    ctx = await harness.launchBrowser(runDir);
    page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`${cs.base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await ctx?.close().catch(() => undefined);
    await harness.stopCodeServer(cs);
    if (!process.env.KEEP_RUN && runDir) fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(shots, `failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  });

  it('announces a run worse than its baseline after its input data changed, marks it in the Runs view, and Explain puts the data change first', async () => {
    await page.locator('.activitybar [aria-label^="Experiments"]').first().click();
    const sidebar = page.locator('.sidebar');
    await sidebar.locator('.monaco-list-row', { hasText: 'data-drift' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const group = sidebar.locator('.monaco-list-row[aria-level="1"]', { hasText: 'data-drift' });
    const expand = async () => {
      for (let i = 0; i < 20 && (await group.getAttribute('aria-expanded')) !== 'true'; i++) {
        await group.click();
        await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(250);
      }
    };
    await expand();
    // Set as Baseline from the run's context menu.
    const first = sidebar.locator('.monaco-list-row[aria-level="2"]').first();
    await first.click();
    await first.click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Set as Baseline' }).first().hover();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.sidebar .monaco-list-row[aria-level="2"]')].some((r) => /val_acc · baseline · /.test((r.textContent ?? '').replace(/\s+/g, ' '))),
      undefined, { timeout: 30_000 });
    assert.match(cli('baseline', '--show', 'data-drift'), /\S+ \S+/, 'the CLI reads the baseline the editor set');

    // Same code, same params; the validation rows' labels flipped (a broken data export).
    const file = path.join(workspace, 'data', 'train.csv');
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const firstVal = 1 + Math.floor((lines.length - 1) * 0.8);
    fs.writeFileSync(file, `${lines.map((l, i) => (i >= firstVal ? l.replace(/,([01])$/, (_m, y: string) => `,${1 - Number(y)}`) : l)).join('\n')}\n`);
    const stderr = (() => {
      try { cli(...train); return ''; } catch (e) { return String((e as { stderr?: string }).stderr ?? e); }
    })();
    assert.equal(stderr, '', 'the run itself exits 0 (no --fail-on-regression)');

    // The editor sees the CLI's run end (through its journal) and says it once, with Explain and Compare.
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /worse than baseline/ }).first();
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /val_(loss|acc) [\d.]+ is [\d.]+% worse than baseline \S+ \([\d.]+\)/);
    await page.screenshot({ path: path.join(shots, 'regression-notification.png') });

    // The Runs view marks the run.
    await expand();
    await sidebar.locator('.monaco-list-row[aria-level="2"] .codicon-warning').first().waitFor({ state: 'visible', timeout: 30_000 });
    const rows = (await sidebar.locator('.monaco-list-row[aria-level="2"]').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    assert.ok(rows.some((t) => /[\d.]+ val_acc · worse than baseline · /.test(t)) && rows.some((t) => /[\d.]+ val_acc · baseline · /.test(t)), rows.join(' | '));

    await toast.locator('.monaco-button', { hasText: 'Explain' }).click();
    await page.locator('.tab', { hasText: /^Explain: / }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    const top = frame.locator('.explain-items > li').first();
    await top.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await top.getAttribute('data-kind'), 'data');
    assert.match(await top.innerText(), /data\/train\.csv changed/);
    assert.match(await top.innerText(), /the only recorded difference/);
    // Params and code are the same: neither is listed (the CSV is in git, but it is data, said once).
    const kinds = await frame.locator('.explain-items > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    assert.ok(!kinds.includes('param') && !kinds.includes('code'), kinds.join(','));
    await page.locator('.part.panel .codicon-panel-close, .part.panel .codicon-close').first().click().catch(() => undefined);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, 'explain.png') });

    // One click to the evidence: the data file opens in an editor.
    await top.locator('vscode-button', { hasText: 'Open File' }).click();
    await page.locator('.tab', { hasText: 'train.csv' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });
});
