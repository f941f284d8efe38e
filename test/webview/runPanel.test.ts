import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunDetail } from '../../src/core/model';
import { runPanelUpdateIntervalMs } from '../../src/extension/panels/runPanel';
import { loadSnapshot } from './harness/fixtureDataSource';
import { openPanel, until, type OpenedPanel } from './harness/openPanels';
import { PanelBrowser, repoRoot } from './harness/panelBrowser';

const screenshots = path.join(repoRoot, 'test-results', 'panels');

/** A copy of a fixture run still recording, with `steps` points of loss so far. */
function liveRun(base: RunDetail, steps: number): RunDetail {
  const loss = Array.from({ length: steps }, (_, i) => [i, 2 / (1 + i / 50), base.startedAt + i * 1000] as [number, number, number]);
  return {
    ...base, status: 'running', endedAt: null, durationMs: null,
    metrics: { loss: { last: loss[steps - 1][1], min: loss[steps - 1][1], max: loss[0][1], count: steps, lastStep: steps - 1 } },
    series: { loss },
  };
}

describe('Run panel (Chromium)', function () {
  let browser: PanelBrowser;
  let opened: OpenedPanel | undefined;

  before(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    browser = await PanelBrowser.start();
  });
  after(async () => browser?.close());
  afterEach(async () => {
    opened?.manager.dispose();
    opened = undefined;
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`shows header, metrics, charts, params, artifacts, environment and output (${theme})`, async () => {
      const runs = loadSnapshot('compareRuns.json');
      opened = await openPanel(browser, 'run', runs, theme, ['run-3']);
      const { page } = opened;
      assert.equal(await page.textContent('.page-title'), 'wd=0.1 sgd');
      assert.equal(await page.getAttribute('body', 'data-charts-drawn'), '4');
      assert.equal(await page.$$eval('.metric-card', (c) => c.length), 4);
      assert.equal(await page.$$eval('.artifacts-table tbody tr', (r) => r.length), 2);
      assert.ok((await page.textContent('#environment'))!.includes('NVIDIA A100'));
      // Output as a terminal shows it: the redraw replaced its line, no escape sequence is left.
      assert.equal(await page.textContent('pre.output'), 'epoch 1 loss=2.31\nepoch 2 loss=1.02\n100%|##########| 2/2\n<b>not bold</b> done for run-3');
      assert.equal(await page.$$eval('pre.output b', (b) => b.length), 0);
      assert.equal(opened.panel.title, 'Run: wd=0.1 sgd');
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
      assert.deepEqual(opened.page.__errors, []);
      await page.screenshot({ path: path.join(screenshots, `run-${theme}.png`), fullPage: true });
    });
  }

  it('draws the experiment\'s headline metric across its runs, this run and the baseline marked', async () => {
    const runs = loadSnapshot('compareRuns.json').map((r) => (r.id === 'run-1' ? { ...r, tags: { ...r.tags, 'exptrack.baseline': '1' } } : r));
    opened = await openPanel(browser, 'run', runs, 'dark', ['run-3']);
    const { page } = opened;
    await page.waitForSelector('#trend:not([hidden]) .trend[data-points="4"]');
    assert.equal(await page.textContent('.trend-caption'), 'val/accuracy over 4 runs of train (higher is better): best 0.9235 (first run 0.8891).');
    // A run alone in its experiment has no trend to draw.
    opened.manager.dispose();
    opened = await openPanel(browser, 'run', runs.slice(0, 1), 'dark', ['run-0']);
    await opened.page.waitForSelector('.metric-card');
    assert.equal(await opened.page.$eval('#trend', (el) => (el as HTMLElement).hidden), true);
    assert.deepEqual(opened.page.__errors, []);
  });

  it('shows a run, param, metric key, tag, note and artifact path that look like HTML as text', async () => {
    const evil = '<img src=x onerror="window.__xss=1">';
    const r = loadSnapshot('compareRuns.json')[0];
    const run = {
      ...r, name: evil, note: evil, tags: { [evil]: evil }, params: { [evil]: evil },
      metrics: { [evil]: r.metrics.loss }, series: { [evil]: r.series!.loss },
      artifacts: [{ ...r.artifacts[0], path: evil }], environment: { [evil]: evil },
    } as RunDetail;
    opened = await openPanel(browser, 'run', [run]);
    const { page } = opened;
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.equal(await page.textContent('.page-title'), evil);
    assert.equal(await page.textContent('.note'), evil);
    assert.equal(await page.textContent('.artifact-link'), evil);
    assert.equal(await page.textContent('.chart-title'), evil);
    assert.ok((await page.textContent('#params'))!.includes(evil));
    assert.ok((await page.textContent('#environment'))!.includes(evil));
    assert.equal(opened.panel.title, `Run: ${evil}`);
  });

  it('opens an artifact through the host', async () => {
    opened = await openPanel(browser, 'run', loadSnapshot('compareRuns.json'), 'dark', ['run-0']);
    await opened.page.click('.artifact-link >> nth=1');
    await until(() => opened!.wb.executed.some((e) => e.command === 'vscode.open'));
    const open = opened.wb.executed.find((e) => e.command === 'vscode.open');
    assert.ok(open, JSON.stringify(opened.wb.executed));
    assert.equal((open.args[0] as { path: string }).path, '/work/demo/out/model-0.pt');
  });

  it('gives a metric that first appears while the run records its direction arrow', async () => {
    const base = loadSnapshot('compareRuns.json')[0];
    opened = await openPanel(browser, 'run', [liveRun(base, 100)], 'dark', ['run-0']);
    const { page, data } = opened;
    assert.equal(await page.textContent('.metric-card[data-metric="loss"] .metric-card-key'), 'loss ↓');
    const later = liveRun(base, 110);
    data.put({
      ...later,
      metrics: { ...later.metrics, val_accuracy: { last: 0.8, min: 0.7, max: 0.8, count: 2, lastStep: 109 } },
      series: { ...later.series, val_accuracy: [[99, 0.7, base.startedAt + 99000], [109, 0.8, base.startedAt + 109000]] },
    });
    data.fire(['run-0']);
    await page.waitForSelector('.metric-card[data-metric="val_accuracy"]');
    assert.equal(await page.textContent('.metric-card[data-metric="val_accuracy"] .metric-card-key'), 'val_accuracy ↑');
  });

  it('follows a live run at most 4 times a second', async () => {
    const base = loadSnapshot('compareRuns.json')[0];
    opened = await openPanel(browser, 'run', [liveRun(base, 100)], 'dark', ['run-0']);
    const { page, panel, data } = opened;
    assert.ok(await page.$('.status-running .codicon-loading'));
    const before = panel.webview.sent.length;
    const started = Date.now();
    // 50 store changes in ~1 s, as a fast training loop would cause.
    for (let i = 1; i <= 50; i++) {
      data.put(liveRun(base, 100 + i * 10));
      data.fire(['run-0']);
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = Date.now() - started;
    await new Promise((r) => setTimeout(r, runPanelUpdateIntervalMs + 50));
    await panel.webview.flushed();
    const updates = panel.webview.sent.slice(before).filter((m) => (m as { type: string }).type === 'runUpdated').length;
    const allowed = Math.ceil((elapsed + runPanelUpdateIntervalMs) / runPanelUpdateIntervalMs) + 1;
    assert.ok(updates >= 2 && updates <= allowed, `${updates} updates in ${elapsed} ms (allowed ${allowed})`);
    // The last state arrives (trailing update): 600 points, last step 599.
    await page.waitForFunction(() => document.querySelector('.metric-card[data-metric="loss"] .metric-card-value')?.getAttribute('title') === 'last, at step 599');
    assert.equal(await page.getAttribute('.chart-card[data-key="loss"]', 'data-points'), '600');
  });
});
