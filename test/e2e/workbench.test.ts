// End to end: a new user's VS Code (code-server 4.100.3 in headless chromium) with the packaged VSIX
// installed, clicked through like a person would. Screenshots go to test-results/e2e/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { backgroundFolds } from '../../src/core/store/backgroundFolds';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harness = require('../harness/codeServer.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeWorkspace } = require('../harness/workspace.cjs');

const shots = path.join(harness.ROOT, 'test-results', 'e2e');

describe('workbench (packaged VSIX in a real VS Code)', function () {
  this.timeout(300_000);
  let runDir: string;
  let cs: any;
  let ctx: BrowserContext;
  let page: Page;
  let vsix: string;

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    runDir = harness.makeRunDir('e2e');
    vsix = path.join(runDir, 'exptrack.vsix');
    execFileSync(process.execPath, [path.join(harness.ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix],
      { cwd: harness.ROOT, stdio: 'pipe' });
    const extensionsDir = path.join(runDir, 'extensions');
    harness.installVsix({ vsix, runDir, extensionsDir });
    const workspace = makeWorkspace(path.join(runDir, 'workspace'));
    // A few runs recorded beforehand with the CLI, as a user sweeping a learning rate would.
    for (const [lr, epochs] of [['0.02', '4'], ['0.1', '6'], ['0.5', '5']]) {
      // The last run has an uncommitted change: its code snapshot differs from the first run's.
      if (lr === '0.5') fs.appendFileSync(path.join(workspace, 'train.py'), '\n# tried: a larger learning rate\n');
      execFileSync(process.execPath, [path.join(harness.ROOT, 'dist/cli.js'), 'run', '--experiment', 'lr-sweep', ...(lr === '0.1' ? ['--tag', 'best'] : []), '--', 'python3', 'train.py',
        '--lr', lr, '--epochs', epochs, '--sleep', '0', '--data', 'data/train.csv'],
        // EXPTRACK_DIR: the workspace's own store, even if a folder above it has one.
        { cwd: workspace, stdio: 'ignore', env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
    }
    // Single clicks select (as many users set it), so a click can multi-select runs without expanding them.
    cs = await harness.startCodeServer({ runDir, workspace, extensionsDir, settings: { 'workbench.tree.expandMode': 'doubleClick' } });
    ctx = await harness.launchBrowser(runDir);
    page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error' && process.env.E2E_DEBUG) console.log(`[browser] ${m.text()}`); });
    await page.goto(`${cs.base}/?folder=${encodeURIComponent(workspace)}`, { timeout: 180_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await ctx?.close().catch(() => undefined);
    await harness.stopCodeServer(cs);
    if (!process.env.KEEP_RUN && runDir) {
      // The CLI's big runs end with a detached `exptrack _fold`, which may still be saving into the
      // workspace: removing the folder under it fails (ENOTEMPTY). Wait while a fold runs or holds the
      // store's lock, then remove (retrying, should one start just then).
      const exptrackDir = path.join(runDir, 'workspace', '.exptrack');
      const folding = (): boolean => fs.existsSync(path.join(exptrackDir, 'lock')) || backgroundFolds(exptrackDir).some((f) => f.running);
      for (const end = Date.now() + 60_000; folding() && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
      fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(shots, `failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  });

  it('ships only the allow-listed files in the VSIX', () => {
    const listing = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const files = listing.filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
    // vsce stores readme.md and changelog.md in lower case.
    const allowed = /^(dist\/|media\/|package\.json$|readme\.md$|license(\.txt)?$|changelog\.md$)/i;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
    assert.ok(files.includes('dist/extension.js') && files.includes('dist/sql-wasm.wasm'));
    // The `exptrack` launchers the extension puts on its terminals' PATH, executable once installed.
    assert.ok(files.includes('dist/bin/exptrack') && files.includes('dist/bin/exptrack.cmd') && files.includes('dist/cli.js'));
    const installed = fs.readdirSync(path.join(runDir, 'extensions')).find((d) => d.startsWith('exptrack.exptrack-'));
    assert.ok(installed, 'the VSIX is installed');
    const launcher = path.join(runDir, 'extensions', installed, 'dist', 'bin', 'exptrack');
    assert.ok(fs.statSync(launcher).mode & 0o100, `${launcher} is executable`);
    assert.equal(execFileSync(launcher, ['--version'], { encoding: 'utf8', env: { ...process.env, EXPTRACK_NODE: process.execPath } }).trim(),
      JSON.parse(fs.readFileSync(path.join(harness.ROOT, 'package.json'), 'utf8')).version);
  });

  it('opens the Experiments container with the Runs and Artifacts views', async () => {
    const item = page.locator('.activitybar [aria-label^="Experiments"]').first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    const sidebar = page.locator('.sidebar');
    await sidebar.locator('.pane-header', { hasText: 'Runs' }).waitFor({ state: 'visible' });
    await sidebar.locator('.pane-header', { hasText: 'Artifacts' }).waitFor({ state: 'visible' });
    // The runs recorded before the workbench opened show (not the welcome for a workspace without runs).
    await sidebar.locator('.monaco-list-row', { hasText: 'lr-sweep' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await sidebar.getByText('No runs recorded yet', { exact: false }).count(), 0);
    await page.screenshot({ path: path.join(shots, 'experiments-container.png') });
  });

  it('lists the recorded runs in the Runs view', async () => {
    const sidebar = page.locator('.sidebar');
    await sidebar.locator('.monaco-list-row', { hasText: 'lr-sweep' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const rows = sidebar.locator('[id="workbench.view.extension.exptrack"] .monaco-list-row, .monaco-list-row');
    await page.waitForFunction(() => document.querySelectorAll('.sidebar .monaco-list-row .codicon-pass').length >= 3, undefined, { timeout: 30_000 });
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    // Tags after the name; the value first in the description (a narrow sidebar cuts its end, not the number).
    assert.ok(texts.some((t) => / #best\s*[\d.]+ val_acc · /.test(t)), `a run row shows its tags and leads with its headline metric: ${texts.join(' | ')}`);
  });

  it('shows the CodeLens above train.py, the values of --lr on hover, and the experiment\'s trend', async () => {
    // The first run of the sweep becomes the baseline (with the CLI; cleared at the end: the runs worse
    // than a baseline get a warning mark, which the next tests do not expect).
    const workspace = path.join(runDir, 'workspace');
    const cli = (...args: string[]): string => execFileSync(process.execPath, [path.join(harness.ROOT, 'dist/cli.js'), ...args],
      { cwd: workspace, encoding: 'utf8', env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
    const sweep = JSON.parse(cli('ls', '--json')) as { id: string; command: string }[];
    cli('baseline', sweep.find((r) => r.command.includes('--lr 0.02'))!.id);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('train.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'train.py' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'train.py' }).waitFor({ state: 'visible' });
    // The lens over `if __name__ == "__main__":` (scrolled into view) with the last run against the baseline.
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+End');
    const lens = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration').first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => /vs baseline/.test(document.querySelector('.codelens-decoration')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const text = (await lens.textContent())!.replace(/\s+/g, ' ');
    assert.match(text, /last: val_acc [\d.]+ \([+-][\d.]+% vs baseline(, worse)?\) · 3 runs \| Re-run \| Compare/);
    await page.screenshot({ path: path.join(shots, 'codelens.png') });
    // Hover the --lr flag: the three values the sweep used, and which gave the best val_acc.
    await page.keyboard.press('Control+Home');
    // The token's own span (the line's outer span would put the mouse mid-line).
    await page.locator('.view-line span span', { hasText: /^"--lr"$/ }).first().hover();
    const hover = page.locator('.monaco-hover-content', { hasText: 'across 3 runs' }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await hover.textContent())!, /Best val_acc/);
    await page.screenshot({ path: path.join(shots, 'flag-hover.png') });
    // The lens's title opens the last run: its panel draws the experiment's val_acc across the runs.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+End');
    await page.locator('.codelens-decoration a', { hasText: 'last:' }).first().click();
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#trend:not([hidden]) .trend[data-points="3"]').waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('#trend').scrollIntoViewIfNeeded();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(shots, 'trend.png') });
    await harness.runCommand(page, 'View: Close All Editors');
    await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    cli('baseline', '--clear', 'lr-sweep');
    await page.waitForFunction(() => document.querySelectorAll('.sidebar .monaco-list-row .codicon-pass').length >= 3, undefined, { timeout: 30_000 });
  });

  it('runs the current file with tracking from the palette', async () => {
    await harness.runCommand(page, 'Go to File...').catch(() => undefined);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('train.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'train.py' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'train.py' }).waitFor({ state: 'visible' });
    // The palette offers the command where the focused editor is Python: focus the editor's text first.
    await page.locator('.editor-instance .view-lines').first().click();
    await harness.runCommand(page, 'Experiments: Run Current File with Tracking');
    // The task terminal shows the recorder's banner and the script's own output.
    await page.locator('.terminal-wrapper, .xterm').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.sidebar .monaco-list-row', { hasText: 'train.py' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('.sidebar .monaco-list-row .codicon-pass').length >= 4, undefined, { timeout: 60_000 });
    // Run it again unchanged: the task terminal says which earlier run this one repeats.
    await page.locator('.editor-instance .view-lines').first().click();
    await harness.runCommand(page, 'Experiments: Run Current File with Tracking');
    await page.waitForFunction(() => document.querySelectorAll('.sidebar .monaco-list-row .codicon-pass').length >= 5, undefined, { timeout: 60_000 });
    // Expand the newest run's metrics for the screenshot.
    const newest = page.locator('.sidebar .monaco-list-row', { hasText: 'train.py' }).first();
    await newest.click();
    const run = page.locator('.sidebar .monaco-list-row[aria-level="2"]').first();
    await run.click();
    await page.keyboard.press('ArrowRight');
    await page.locator('.sidebar .monaco-list-row', { hasText: 'Metrics' }).first().click();
    await page.keyboard.press('ArrowRight');
    await page.locator('.sidebar .monaco-list-row', { hasText: 'val_acc' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: path.join(shots, 'runs-tree.png') });
  });

  it('compares two runs in the Compare panel, in dark and light themes', async () => {
    const sidebar = page.locator('.sidebar');
    // Collapse what the previous test expanded, then multi-select two lr-sweep runs.
    await sidebar.locator('.pane-header', { hasText: 'Runs' }).hover();
    await sidebar.locator('.pane-header .action-label[aria-label="Collapse All"]').first().click();
    const group = sidebar.locator('.monaco-list-row[aria-level="1"]', { hasText: 'lr-sweep' });
    await group.click();
    await page.keyboard.press('ArrowRight');
    const sweepRuns = sidebar.locator('.monaco-list-row[aria-level="2"]');
    await sweepRuns.nth(2).waitFor({ state: 'visible' });
    await sweepRuns.nth(0).click();
    await sweepRuns.nth(2).click({ modifiers: ['Control'] });
    await sweepRuns.nth(2).click({ button: 'right' });
    // The workbench's context menu acts on mouse up inside its shadow root; choosing by keyboard is reliable.
    await page.locator('.context-view .action-label', { hasText: 'Compare Runs…' }).first().hover();
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'Compare: 2 runs' }).waitFor({ state: 'visible', timeout: 30_000 });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    // Room for the panel: hide the terminal area, as a user comparing runs would.
    await page.locator('.panel .action-label[aria-label^="Hide Panel"], .part.panel .codicon-panel-close, .part.panel .codicon-close').first().click().catch(() => undefined);
    await page.waitForTimeout(1500); // charts animate in
    await page.screenshot({ path: path.join(shots, 'compare-dark.png') });
    await frame.locator('canvas').first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, 'compare-charts-dark.png') });
    // Switch to the light theme from the Manage menu, as a user would.
    await page.locator('.activitybar .action-label[aria-label^="Manage"]').first().click();
    await page.locator('.context-view .action-label', { hasText: 'Themes' }).first().hover();
    await page.keyboard.press('ArrowRight');
    await page.locator('.context-view .action-label', { hasText: 'Color Theme' }).first().hover();
    await page.keyboard.press('Enter');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Light Modern');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Light Modern' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-workbench.vs').waitFor({ state: 'attached', timeout: 20_000 });
    // Back to the top of the panel (it is still scrolled to the charts from the dark shots).
    await frame.locator('body').evaluate(() => {
      for (const e of [document.scrollingElement, ...document.querySelectorAll('*')]) if (e && e.scrollTop > 0) e.scrollTop = 0;
    });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(shots, 'compare-light.png') });
    await frame.locator('canvas').first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, 'compare-charts-light.png') });
    // The code that differs between the two runs opens in VS Code's own diff editor.
    const changed = frame.locator('.code-view li[data-path="train.py"]');
    await changed.scrollIntoViewIfNeeded({ timeout: 30_000 });
    await changed.locator('button').click();
    await page.locator('.tab', { hasText: /train\.py \(.*↔.*\)/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible' });
    // Both sides come from the runs' git snapshots (exptrack-snapshot: documents).
    // The diff editor scrolls to the change (side by side or inline, by width): the added line shows.
    await page.waitForFunction(() => [...document.querySelectorAll('.monaco-diff-editor .view-lines')].some((el) => /tried:\s+a\s+larger\s+learning\s+rate/.test(el.textContent ?? '')),
      undefined, { timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, 'code-diff.png') });
  });

  it('shows the lineage of a run', async () => {
    // Room for the graph: close the editors opened so far.
    for (const title of ['Compare: 2 runs', 'train.py']) {
      const tab = page.locator('.tab', { hasText: title }).first();
      if (await tab.count()) { await tab.hover(); await tab.locator('.codicon-close').click(); }
    }
    const sidebar = page.locator('.sidebar');
    const run = sidebar.locator('.monaco-list-row[aria-level="2"]').first();
    await run.click();
    await run.click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Show Lineage' }).first().hover();
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: /Lineage/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await frame.locator('svg.lineage-svg .node-run').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await frame.locator('svg.lineage-svg .node-artifact').count(), 2, 'the run\'s input and output');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(shots, 'lineage.png') });
  });

  it('runs a command from the palette', async () => {
    await harness.runCommand(page, 'Experiments: Show Log');
    const output = page.locator('.panel .output-view, .panel [id="workbench.panel.output"]').first();
    await output.waitFor({ state: 'visible', timeout: 20_000 });
    // Monaco renders only the lines in view: the Output view's filter brings each line looked for
    // into view, as a user would find it. Its text is split across token spans: read lines whole.
    const filter = page.locator('.panel .viewpane-filter input').first();
    const shows = async (text: string, line: RegExp): Promise<void> => {
      await filter.fill(text);
      await page.waitForFunction((source) => [...document.querySelectorAll('.panel .view-lines')].some((el) => new RegExp(source).test(el.textContent ?? '')),
        line.source, { timeout: 20_000 });
    };
    await shows('activated', /activated\s+in\s+[\d.]+\s+ms/);
    // The second "Run Current File" repeated the first one exactly: the hint is in the log too.
    await shows('repeats', /repeats\s+\S+\s+\(same\s+command/);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(shots, 'show-log.png') });
    await filter.fill('');
  });
  it('records two long runs with the CLI while the workbench is open and compares them from their overviews', async () => {
    // 60,000 steps each, printed as fast as python can: the CLI records them through its worker and
    // a background fold; the editor folds the journals meanwhile and its charts read the overviews.
    const workspace = path.join(runDir, 'workspace');
    const script = 'import math\nfor i in range(60000):\n    print(f"step={i} loss={1 + math.exp(-i / 9000) + 0.05 * math.sin(i / 40):.5f} acc={i / 60000:.4f}")\n';
    fs.writeFileSync(path.join(workspace, 'long.py'), script);
    for (const seed of ['1', '2']) {
      execFileSync(process.execPath, [path.join(harness.ROOT, 'dist/cli.js'), 'run', '--experiment', 'long', '--name', `long-${seed}`, '--', 'python3', 'long.py', '--seed', seed],
        { cwd: workspace, stdio: 'ignore', env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
    }
    for (const title of ['Lineage']) {
      const tab = page.locator('.tab', { hasText: title }).first();
      if (await tab.count()) { await tab.hover(); await tab.locator('.codicon-close').click(); }
    }
    const sidebar = page.locator('.sidebar');
    await sidebar.locator('.pane-header', { hasText: 'Runs' }).hover();
    await sidebar.locator('.pane-header .action-label[aria-label="Collapse All"]').first().click();
    const group = sidebar.locator('.monaco-list-row[aria-level="1"]', { hasText: 'long' });
    await group.waitFor({ state: 'visible', timeout: 30_000 });
    // The tree refreshes while the editor folds the CLI's journals: expand until it stays expanded.
    for (let i = 0; i < 20 && (await group.getAttribute('aria-expanded')) !== 'true'; i++) {
      await group.click();
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(250);
    }
    const runs = sidebar.locator('.monaco-list-row[aria-level="2"]', { hasText: /long-[12]/ });
    await runs.nth(1).waitFor({ state: 'visible' });
    // Both finished, with every point folded (the headline metric shows once the summary is in).
    await page.waitForFunction(() => [...document.querySelectorAll('.sidebar .monaco-list-row[aria-level="2"]')]
      .filter((r) => /long-[12]/.test(r.textContent ?? '') && r.querySelector('.codicon-pass')).length === 2, undefined, { timeout: 60_000 });
    await runs.nth(0).click();
    await runs.nth(1).click({ modifiers: ['Control'] });
    await runs.nth(1).click({ button: 'right' });
    const t0 = Date.now();
    await page.locator('.context-view .action-label', { hasText: 'Compare Runs…' }).first().hover();
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'Compare: 2 runs' }).waitFor({ state: 'visible', timeout: 30_000 });
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await frame.locator('body[data-charts-drawn="2"]').waitFor({ state: 'attached', timeout: 30_000 });
    console.log(`      Compare of 2 x 60,000-step runs (2 metrics): command -> charts drawn ${Date.now() - t0} ms (seen from the test)`);
    // Each chart holds the overview of both runs: at most the point budget per run, never the raw series.
    const points = await frame.locator('.chart-card').evaluateAll((cards) => cards.map((c) => Number((c as HTMLElement).dataset.points)));
    assert.equal(points.length, 2, `charts: ${points}`);
    for (const n of points) assert.ok(n > 200 && n <= 2 * 2000, `points per chart ${n}`);
    await frame.locator('canvas').first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, 'compare-long-runs.png') });
  });
});
