import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultMetricsConfig } from '../../src/core/metrics/metricsConfig';
import type { ArtifactRecord } from '../../src/core/model';
import { Store } from '../../src/core/store/store';
import { ExplainPanel, type ExplainPanelDeps } from '../../src/extension/explain/explainPanel';
import type { FolderStore } from '../../src/extension/workspaceStores';
import { FakeUri, FakeWorkbench } from './harness/fakeWorkbench';
import { until } from './harness/openPanels';
import { PanelBrowser, repoRoot, type PageWithLog } from './harness/panelBrowser';

const screenshots = path.join(repoRoot, 'test-results', 'panels');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const evil = '<img src=x onerror="window.__xss=1">';

/** A real store: a baseline and a run that read another version of the same data file. */
async function storeWithRegression(dir: string, names: [string, string]): Promise<Store> {
  const store = await Store.open(path.join(dir, '.exptrack'), { logger: quiet });
  const data = (sha: string): ArtifactRecord => ({ path: 'data/train.csv', role: 'input', kind: 'dataset', sha256: sha, size: 14_400, mtime: 1 });
  for (const [i, [id, sha, worse]] of [['base', 'a'.repeat(64), 0], ['run', 'b'.repeat(64), 0.1]].entries()) {
    store.sink.startRun({ id: String(id), experiment: 'drift', name: names[i], command: 'python train.py --lr 0.1', cwd: dir, startedAt: 1000 + i, source: 'cli' });
    store.sink.params(String(id), { lr: 0.1 });
    store.sink.artifact(String(id), data(String(sha)));
    store.sink.metrics(String(id), Array.from({ length: 30 }, (_, s) => ({ key: 'val_loss', step: s, value: 0.4 + 0.5 / (1 + s) + (s >= 10 ? Number(worse) : 0), time: s })));
    store.sink.endRun(String(id), { endedAt: 2000 + i, exitCode: 0, signal: null, status: 'finished' });
  }
  await store.flush();
  store.setTags('base', { 'exptrack.baseline': '1' });
  return store;
}

describe('Explain panel (Chromium)', function () {
  this.timeout(120_000);
  let browser: PanelBrowser;
  let dir: string;
  let store: Store | undefined;
  let wb: FakeWorkbench;

  before(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    browser = await PanelBrowser.start();
  });
  after(async () => browser?.close());
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-explain-panel-')); });
  afterEach(async () => {
    for (const p of wb?.panels ?? []) p.dispose();
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(names: [string, string]): Promise<{ page: PageWithLog; deps: ExplainPanelDeps; lineage: string[]; compared: string[][] }> {
    store = await storeWithRegression(dir, names);
    wb = new FakeWorkbench(browser, 'dark');
    const folderStore = { folder: { uri: new FakeUri('file', dir), name: 'w', index: 0 }, exptrackDir: path.join(dir, '.exptrack'), store } as unknown as FolderStore;
    const lineage: string[] = [];
    const compared: string[][] = [];
    const ctx = wb.context({ getRun: () => undefined, series: () => ({ steps: new Float64Array(), values: new Float64Array(), times: new Float64Array() }), onDidChange: () => undefined });
    const deps: ExplainPanelDeps = {
      ctx, stores: { openExisting: async () => [folderStore] },
      config: { get: () => ({ config: defaultMetricsConfig, overrides: {} }) },
      actions: { compare: (ids) => compared.push([...ids]), showRun: () => undefined, showLineage: (_f, p) => lineage.push(p) },
    };
    ExplainPanel.show(deps, folderStore, 'run', 'base');
    const page = (await wb.lastPanel.webview.loaded!) as PageWithLog;
    await page.waitForSelector('.explain-items > li', { timeout: 30_000 });
    return { page, deps, lineage, compared };
  }

  it('ranks the changed input first, shows the regression and where the curves part, and links to the evidence', async () => {
    const { page, lineage, compared } = await open(['calm-heron-12', 'brave-otter-3']);
    assert.equal(await page.getAttribute('.explain-items > li:first-child', 'data-kind'), 'data');
    assert.match((await page.textContent('.explain-items > li:first-child'))!, /input data\/train\.csv changed: sha256 aaaaaaaaaaaa, 14 KB → sha256 bbbbbbbbbbbb, 14 KB/);
    assert.match((await page.textContent('.regression'))!, /val_loss 0\.5[0-9]* is \d+(\.\d)?% worse than baseline calm-heron-12 \(0\.4[0-9]*\)/);
    assert.match((await page.textContent('table.curves'))!, /leaves the baseline's band at step 10/);
    assert.equal(wb.lastPanel.title, 'Explain: brave-otter-3');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(page.__errors, []);
    await page.screenshot({ path: path.join(screenshots, 'explain-dark.png'), fullPage: true });

    await page.click('.explain-items > li:first-child vscode-button:has-text("Open File")');
    await until(() => wb.executed.some((e) => e.command === 'vscode.open'));
    assert.equal((wb.executed.find((e) => e.command === 'vscode.open')!.args[0] as FakeUri).path, path.join(dir, 'data/train.csv'));
    await page.click('.explain-items > li:first-child vscode-button:has-text("Versions")');
    await until(() => lineage.length === 1);
    assert.deepEqual(lineage, ['data/train.csv']);
    await page.click('vscode-button:has-text("Compare")');
    await until(() => compared.length === 1);
    assert.deepEqual(compared, [['base', 'run']]);
  });

  it('saves a direction chosen in the panel to .exptrack/config.json and keeps the rest of the file', async () => {
    const { page } = await open(['a', 'b']);
    const file = path.join(dir, '.exptrack', 'config.json');
    fs.writeFileSync(file, JSON.stringify({ recorder: { outputGlobs: ['x/**'] } }));
    await page.evaluate(() => {
      const d = document.querySelector('table.curves vscode-dropdown') as HTMLElement & { value: string };
      d.value = 'higher';
      d.dispatchEvent(new Event('change'));
    });
    await until(() => fs.readFileSync(file, 'utf8').includes('higher'));
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { recorder: { outputGlobs: ['x/**'] }, metrics: { directions: { val_loss: 'higher' } } });
  });

  it('shows run names that look like HTML as text, and runs none of it', async () => {
    const { page } = await open([evil, `${evil}2`]);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.ok((await page.textContent('h1'))!.includes(evil));
  });

  it('ignores evidence requests for paths the report does not name', async () => {
    const { page } = await open(['a', 'b']);
    const toHost = (m: unknown) => page.evaluate((msg) => (window as unknown as { __exptrackToHost(x: unknown): void }).__exptrackToHost(msg), m);
    await toHost({ type: 'openInput', path: '/etc/passwd', lineage: false });
    await toHost({ type: 'openCodeDiff', path: 'train.py' });
    await toHost({ type: 'openInput', path: 1 });
    // The malformed one is logged once it arrives: after it, the two well-formed ones were handled.
    await until(() => wb.log.some((l) => l.includes('invalid message')));
    assert.deepEqual(wb.executed, []);
  });
});
