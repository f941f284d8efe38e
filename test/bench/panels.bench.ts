// Compare panel benchmark, in real headless Chromium:
//   20 runs x 10 metrics x 100k points each, from the command (PanelManager.showCompare) to every chart
//   drawn (target <= 1.0 s), through the real parts: a real Store (sql.js, a database file written
//   through the recorder's sink and opened cold for each measurement) -> the store's series overviews
//   (<= 2,000 points) -> typed-array columns across the webview boundary -> chart.js; printed beside
//   chart.js drawing the same raw points (no downsampling, no typed columns).
// Usage: node esbuild.mjs && node esbuild.mjs --tests && node out/test/bench/panels.bench.js [--quick] [--no-baseline]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PanelManager } from '../../src/extension/panels/panelManager';
import { Store } from '../../src/core/store/store';
import { FakeWorkbench } from '../webview/harness/fakeWorkbench';
import { waitForCharts } from '../webview/harness/openPanels';
import { PanelBrowser, type PageWithLog } from '../webview/harness/panelBrowser';

const quick = process.argv.includes('--quick');
const RUNS = 20;
const METRICS = 10;
const POINTS = quick ? 10_000 : 100_000;
const REPEAT = 5;
const quiet = { info: () => undefined, warn: (m: string) => console.error(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };

/** The same deterministic value in Node (our pipeline) and in the page (the baseline). */
function value(run: number, metric: number, step: number): number {
  const decay = Math.exp(-step / (8000 + run * 500 + metric * 300));
  return 0.2 + metric * 0.1 + 2 * decay + 0.05 * Math.sin(step * 0.37 + run) + 0.02 * Math.sin(step * 0.0131 * (metric + 1));
}

/** Records the workload into a new store the way the recorder does (sink -> journal -> fold -> file). */
async function recordWorkload(dir: string): Promise<void> {
  const store = await Store.open(dir, { logger: quiet });
  const t0 = Date.UTC(2026, 10, 20);
  for (let r = 0; r < RUNS; r++) {
    const id = `run-${r}`;
    const startedAt = t0 + r * 3_600_000;
    store.sink.startRun({ id, experiment: 'bench', name: `run ${r}`, command: 'python train.py', cwd: '/tmp', startedAt, source: 'bench' });
    store.sink.params(id, { lr: 1e-3 * (r + 1), seed: r % 3 });
    for (let from = 0; from < POINTS; from += 1000) {
      const points = [];
      for (let i = from; i < Math.min(POINTS, from + 1000); i++) {
        for (let m = 0; m < METRICS; m++) points.push({ key: `metric_${m}`, step: i, value: value(r, m, i), time: startedAt + i * 100 });
      }
      store.sink.metrics(id, points);
    }
    store.sink.endRun(id, { status: 'finished', exitCode: 0, signal: null, endedAt: startedAt + POINTS * 100 });
    await store.flush();
  }
  await store.close();
}

async function ours(browser: PanelBrowser, storeDir: string, warm: boolean): Promise<{ open: number; total: number; host: number; sent: number; received: number; drawnAt: number; paintedAt: number; navigated: number; ready: number }> {
  // Opened as the extension opens it (a writer), before the command: the extension opens its store
  // when the Runs tree first shows. Its overview caches start empty; what is saved in the file is all.
  const tOpen = performance.now();
  const data = await Store.open(storeDir, { logger: quiet });
  const open = performance.now() - tOpen;
  const wb = new FakeWorkbench(browser, 'dark');
  const manager = new PanelManager(wb.context(data));
  if (warm) await browser.prewarm('dark');
  const ids = Array.from({ length: RUNS }, (_, r) => `run-${r}`);
  const t0 = performance.now();
  manager.showCompare(ids);
  const panel = wb.lastPanel;
  const webview = panel.webview;
  let host = 0;
  const post = webview.postMessage.bind(webview);
  webview.postMessage = (m: unknown) => {
    if ((m as { type: string }).type === 'init' && !host) host = performance.now() - t0;
    return post(m);
  };
  const page = (await webview.loaded!) as PageWithLog;
  await waitForCharts(page, METRICS);
  // One more frame: the first rAF callback after drawing has run when this resolves.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  const total = performance.now() - t0;
  const bytes = (webview.sent.find((m) => (m as { type: string }).type === 'init') as { series: { steps: Float64Array }[] }).series
    .reduce((n, s) => n + s.steps.length * 3 * 8, 0);
  const timeline = await page.evaluate(() => ({ origin: performance.timeOrigin, events: (window as unknown as { __timeline: [string, number][] }).__timeline }));
  await page.waitForTimeout(100);
  if (process.argv.includes('--verbose')) console.log('    timeline', JSON.stringify(timeline.events.map(([k, v]) => [k, Math.round(v)])));
  const measures = await page.evaluate(() => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('exptrack:')).map((m) => `${m.name.slice(9)} ${m.duration.toFixed(0)} ms`).join(', '));
  if (process.argv.includes('--verbose')) console.log(`    in the page: ${measures}`);
  const at = (name: string) => {
    const e = timeline.events.find((x) => x[0] === name);
    return e ? (timeline.origin + e[1]) - (performance.timeOrigin + t0) : NaN;
  };
  const received = at('message:init');
  const navigated = timeline.origin - (performance.timeOrigin + t0);
  const ready = at('posted:ready');
  const drawnAt = at('charts-drawn');
  const paintedAt = at('next-frame');
  const drawn = await page.$$eval('.chart-card', (c) => c.filter((x) => Number(x.getAttribute('data-points')) > 0).length);
  if (drawn !== METRICS) throw new Error(`only ${drawn} charts drawn`);
  if (page.__errors.length) throw new Error(page.__errors.join('\n'));
  manager.dispose();
  await data.close();
  return { open, total, host, sent: bytes, received, drawnAt, paintedAt, navigated, ready };
}

