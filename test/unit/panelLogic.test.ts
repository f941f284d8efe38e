// Plain-Node checks of the panels' pure logic (no browser): protocol validation, persisted state,
// metric directions, thinning, live throttling, CSV/Markdown export.
import * as assert from 'node:assert/strict';
import { isFromCompareWebviewMessage, isToCompareWebviewMessage } from '../../src/protocol/compareMessages';
import { isToRunWebviewMessage } from '../../src/protocol/runMessages';
import { readCompareViewState } from '../../src/protocol/viewState';
import { LiveThrottle } from '../../src/extension/panels/liveThrottle';
import { inferMetricDirection } from '../../src/core/metrics/metricDirection';
import { fitSeries, pointBudget } from '../../src/core/display/panelPayloads';
import { renderWebviewHtml } from '../../src/extension/panels/webviewHtml';
import { compareCsv, compareMarkdown } from '../../webview-ui/compare/tableExport';
import { loadSnapshot } from '../webview/harness/fixtureDataSource';
import type { RunData } from '../../src/protocol/panelData';

const f64 = (...v: number[]) => Float64Array.from(v);

describe('panel logic (Node)', () => {
  it('validates messages structurally, typed arrays included', () => {
    const series = { runId: 'a', key: 'loss', steps: f64(0, 1), values: f64(1, NaN), times: f64(5, 6) };
    assert.ok(isToCompareWebviewMessage({ type: 'seriesRange', requestId: 1, key: 'loss', series: [series] }));
    assert.ok(!isToCompareWebviewMessage({ type: 'seriesRange', requestId: 1, key: 'loss', series: [{ ...series, steps: [0, 1] }] }), 'plain arrays are refused');
    assert.ok(!isToCompareWebviewMessage({ type: 'seriesRange', requestId: 1, key: 'loss', series: [{ ...series, times: f64(5) }] }), 'column lengths must agree');
    assert.ok(!isToCompareWebviewMessage({ type: 'toString' }), 'prototype names are not message types');
    assert.ok(!isToCompareWebviewMessage(null));
    assert.ok(isFromCompareWebviewMessage({ type: 'ready', pointBudget: 800 }));
    assert.ok(isFromCompareWebviewMessage({ type: 'ready' }));
    assert.ok(!isFromCompareWebviewMessage({ type: 'ready', pointBudget: 'many' }));
    assert.ok(!isFromCompareWebviewMessage({ type: 'openDiff', runA: 'a', runB: 'b' }));
    assert.ok(!isFromCompareWebviewMessage({ type: 'fetchRange', requestId: 1, key: 'k', ranges: [{ runId: 'a', fromStep: '0', toStep: 1 }] }));
    assert.ok(!isToRunWebviewMessage({ type: 'runGone' }));
  });

  it('reads persisted state defensively', () => {
    const s = readCompareViewState({ runIds: ['a', 3, 'b'], smoothing: 5, xAxis: 'nonsense', zoom: { loss: { axis: 'step', min: 5, max: 1 }, acc: { axis: 'wall', min: 1, max: 2 } } });
    assert.deepEqual(s.runIds, ['a', 'b']);
    assert.equal(s.smoothing, 0);
    assert.equal(s.xAxis, 'step');
    assert.equal(s.onlyChanged, true);
    assert.deepEqual(Object.keys(s.zoom), ['acc']);
    assert.equal(readCompareViewState(undefined).baselineId, null);
  });

  it('knows which way common metrics improve, and says nothing for unknown keys', () => {
    for (const k of ['loss', 'val/loss', 'eval_error', 'test.perplexity', 'wer', 'trainMSE', 'mae']) assert.equal(inferMetricDirection(k), 'lower', k);
    for (const k of ['acc', 'val/accuracy', 'f1', 'eval_auc', 'precision', 'recall', 'mAP', 'bleu', 'episode_reward']) assert.equal(inferMetricDirection(k), 'higher', k);
    for (const k of ['lr', 'epoch', 'grad_norm', 'tokens_per_sec']) assert.equal(inferMetricDirection(k), undefined, k);
    assert.equal(inferMetricDirection('loss', { loss: 'higher' }), 'higher');
  });

  it('thins series to a point budget keeping extremes and the exact last point', () => {
    const n = 2000;
    const steps = new Float64Array(n).map((_, i) => i);
    const values = steps.map((i) => Math.sin(i / 30));
    values[777] = 9;
    values[1333] = -9;
    const [s] = fitSeries([{ runId: 'a', key: 'k', steps, values, times: steps }], 500);
    assert.ok(s.steps.length <= 500);
    assert.equal(Math.max(...s.values), 9);
    assert.equal(Math.min(...s.values), -9);
    assert.equal(s.steps[s.steps.length - 1], n - 1);
    assert.equal(pointBudget(undefined), 2000);
    assert.equal(pointBudget(50), 200);
    assert.equal(pointBudget(1e9), 2000);
  });

  it('throttles live updates to the interval, leading and trailing', async () => {
    const calls: number[] = [];
    const t = new LiveThrottle(100, () => calls.push(Date.now()));
    const start = Date.now();
    while (Date.now() - start < 450) {
      t.trigger();
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 150));
    t.dispose();
    assert.ok(calls.length >= 4 && calls.length <= 6, String(calls.length));
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i] - calls[i - 1] >= 95, `gap ${calls[i] - calls[i - 1]}`);
  });

  it('renders the page with a strict CSP and no inline script or style', () => {
    const html = renderWebviewHtml({ title: '<t>', cspSource: 'vscode-resource:', nonce: 'abc', scriptUris: ['a.js'], styleUris: ['a.css'] });
    assert.match(html, /default-src 'none'; script-src 'nonce-abc'; style-src vscode-resource: 'nonce-abc'; font-src vscode-resource:; img-src vscode-resource: data:; connect-src 'none'/);
    assert.doesNotMatch(html, /unsafe-(inline|eval)/);
    assert.doesNotMatch(html, /<script(?![^>]*nonce="abc")/);
    assert.doesNotMatch(html, /<style|style="/);
    assert.match(html, /<title>&#60;t&#62;<\/title>/);
  });

  it('exports CSV safe for spreadsheets and Markdown safe for renderers', () => {
    const runs = loadSnapshot('compareRuns.json').slice(0, 2).map((r, i) => ({
      ...r, name: i ? '=HYPERLINK("x")' : 'a|b <img>', params: { ...r.params, note: i ? '-cmd' : 'x,y' }, metrics: { loss: { ...r.metrics.loss, bestStep: 3 } },
    })) as unknown as RunData[];
    const csv = compareCsv(runs, ['lr', 'note'], ['loss']);
    // One row per run (what spreadsheets and pandas read), columns named as MLflow names them.
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 4); // header, two runs, the final line end
    assert.equal(lines[0], 'run_id,name,experiment,status,start_time,duration_s,params.lr,params.note,metrics.loss,metrics.loss.min,metrics.loss.max,metrics.loss.best_step');
    assert.match(lines[1], /^run-0,a\|b <img>,[^,]+,finished,2026-\d\d-\d\dT[\d:.]+Z,[\d.]+,0\.0003,"x,y",0\.3003\d*,[\d.]+,[\d.]+,3$/);
    assert.match(lines[2], /^run-1,"'=HYPERLINK\(""x""\)",[^,]+,finished,[^,]+,[^,]*,0\.001,'-cmd,/);
    assert.equal(lines[3], '');
    // A leading tab or carriage return is a formula too (the CLI's quoter, now the panel's as well).
    const [, tab] = compareCsv([{ ...runs[0], name: '\t=1+2' }], [], []).split('\r\n');
    assert.match(tab, /^run-0,'\t=1\+2,/);
    const [, cr] = compareCsv([{ ...runs[0], name: '\r=1+2' }], [], []).split('\r\n');
    assert.match(cr, /^run-0,"'\r=1\+2",/);
    const md = compareMarkdown(runs, runs[0], ['lr'], ['loss'], { loss: 'lower' });
    assert.match(md, /\| a\\\|b &lt;img&gt; \(baseline\) \|/);
    assert.match(md, /\| loss ↓ \| 0\.3004 \| 0\.2227 \(-0\.07771\) \|/);
    assert.match(md, /### Metrics \(last value; in brackets, the difference to a\\\|b &lt;img&gt;\)/);
    // Nothing to compare against: the heading promises no differences.
    const alone = compareMarkdown(runs.slice(0, 1), runs[0], ['lr'], ['loss'], {});
    assert.match(alone, /### Metrics \(last value\)\n/);
    assert.doesNotMatch(alone, /difference|\(\+|\(-/);
  });
});
