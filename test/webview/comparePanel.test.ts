import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunDetail } from '../../src/core/model';
import { loadSnapshot } from './harness/fixtureDataSource';
import { openPanel, until, waitForCharts, type OpenedPanel } from './harness/openPanels';
import { PanelBrowser, repoRoot } from './harness/panelBrowser';
import { themes } from './harness/themes';

const screenshots = path.join(repoRoot, 'test-results', 'panels');

describe('Compare panel (Chromium)', function () {
  let browser: PanelBrowser;
  let opened: OpenedPanel | undefined;
  const runs = () => loadSnapshot('compareRuns.json');

  before(async function () {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'webview', 'compare.js')), 'run `node esbuild.mjs` first');
    fs.mkdirSync(screenshots, { recursive: true });
    browser = await PanelBrowser.start();
  });
  after(async () => browser?.close());
  afterEach(async () => {
    opened?.manager.dispose();
    opened = undefined;
  });

  /** Scrolls a chart to the middle of the viewport (the sticky header must not cover it) and measures its canvas. */
  const canvasBox = async (o: OpenedPanel, card: string) => {
    await o.page.$eval(`${card} canvas`, (c) => c.scrollIntoView({ block: 'center' }));
    return (await o.page.locator(`${card} canvas`).boundingBox())!;
  };

  const rowsOf = (o: OpenedPanel, selector: string) => o.page.$$eval(selector, (els) => els.map((e) => e.getAttribute('data-param') ?? e.getAttribute('data-metric') ?? ''));

  it('draws runs, tables and one chart per metric under the strict CSP, with no errors', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    assert.equal(await page.getAttribute('body', 'data-charts-drawn'), '4');
    assert.deepEqual(await page.$$eval('.runs-table tbody tr', (r) => r.map((x) => x.getAttribute('data-run'))), ['run-0', 'run-1', 'run-2', 'run-3']);
    assert.deepEqual(await rowsOf(opened, '.metrics-table tbody tr'), ['loss', 'lr', 'val/accuracy', 'val/loss']);
    // Each chart received at most 2,000 points per run, as typed arrays.
    const init = opened.panel.webview.sent.find((m) => (m as { type: string }).type === 'init') as { series: { steps: unknown }[] };
    assert.ok(init.series.every((s) => s.steps instanceof Float64Array));
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(opened.page.__errors, []);
    await page.screenshot({ path: path.join(screenshots, 'compare-dark.png'), fullPage: true });
  });

  it('is readable in high contrast (screenshot)', async () => {
    opened = await openPanel(browser, 'compare', runs(), 'high-contrast');
    assert.deepEqual(opened.page.__errors, []);
    await opened.page.screenshot({ path: path.join(screenshots, 'compare-high-contrast.png'), fullPage: true });
  });

  it('shows only changed params by default and all of them when the toggle is off', async () => {
    opened = await openPanel(browser, 'compare', runs());
    assert.deepEqual(await rowsOf(opened, '.params-table tbody tr'), ['batch_size', 'lr', 'optimizer', 'weight_decay']);
    await opened.page.click('.slot-params vscode-checkbox');
    await opened.page.waitForSelector('.params-table tbody tr[data-param="epochs"]');
    assert.deepEqual(await rowsOf(opened, '.params-table tbody tr'), ['batch_size', 'data.path', 'epochs', 'lr', 'model.layers', 'optimizer', 'seed', 'weight_decay']);
    const state = await opened.page.evaluate(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!));
    assert.equal(state.onlyChanged, false);
  });

  it('switches the baseline: highlights and deltas follow, and a reload keeps it', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    const differing = () => page.$$eval('.params-table tr[data-param="lr"] td', (tds) => tds.map((td) => td.classList.contains('differs')));
    assert.deepEqual(await differing(), [false, true, true, true]);
    assert.equal(await page.textContent('.metrics-table th.baseline .run-name'), 'baseline lr=3e-4');
    // run-1 has the lower final loss: better than run-0, and run-0 is worse once run-1 is the baseline.
    assert.equal(await page.getAttribute('.metrics-table tr[data-metric="loss"] td:nth-of-type(2) .delta', 'class'), 'delta better');
    await page.click('.runs-table tr[data-run="run-1"] button[aria-label^="Set"]');
    await page.waitForFunction(() => document.querySelector('.metrics-table th.baseline .run-name')?.textContent === 'lr=1e-3');
    assert.deepEqual(await differing(), [true, false, false, true]);
    assert.equal(await page.getAttribute('.metrics-table tr[data-metric="loss"] td:nth-of-type(1) .delta', 'class'), 'delta worse');
    assert.equal(await page.$('.metrics-table tr[data-metric="loss"] td:nth-of-type(2) .delta'), null);
    await page.reload();
    await waitForCharts(page);
    await opened.panel.webview.flushed();
    await page.waitForSelector('.metrics-table th.baseline');
    assert.equal(await page.textContent('.metrics-table th.baseline .run-name'), 'lr=1e-3');
  });

  it('smooths with the EMA slider (raw line kept faint), tooltip lists every run', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    const card = '.chart-card[data-key="loss"]';
    assert.equal(await page.getAttribute(card, 'data-datasets'), '4');
    await page.fill('.smoothing-slider', '0.9');
    await page.waitForFunction((c) => document.querySelector(c)?.getAttribute('data-datasets') === '8', card);
    assert.equal(await page.textContent('.smoothing-value'), '0.90');
    const box = await canvasBox(opened, card);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForSelector(`${card} .chart-tooltip:not([hidden])`);
    const rows = await page.$$eval(`${card} .tooltip-row`, (r) => r.map((x) => x.textContent ?? ''));
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => /\(.+\)/.test(r)), `smoothed value with raw in brackets: ${rows.join(' | ')}`);
    await page.screenshot({ path: path.join(screenshots, 'compare-tooltip-smoothing.png'), clip: await page.$eval(card, (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width + 60, height: r.height }; }) });
    await page.reload();
    await waitForCharts(page);
    await page.waitForFunction((c) => document.querySelector(c)?.getAttribute('data-datasets') === '8', card);
    assert.equal(await page.inputValue('.smoothing-slider'), '0.9');
  });

  it('zoom asks the host for the visible range at full resolution and keeps it across a reload', async () => {
    const big = runs().map((r) => ({ ...r, series: { loss: Array.from({ length: 20000 }, (_, i) => [i, 1 / (1 + i / 500) + (i % 97) / 5000, r.startedAt + i * 100] as [number, number, number]) }, metrics: { loss: { ...r.metrics.loss, count: 20000, lastStep: 19999 } } })) as RunDetail[];
    opened = await openPanel(browser, 'compare', big);
    const { page, data } = opened;
    const card = '.chart-card[data-key="loss"]';
    // The webview asked for what its ~400 px charts can show (two points per pixel), not 20,000.
    const budget = (await page.evaluate(() => (window as unknown as { __posted: { type: string; pointBudget?: number }[] }).__posted.find((m) => m.type === 'ready')!.pointBudget))!;
    assert.ok(budget >= 400 && budget <= 2000, String(budget));
    assert.ok(Number(await page.getAttribute(card, 'data-points')) <= 4 * budget);
    const box = await canvasBox(opened, card);
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.42, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((c) => document.querySelector(c)?.hasAttribute('data-detail'), card, { timeout: 10000 });
    const fetch = (await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'fetchRange'))) as unknown as { key: string; ranges: { runId: string; fromStep: number; toStep: number }[] }[];
    assert.equal(fetch.length, 1);
    assert.equal(fetch[0].key, 'loss');
    assert.equal(fetch[0].ranges.length, 4);
    const r = fetch[0].ranges[0];
    assert.ok(r.fromStep > 4000 && r.toStep < 12000 && r.toStep - r.fromStep < 800, JSON.stringify(r));
    assert.ok(data.seriesCalls.some((c) => c.fromStep === r.fromStep && c.toStep === r.toStep));
    // The window holds ~2k raw points per run: every one of them now arrives (full resolution).
    const reply = opened.panel.webview.sent.find((m) => (m as { type: string }).type === 'seriesRange') as { series: { steps: Float64Array }[] };
    assert.equal(reply.series[0].steps.length, r.toStep - r.fromStep + 1);
    assert.notEqual(await page.textContent(`${card} .chart-zoom-hint`), '');
    await page.reload();
    await waitForCharts(page);
    await page.waitForFunction((c) => document.querySelector(c)?.hasAttribute('data-detail'), card, { timeout: 10000 });
    assert.notEqual(await page.textContent(`${card} .chart-zoom-hint`), '');
    await page.dblclick(`${card} canvas`);
    await page.waitForFunction((c) => document.querySelector(`${c} .chart-zoom-hint`)?.textContent === '', card);
  });

  it('filters charts by metric key, switches the x axis to time and the y axis to log', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    await page.fill('.chart-filter input', 'val/').catch(async () => {
      // The toolkit text field keeps its <input> in a shadow root; type into the host instead.
      await page.click('.chart-filter');
      await page.keyboard.type('val/');
    });
    await page.waitForFunction(() => document.querySelectorAll('.chart-card').length === 2);
    assert.deepEqual(await page.$$eval('.chart-card', (c) => c.map((x) => x.getAttribute('data-key'))), ['val/accuracy', 'val/loss']);
    // x axis: relative time, ticks as m:ss.
    await page.$eval('.chart-toolbar vscode-dropdown', (d) => {
      (d as HTMLElement & { value: string }).value = 'relative';
      d.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!).xAxis === 'relative');
    await page.click('.chart-toolbar vscode-checkbox');
    await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!).logScale === true);
    // Zooming on a time axis still asks for step ranges, one per run.
    const card = '.chart-card[data-key="val/loss"]';
    const box = await canvasBox(opened, card);
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((c) => document.querySelector(c)?.hasAttribute('data-detail'), card);
    const fetch = (await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'fetchRange'))) as unknown as { ranges: { fromStep: number; toStep: number }[] }[];
    assert.equal(fetch[0].ranges.length, 4);
    assert.ok(fetch[0].ranges.every((r) => r.fromStep >= 0 && r.toStep > r.fromStep && r.toStep <= 400));
    assert.match((await page.textContent(`${card} .chart-zoom-hint`))!, /^\d+:\d\d – \d+:\d\d$/);
    assert.deepEqual(opened.page.__errors, []);
    await page.screenshot({ path: path.join(screenshots, 'compare-charts-relative-log.png'), clip: await page.$eval('#charts', (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: Math.min(r.height, 700) }; }) });
  });

  it('shows a metric logged once per run as numbers, and a few whole steps as whole ticks', async () => {
    const rs = runs().map((r, i) => ({
      ...r,
      metrics: {
        ...r.metrics,
        test_acc: { last: 0.9 + i / 100, min: 0.9 + i / 100, max: 0.9 + i / 100, count: 1, lastStep: 3 },
        epoch_loss: { last: 0.5, min: 0.5, max: 2, count: 4, lastStep: 3 },
      },
      series: {
        ...r.series,
        test_acc: [[3, 0.9 + i / 100, r.startedAt + 5000]],
        epoch_loss: [0, 1, 2, 3].map((s) => [s, 2 / (s + 1), r.startedAt + s * 1000]),
      },
    })) as RunDetail[];
    opened = await openPanel(browser, 'compare', rs);
    const { page } = opened;
    const single = '.chart-card[data-key="test_acc"]';
    assert.equal(await page.$eval(single, (c) => c.classList.contains('single')), true);
    assert.equal(await page.$eval(`${single} .chart-body`, (b) => (b as HTMLElement).hidden), true);
    assert.deepEqual(await page.$$eval(`${single} .single-value`, (rows) => rows.map((r) => r.textContent)), [
      'baseline lr=3e-40.9step 3', 'lr=1e-30.91step 3', 'lr=1e-3 bs=640.92step 3', 'wd=0.1 sgd0.93step 3',
    ]);
    // Steps 0..3: one tick per step, not 0 0.5 1 ... rounded to 0 1 1 2 2 3 3.
    assert.equal(await page.getAttribute('.chart-card[data-key="epoch_loss"]', 'data-x-ticks'), '0 1 2 3');
    assert.equal(await page.$eval('.chart-card[data-key="epoch_loss"]', (c) => c.classList.contains('single')), false);
    assert.deepEqual(opened.page.__errors, []);
    await page.$eval(single, (c) => c.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(screenshots, 'compare-single-value.png'), clip: await page.$eval('#charts', (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: Math.min(r.height, 900) }; }) });
  });

  it('plots the headline metric against the params that vary and most runs have, lr on a log axis, and says what it leaves out', async () => {
    const base = runs();
    const longName = 'model.encoder.layers.attention.dropout_probability_after_softmax';
    const rs = [...base, { ...base[0], id: 'run-4', name: 'no val', startedAt: base[3].startedAt + 3600_000 }].map((r, i) => {
      const params: Record<string, unknown> = { ...r.params, [longName]: i / 10 };
      const metrics: Record<string, unknown> = { ...r.metrics };
      if (i === 4) {
        params.lr = 0.003;
        delete params.batch_size;
        params.only_here = 1;
        delete metrics['val/accuracy'];
      }
      return { ...r, params, metrics };
    }) as RunDetail[];
    opened = await openPanel(browser, 'compare', rs);
    const { page } = opened;
    await page.waitForSelector('#parallel .parallel[data-labels]');
    const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!));
    // The Runs view's headline metric, not the first key alphabetically.
    assert.equal(state.scatterMetric, 'val/accuracy');
    assert.equal(state.parallelMetric, 'val/accuracy');
    // Params every run has first, numbers before words; params one run has (weight_decay, only_here) are left out.
    assert.equal(state.scatterParam, 'lr');
    assert.deepEqual(state.parallelParams, ['lr', longName, 'optimizer', 'batch_size']);
    // lr spans 3e-4..1e-2: a log axis.
    assert.equal(await page.getAttribute('#scatter .scatter', 'data-x-scale'), 'log');
    assert.equal(await page.getAttribute('#scatter .scatter', 'data-points'), '4');
    assert.equal(await page.textContent('#scatter .chart-note'), '1 of 5 runs is not shown: 1 has no val/accuracy.');
    assert.equal(await page.getAttribute('#parallel .parallel', 'data-lines'), '4');
    assert.equal(await page.textContent('#parallel .chart-note'), '1 of 5 runs lack a value on some axis: their lines stop there.');
    // Five axes in half the page: labels alternate rows and the long one is cut, not drawn over its neighbours.
    const labels = (await page.getAttribute('#parallel .parallel', 'data-labels'))!.split('|');
    assert.equal(labels.length, 5);
    assert.equal(await page.getAttribute('#parallel .parallel', 'data-staggered'), 'true');
    assert.match(labels[1], /^model\.encoder.*…$/);
    assert.equal(labels[0], 'lr (log)');
    assert.deepEqual(opened.page.__errors, []);
    await page.$eval('#scatter', (e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(screenshots, 'compare-scatter-parallel.png'), clip: await page.$eval('.two-col', (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; }) });
  });

  it('zooms and resets from the keyboard', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    const card = '.chart-card[data-key="loss"]';
    await page.focus(`${card} canvas`);
    await page.keyboard.press('+');
    await page.waitForFunction((c) => document.querySelector(c)?.hasAttribute('data-detail'), card);
    assert.match((await page.textContent(`${card} .chart-zoom-hint`))!, /^\d+ – \d+$/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Escape');
    await page.waitForFunction((c) => document.querySelector(`${c} .chart-zoom-hint`)?.textContent === '', card);
  });

  it('shows names, params and metric keys that look like HTML as text, and runs none of it', async () => {
    const evil = '<img src=x onerror="window.__xss=1">';
    const rs = runs().slice(0, 2).map((r, i) => ({
      ...r, name: i === 0 ? evil : r.name, params: { ...r.params, [evil]: i === 0 ? evil : 'plain' }, tags: { [evil]: evil },
      metrics: { ...r.metrics, [evil]: r.metrics.loss }, series: { ...r.series, [evil]: r.series!.loss },
    })) as RunDetail[];
    opened = await openPanel(browser, 'compare', rs);
    const { page } = opened;
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.equal(await page.textContent('.runs-table tr[data-run="run-0"] .run-name'), evil);
    assert.equal(await page.textContent(`.params-table tr[data-param="${evil.replace(/"/g, '\\"')}"] th`), evil);
    assert.equal(await page.textContent(`.params-table tr[data-param="${evil.replace(/"/g, '\\"')}"] td`), evil);
    assert.equal(await page.textContent(`.metrics-table tr[data-metric="${evil.replace(/"/g, '\\"')}"] th span`), evil);
    assert.equal(await page.textContent(`.chart-card[data-key="${evil.replace(/"/g, '\\"')}"] .chart-title`), evil);
    assert.ok((await page.textContent('.runs-table .tag'))!.includes(evil));
    const box = await canvasBox(opened, `.chart-card[data-key="${evil.replace(/"/g, '\\"')}"]`);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.chart-tooltip:not([hidden])');
    assert.ok((await page.textContent('.chart-tooltip:not([hidden])'))!.includes(evil));
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(opened.page.__errors, []);
  });

  it('re-reads chart colours when the theme changes', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page } = opened;
    const swatch = () => page.$eval('.runs-table tr[data-run="run-0"] .swatch', (s) => getComputedStyle(s).backgroundColor);
    assert.equal(await swatch(), 'rgb(55, 148, 255)');
    const countBlue = (rgb: [number, number, number]) => page.$eval('.chart-card[data-key="loss"] canvas', (c, want) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      const d = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - want[0]) < 6 && Math.abs(d[i + 1] - want[1]) < 6 && Math.abs(d[i + 2] - want[2]) < 6 && d[i + 3] > 200) n++;
      return n;
    }, rgb);
    assert.ok(await countBlue([55, 148, 255]) > 50, 'dark blue line drawn');
    const generation = await page.evaluate(() => Number(document.body.dataset.themeGeneration ?? 0));
    await page.evaluate((vars) => (window as unknown as { __applyTheme(v: unknown, k: string): void }).__applyTheme(vars, 'light'), themes.light);
    await page.waitForFunction((g) => Number(document.body.dataset.themeGeneration ?? 0) > g, generation);
    await page.waitForFunction(() => {
      const s = document.querySelector('.runs-table tr[data-run="run-0"] .swatch');
      return !!s && getComputedStyle(s).backgroundColor === 'rgb(26, 133, 255)';
    }, undefined, { timeout: 5000 }).catch(() => undefined);
    assert.equal(await swatch(), 'rgb(26, 133, 255)');
    assert.ok(await countBlue([26, 133, 255]) > 50, 'light blue line drawn after the switch');
    assert.equal(await countBlue([55, 148, 255]), 0, 'no dark-theme colour left');
    await page.screenshot({ path: path.join(screenshots, 'compare-light.png'), fullPage: true });
  });

  it('exports CSV and copies Markdown through the host', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page, wb } = opened;
    await page.click('vscode-button[title^="Export"]');
    await page.click('vscode-button[title^="Copy params"]');
    await until(() => wb.written.length > 0 && wb.clipboard.length > 0);
    assert.equal(wb.written.length, 1);
    // One row per run; the changed params as columns (the table shows only changed ones).
    const lines = wb.written[0].text.trimEnd().split('\r\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0], /^run_id,name,experiment,status,start_time,duration_s,params\.batch_size,params\.lr,params\.optimizer,params\.weight_decay,metrics\.loss,metrics\.loss\.min,/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['run-0', 'run-1', 'run-2', 'run-3']);
    // A dated name in the workspace folder first; then wherever the user saved the last one.
    assert.match(wb.saveDialogs[0], /^\/work\/demo\/compare-4-runs-\d{4}-\d\d-\d\d\.csv$/);
    wb.saveTo = '/tmp/exports/mine.csv';
    await page.click('vscode-button[title^="Export"]');
    await until(() => wb.written.length === 2);
    assert.equal(wb.written[1].path, '/tmp/exports/mine.csv');
    wb.saveTo = undefined;
    await page.click('vscode-button[title^="Export"]');
    await until(() => wb.saveDialogs.length === 3);
    assert.match(wb.saveDialogs[2], /^\/tmp\/exports\/compare-4-runs-[\d-]+\.csv$/);
    assert.equal(wb.clipboard.length, 1);
    assert.match(wb.clipboard[0], /\| lr \| 0\.0003 \| 0\.001 \|/);
    assert.match(wb.clipboard[0], /\| loss ↓ \|/);
  });

  it('follows a live run without rebuilding its controls', async () => {
    const rs = runs();
    rs[3] = { ...rs[3], status: 'running', endedAt: null, durationMs: null };
    opened = await openPanel(browser, 'compare', rs);
    const { page, data } = opened;
    await page.evaluate(() => { (document.querySelector('.slot-toolbar vscode-dropdown') as HTMLElement & { __mark?: number }).__mark = 1; });
    const loss = rs[3].series!.loss;
    const more = [...loss, ...Array.from({ length: 50 }, (_, i) => [400 + i, 0.05, loss[0][2] + (400 + i) * 1500] as [number, number, number])];
    data.put({ ...rs[3], series: { ...rs[3].series, loss: more }, metrics: { ...rs[3].metrics, loss: { last: 0.05, min: 0.05, max: 2.3, count: 450, lastStep: 449 } } });
    data.fire(['run-3']);
    await page.waitForFunction(() => document.querySelector('.metrics-table tr[data-metric="loss"] td:nth-of-type(4) .metric-last span')?.textContent === '0.05');
    assert.equal(await page.evaluate(() => (document.querySelector('.slot-toolbar vscode-dropdown') as HTMLElement & { __mark?: number }).__mark), 1);
    // Only the run that moved was resent.
    const update = opened.panel.webview.sent.find((m) => (m as { type: string }).type === 'runsUpdated') as { series: { runId: string }[] };
    assert.deepEqual([...new Set(update.series.map((x) => x.runId))], ['run-3']);
    await page.waitForFunction(() => document.querySelector('.chart-card[data-key="loss"]')?.getAttribute('data-points') === String(400 * 3 + 450));
  });

  it('comes back after a window reload through the serializer, with the same runs', async () => {
    opened = await openPanel(browser, 'compare', runs(), 'dark', ['run-1', 'run-3']);
    const { page, wb } = opened;
    const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!));
    assert.deepEqual(state.runIds, ['run-1', 'run-3']);
    opened.panel.dispose();
    const restored = wb.restoredPanel('exptrack.compareRuns');
    await wb.serializers.get('exptrack.compareRuns')!.deserializeWebviewPanel(restored, state);
    const page2 = await restored.webview.loaded!;
    await waitForCharts(page2 as never);
    assert.deepEqual(await page2.$$eval('.runs-table tbody tr', (r) => r.map((x) => x.getAttribute('data-run'))), ['run-1', 'run-3']);
    assert.equal(restored.title, 'Compare: 2 runs');
    assert.equal(opened.manager.comparedRunIds.length, 2);
  });

  it('rejects malformed messages on both sides', async () => {
    opened = await openPanel(browser, 'compare', runs());
    const { page, wb } = opened;
    await page.evaluate(() => (window as unknown as { acquireVsCodeApi: unknown }) && window.postMessage({ type: 'init', runs: 'nope' }, '*'));
    await page.evaluate(() => (window as unknown as { __exptrackToHost(m: unknown): void }).__exptrackToHost({ type: 'openDiff', runA: 1 }));
    // The host side hears of it through a binding round trip: poll rather than guess a delay.
    for (let i = 0; i < 100 && !wb.log.some((l) => l.includes('invalid message')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(wb.log.some((l) => l.includes('invalid message')), wb.log.join('\n'));
    assert.equal(await page.getAttribute('body', 'data-charts-drawn'), '4');
    assert.ok(!wb.executed.some((e) => e.command === 'vscode.diff'));
  });
});