/** chart.js alone: the same raw points as {x, y} objects, one chart per metric, no downsampling. */
async function baseline(browser: PanelBrowser): Promise<{ perChart: number[]; crashed: boolean }> {
  const page = await browser.newPage('dark');
  const html = `<!DOCTYPE html><html><head><style>div{height:220px;width:400px;display:inline-block}</style></head><body>
<script src="${browser.baseUrl}/ext/node_modules/chart.js/dist/chart.umd.js"></script></body></html>`;
  await page.goto(browser.host(html));
  const perChart: number[] = [];
  let crashed = false;
  const colors = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'];
  for (let m = 0; m < METRICS; m++) {
    try {
      const ms = await page.evaluate(async ({ m, RUNS, POINTS, colors, fn }) => {
        // eslint-disable-next-line no-new-func
        const value = new Function(`return (${fn})`)() as (r: number, m: number, s: number) => number;
        const datasets = [];
        for (let r = 0; r < RUNS; r++) {
          const data = new Array(POINTS);
          for (let i = 0; i < POINTS; i++) data[i] = { x: i, y: value(r, m, i) };
          datasets.push({ label: `run ${r}`, data, borderColor: colors[r % colors.length], borderWidth: 1.5, pointRadius: 0 });
        }
        const div = document.createElement('div');
        const canvas = document.createElement('canvas');
        div.append(canvas);
        document.body.append(div);
        const t0 = globalThis.performance.now();
        const Chart = (window as unknown as { Chart: new (c: HTMLCanvasElement, cfg: unknown) => unknown }).Chart;
        new Chart(canvas, { type: 'line', data: { datasets }, options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { type: 'linear' } }, plugins: { legend: { display: false } } } });
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return globalThis.performance.now() - t0;
      }, { m, RUNS, POINTS, colors, fn: value.toString() });
      perChart.push(ms);
    } catch (e) {
      crashed = true;
      console.log(`  baseline stopped at chart ${m + 1}: ${String(e).split('\n')[0]}`);
      break;
    }
  }
  await page.close().catch(() => undefined);
  return { perChart, crashed };
}

async function main(): Promise<void> {
  console.log(`Compare panel: ${RUNS} runs x ${METRICS} metrics x ${POINTS.toLocaleString('en-US')} points (${(RUNS * METRICS * POINTS / 1e6).toFixed(0)}M points)`);
  const tGen = performance.now();
  const storeDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-panels-bench-')), '.exptrack');
  await recordWorkload(storeDir);
  const mb = fs.statSync(path.join(storeDir, 'exptrack.db')).size / 1e6;
  console.log(`  workload recorded into a real store in ${((performance.now() - tGen) / 1000).toFixed(1)} s (not timed): ${mb.toFixed(0)} MB database`);
  const transport = process.argv.includes('--base64') ? 'base64' : 'binary';
  // VS Code moves typed arrays to the webview as raw ArrayBuffers; the closest stand-in here is an
  // HTTP fetch of the bytes from the harness server (which needs the CSP bypassed in this browser
  // context only). --base64 sends them through page.evaluate as a string instead (slower, more copies).
  console.log(`  transport host -> page: ${transport === 'binary' ? 'binary fetch from 127.0.0.1 (VS Code stand-in)' : 'base64 string through page.evaluate'}`);
  const browser = await PanelBrowser.start({ binaryTransport: transport === 'binary' });
  let oursMedian = NaN;
  try {
    for (const warm of [false, true]) {
      const results = [];
      for (let i = 0; i < REPEAT; i++) results.push(await ours(browser, storeDir, warm));
      console.log(warm ? '  -- browser tab already open (VS Code reuses its renderer; closer to a real webview):' : '  -- a new browser tab per panel (cold):');
      for (const [i, r] of results.entries()) {
        console.log(`  ours #${i + 1}: command -> all ${METRICS} charts drawn ${r.total.toFixed(0)} ms (store opened cold before it in ${r.open.toFixed(0)} ms; page navigation started ${r.navigated.toFixed(0)} ms, ready ${r.ready.toFixed(0)} ms, snapshot posted ${r.host.toFixed(0)} ms, in the page ${r.received.toFixed(0)} ms, charts drawn ${r.drawnAt.toFixed(0)} ms, next frame starts ${r.paintedAt.toFixed(0)} ms; ${(r.sent / 1e6).toFixed(1)} MB of typed columns)`);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const medDrawn = median(results.map((r) => r.drawnAt));
      const medSeen = median(results.map((r) => r.total));
      console.log(`  ours median (${warm ? 'warm' : 'cold'}): command -> charts drawn (in-page clock) ${medDrawn.toFixed(0)} ms; seen from Node a frame later ${medSeen.toFixed(0)} ms (target <= 1000 ms: ${medDrawn <= 1000 ? 'met' : 'NOT met'} / ${medSeen <= 1000 ? 'met' : 'NOT met'})`);
      if (warm) oursMedian = medSeen;
    }
    console.log(`  machine load average while measuring: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
    if (!process.argv.includes('--no-baseline')) {
      const b = await baseline(browser);
      const sum = b.perChart.reduce((a, x) => a + x, 0);
      const est = b.perChart.length ? (sum / b.perChart.length) * METRICS : NaN;
      console.log(`  chart.js alone, raw points: ${b.perChart.map((x) => x.toFixed(0)).join(' + ')} ms = ${sum.toFixed(0)} ms for ${b.perChart.length} charts${b.crashed || b.perChart.length < METRICS ? ` (all ${METRICS} estimated at ${est.toFixed(0)} ms)` : ''}`);
      console.log(`  => ours ${oursMedian.toFixed(0)} ms (warm, seen from Node) vs chart.js alone ${(b.perChart.length === METRICS ? sum : est).toFixed(0)} ms (${((b.perChart.length === METRICS ? sum : est) / oursMedian).toFixed(1)}x)`);
    }
  } finally {
    await browser.close();
    fs.rmSync(path.dirname(storeDir), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
