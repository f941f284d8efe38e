import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageQueries } from '../../src/core/lineage/lineageQueries';
import { storeSqlReader } from '../../src/core/lineage/storeSqlReader';
import type { ArtifactKind, ArtifactRole } from '../../src/core/model';
import { Store } from '../../src/core/store/store';
import type { LineageTarget } from '../../src/protocol/lineageMessages';
import { LineagePanel } from '../../src/extension/panels/lineagePanel';
import type { PanelContext, PanelDataSource, PanelVscode } from '../../src/extension/panels/panelContext';
import { PanelManager } from '../../src/extension/panels/panelManager';
import { FakeWorkbench, type FakeWebviewPanel } from './harness/fakeWorkbench';
import { PanelBrowser, repoRoot, type PageWithLog } from './harness/panelBrowser';
import type { ThemeKind } from './harness/themes';

const screenshots = path.join(repoRoot, 'test-results', 'lineage');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const xssName = '<img src=x onerror="window.__xss=1">';

/** File contents of the pipeline, so the test can put some of them on disk. */
const content = { raw: 'raw v1', dataV1: 'a,b\n1,2\n', dataV2: 'a,b\n3,4\n', test: 'test split', modelV1: 'weights v1', modelV2: 'weights v2', m1: '{"acc":0.8}', m2: '{"acc":0.9}' };

type Art = [string, keyof typeof content, ArtifactKind];
const steps: { id: string; name: string; exp: string; cmd: string; params?: Record<string, number>; ins: Art[]; outs: Art[] }[] = [
  { id: 'prep1', name: 'prepare', exp: 'prepare', cmd: 'python prepare.py', ins: [['data/raw.csv', 'raw', 'dataset']], outs: [['data/train.csv', 'dataV1', 'dataset'], ['data/test.csv', 'test', 'dataset']] },
  { id: 'train1', name: 'train lr=0.1', exp: 'train', cmd: 'python train.py --lr 0.1', params: { lr: 0.1 }, ins: [['data/train.csv', 'dataV1', 'dataset']], outs: [['models/model.pt', 'modelV1', 'model']] },
  { id: 'eval1', name: 'evaluate', exp: 'evaluate', cmd: 'python evaluate.py', ins: [['models/model.pt', 'modelV1', 'model'], ['data/test.csv', 'test', 'dataset']], outs: [['metrics.json', 'm1', 'file']] },
  { id: 'prep2', name: 'prepare (new split)', exp: 'prepare', cmd: 'python prepare.py --seed 2', params: { seed: 2 }, ins: [['data/raw.csv', 'raw', 'dataset']], outs: [['data/train.csv', 'dataV2', 'dataset'], ['data/test.csv', 'test', 'dataset']] },
  { id: 'train2', name: 'train lr=0.1', exp: 'train', cmd: 'python train.py --lr 0.1', params: { lr: 0.1 }, ins: [['data/train.csv', 'dataV2', 'dataset']], outs: [['models/model.pt', 'modelV2', 'model']] },
  { id: 'eval2', name: xssName, exp: 'evaluate', cmd: 'python evaluate.py', ins: [['models/model.pt', 'modelV2', 'model'], ['data/test.csv', 'test', 'dataset']], outs: [['metrics.json', 'm2', 'file']] },
  { id: 'train3', name: 'train again', exp: 'train', cmd: 'python train.py --lr 0.1', params: { lr: 0.1 }, ins: [['data/train.csv', 'dataV2', 'dataset']], outs: [['models/model.pt', 'modelV2', 'model']] },
];

async function recordPipeline(root: string): Promise<Store> {
  const s = await Store.open(path.join(root, '.exptrack'), { logger: quiet });
  const t0 = Date.UTC(2026, 10, 1, 9);
  steps.forEach((p, i) => {
    s.sink.startRun({ id: p.id, experiment: p.exp, name: p.name, command: p.cmd, cwd: root, startedAt: t0 + i * 600_000, source: 'cli' });
    if (p.params) s.sink.params(p.id, p.params);
    s.sink.git(p.id, { commit: null, branch: null, remote: null, dirty: false, snapshot: null });
    s.sink.codeFiles(p.id, { [p.cmd.split(' ')[1]]: `# ${p.cmd.split(' ')[1]}, kept when ${p.cmd} ran\nprint("hello")\n` });
    const art = (role: ArtifactRole) => ([pth, key, kind]: Art) =>
      s.sink.artifact(p.id, { path: pth, role, kind, sha256: sha(content[key]), size: content[key].length, mtime: t0 });
    p.ins.forEach(art('input'));
    p.outs.forEach(art('output'));
    s.sink.endRun(p.id, { endedAt: t0 + i * 600_000 + 120_000, exitCode: i === 5 ? 1 : 0, signal: null, status: i === 5 ? 'failed' : 'finished' });
  });
  await s.flush();
  return s;
}

interface Opened {
  wb: FakeWorkbench;
  panel: FakeWebviewPanel;
  page: PageWithLog;
  manager: PanelManager;
  revealed: string[];
  info: string[];
  documents: { content: string }[];
}

/** The panels' data source over one real store, as StoresDataSource gives it for one folder. */
function storeData(s: Store, workspaceRoot: string): PanelDataSource {
  return {
    getRun: (id) => s.getRun(id),
    series: (id, key, o) => s.series(id, key, o),
    onDidChange: (l) => s.onDidChange(l),
    getCodeFiles: (id) => s.getCodeFiles(id),
    lineageSources: () => [{ workspaceRoot, queries: () => new LineageQueries(storeSqlReader(s)), getRun: (id) => s.getRun(id), getCodeFiles: (id) => s.getCodeFiles(id) }],
  };
}

describe('Lineage panel (Chromium)', function () {
  let browser: PanelBrowser;
  let root: string;
  let store: Store;
  let open: Opened | undefined;

  before(async function () {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'webview', 'lineage.js')), 'run `node esbuild.mjs` first');
    fs.mkdirSync(screenshots, { recursive: true });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-web-'));
    store = await recordPipeline(root);
    browser = await PanelBrowser.start();
  });
  after(async () => {
    await store?.close();
    await browser?.close();
  });
  afterEach(() => {
    open?.manager.dispose();
    open = undefined;
  });

  async function show(target: LineageTarget, theme: ThemeKind = 'dark'): Promise<Opened> {
    const wb = new FakeWorkbench(browser, theme);
    const revealed: string[] = [];
    const info: string[] = [];
    const documents: { content: string }[] = [];
    const base = wb.vscode as unknown as Record<string, Record<string, unknown>>;
    const api = {
      ...base,
      ProgressLocation: { Window: 10, Notification: 15 },
      window: {
        ...base.window,
        // Pick the offered action, as a user who wants the comparison would.
        async showInformationMessage(m: string, ...items: string[]) { info.push(m); return items[0]; },
        async showTextDocument(d: unknown) { documents.push(d as { content: string }); },
        async withProgress(_o: unknown, task: () => Promise<unknown>) { return task(); },
      },
      workspace: { ...base.workspace, async openTextDocument(o: { content: string }) { return o; } },
    };
    const ctx: PanelContext = {
      ...wb.context(storeData(store, root)), vscode: api as unknown as PanelVscode, revealRun: (id) => { revealed.push(id); },
    };
    const manager = new PanelManager(ctx);
    manager.showLineage(target);
    const panel = wb.lastPanel;
    const page = (await panel.webview.loaded!) as PageWithLog;
    await waitForGraph(page);
    return { wb, panel, page, manager, revealed, info, documents };
  }

  async function waitForGraph(page: PageWithLog, nodes?: number): Promise<void> {
    await page.waitForFunction((n) => {
      const drawn = document.body.dataset.graphNodes;
      return drawn !== undefined && (n === undefined || Number(drawn) === n) && document.querySelectorAll('g.node').length === Number(drawn);
    }, nodes, { polling: 'raf', timeout: 30000 });
  }

  const nodeIds = (page: PageWithLog) => page.$$eval('g.node', (els) => els.map((e) => e.getAttribute('data-id')!).sort());
  const posted = (page: PageWithLog) => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);

  it('draws the lineage of a dataset version under the strict CSP, version-aware, with run names as text', async () => {
    open = await show({ type: 'version', path: 'data/train.csv', sha256: sha(content.dataV2) });
    const { page } = open;
    const ids = await nodeIds(page);
    const v = (p: string, k: keyof typeof content) => `${p}@${sha(content[k]).slice(0, 12)}`;
    assert.deepEqual(ids, [v('data/raw.csv', 'raw'), v('data/train.csv', 'dataV2'), v('metrics.json', 'm2'), v('models/model.pt', 'modelV2'), 'eval2', 'prep2', 'train2', 'train3'].sort());
    assert.ok(!ids.includes('train1'), 'version 1 of the data is not part of this lineage');
    assert.equal(await page.locator('path.edge').count(), 8);
    assert.equal(await page.textContent('.lineage-title'), 'data/train.csv v2');
    assert.match((await page.textContent('.lineage-status'))!, /^4 runs, 4 artifact versions/);
    // The run named like markup is text, and nothing ran.
    assert.match((await page.textContent('g.node[data-id="eval2"] .node-title'))!, /<img src=x onerror=/);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('g.node img').count(), 0);
    // The repeat of train2 carries the duplicate mark.
    assert.equal(await page.locator('g.node[data-id="train3"] .dup-mark').count(), 1);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(page.__errors, []);
  });

  it('click a run: revealed in the tree, compare offered and opened; click its script: opened as it was', async () => {
    open = await show({ type: 'run', runId: 'train2' });
    const { page } = open;
    await page.click('g.node[data-id="eval2"] rect.node-box');
    // The offered comparison opens the Compare panel beside it, through the same PanelManager.
    await waitUntil(() => open!.manager.comparedRunIds.length > 0);
    assert.deepEqual(open.revealed, ['eval2']);
    assert.deepEqual(open.manager.comparedRunIds, ['train2', 'eval2']);
    await page.click('g.node[data-id="train2"] .script-link');
    await waitUntil(() => open!.documents.length === 1);
    assert.match(open.documents[0].content, /^# train\.py, kept when python train\.py --lr 0\.1 ran/);
    assert.equal(await page.getAttribute('g.node[data-id="train2"]', 'class').then((c) => c!.includes('selected')), true);
    // The toolbar compares every run in the graph, oldest first.
    await page.click('[title="Compare the runs in this graph"]');
    await waitUntil(() => open!.manager.comparedRunIds.length === 3);
    assert.deepEqual(open.manager.comparedRunIds, ['prep2', 'train2', 'eval2']);
  });

  it('click an artifact: opened when unchanged, a warning when it changed or vanished', async () => {
    open = await show({ type: 'path', path: 'data/train.csv' });
    const { page, wb } = open;
    assert.match((await page.textContent('.lineage-title'))!, /data\/train\.csv \(2 versions\)/);
    fs.mkdirSync(path.join(root, 'data'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'train.csv'), content.dataV2);
    const v1 = `data/train.csv@${sha(content.dataV1).slice(0, 12)}`;
    const v2 = `data/train.csv@${sha(content.dataV2).slice(0, 12)}`;
    await page.click(`g.node[data-id="${v2}"] rect.node-box`);
    await waitUntil(() => wb.executed.length === 1);
    assert.equal(wb.executed[0].command, 'vscode.open');
    await page.click(`g.node[data-id="${v1}"] rect.node-box`);
    await waitUntil(() => wb.warnings.length === 1);
    assert.equal(wb.warnings[0], 'data/train.csv changed since this version: the file on disk is version 2 of 2.');
    await page.click(`g.node[data-id="models/model.pt@${sha(content.modelV1).slice(0, 12)}"] rect.node-box`);
    await waitUntil(() => wb.warnings.length === 2);
    assert.match(wb.warnings[1], /^models\/model\.pt no longer exists on disk/);
  });

  it('keeps the graph fitted to the view while the view is resized, until the user pans or zooms', async () => {
    open = await show({ type: 'run', runId: 'train1' });
    const { page } = open;
    const centres = () => page.evaluate(() => {
      const svg = document.querySelector('svg.lineage-svg')!.getBoundingClientRect();
      const scene = document.querySelector('g.scene')!.getBoundingClientRect();
      return { svg: svg.left + svg.width / 2, scene: scene.left + scene.width / 2, width: scene.width };
    });
    const size = page.viewportSize()!;
    const before = await centres();
    // The editor group grows after the panel opened (VS Code lays a new webview out late).
    await page.setViewportSize({ width: size.width + 400, height: size.height + 200 });
    await page.waitForFunction((w) => document.querySelector('svg.lineage-svg')!.getBoundingClientRect().width > w, size.width);
    await page.waitForFunction(() => {
      const svg = document.querySelector('svg.lineage-svg')!.getBoundingClientRect();
      const scene = document.querySelector('g.scene')!.getBoundingClientRect();
      return Math.abs(svg.left + svg.width / 2 - (scene.left + scene.width / 2)) < 2;
    });
    const after = await centres();
    assert.ok(after.width >= before.width, `the graph is not drawn smaller (${before.width} -> ${after.width})`);
    // Once the user moved it, a resize leaves their view alone.
    const box = (await page.locator('svg.lineage-svg').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 120, box.y + 20, { steps: 4 });
    await page.mouse.up();
    const moved = await page.getAttribute('g.scene', 'transform');
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute('g.scene', 'transform'), moved);
  });

  it('direction and hop limit re-query; pan, zoom and selection survive a reload and a restore', async () => {
    open = await show({ type: 'run', runId: 'train1' });
    const { page, panel, wb } = open;
    assert.equal((await nodeIds(page)).length, 7);
    await page.$eval('vscode-dropdown[aria-label="Direction"]', (d) => {
      (d as HTMLElement & { value: string }).value = 'down';
      d.dispatchEvent(new Event('change'));
    });
    await waitForGraph(page, 4);
    assert.deepEqual(await nodeIds(page), [`metrics.json@${sha(content.m1).slice(0, 12)}`, `models/model.pt@${sha(content.modelV1).slice(0, 12)}`, 'eval1', 'train1'].sort());
    await page.$eval('vscode-dropdown[aria-label="Hop limit"]', (d) => {
      (d as HTMLElement & { value: string }).value = '1';
      d.dispatchEvent(new Event('change'));
    });
    await waitForGraph(page, 2);
    assert.match((await page.textContent('.lineage-status'))!, /more beyond 1 hop/);
    await page.click('g.node[data-id="train1"] rect.node-box');
    // Pan by dragging the background, zoom with the wheel.
    const box = (await page.locator('svg.lineage-svg').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 80, box.y + 60, { steps: 4 });
    await page.mouse.up();
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(250);
    const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('exptrack-webview-state')!));
    assert.deepEqual(state.query, { direction: 'down', hops: 1 });
    assert.equal(state.selected, 'train1');
    assert.ok(state.viewport.k > 1, 'zoomed in');
    await page.reload();
    await waitForGraph(page, 2);
    const transform = await page.getAttribute('g.scene', 'transform');
    assert.equal(transform, `translate(${state.viewport.x.toFixed(2)},${state.viewport.y.toFixed(2)}) scale(${state.viewport.k.toFixed(4)})`);
    assert.ok((await page.getAttribute('g.node[data-id="train1"]', 'class'))!.includes('selected'));
    // After a window reload VS Code hands the serializer a new panel and the saved state.
    panel.dispose();
    const serializer = wb.serializers.get(LineagePanel.viewType)!;
    const restored = wb.restoredPanel(LineagePanel.viewType);
    await serializer.deserializeWebviewPanel(restored, state);
    const page2 = (await restored.webview.loaded!) as PageWithLog;
    await page2.evaluate((s) => sessionStorage.setItem('exptrack-webview-state', JSON.stringify(s)), state);
    await page2.reload();
    await waitForGraph(page2, 2);
    assert.equal(restored.title, 'Lineage: train lr=0.1');
    restored.dispose();
    void panel;
  });

  it('screenshot: a sweep over two dataset versions, selected model (dark and light)', async () => {
    // A second project: two splits of the data, a learning-rate sweep on each, every model evaluated.
    const sweepRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-sweep-'));
    const s = await Store.open(path.join(sweepRoot, '.exptrack'), { logger: quiet });
    const t0 = Date.UTC(2026, 10, 2, 9);
    let n = 0;
    const start = (id: string, name: string, exp: string, cmd: string, status: 'finished' | 'failed' | 'running' = 'finished') => {
      s.sink.startRun({ id, experiment: exp, name, command: cmd, cwd: sweepRoot, startedAt: t0 + (n++) * 60_000, source: 'cli' });
      if (status !== 'running') s.sink.endRun(id, { endedAt: t0 + n * 60_000, exitCode: status === 'failed' ? 1 : 0, signal: null, status });
    };
    const a = (run: string, p: string, h: string, role: ArtifactRole, kind: ArtifactKind, size: number) => s.sink.artifact(run, { path: p, role, kind, sha256: sha(h), size, mtime: t0 });
    for (const split of [1, 2]) {
      start(`prep${split}`, `prepare seed=${split}`, 'prepare', `python prepare.py --seed ${split}`);
      a(`prep${split}`, 'data/raw', 'raw', 'input', 'dataset', 52_000_000);
      a(`prep${split}`, 'data/train.parquet', `train${split}`, 'output', 'dataset', 12_400_000 + split);
      a(`prep${split}`, 'data/test.parquet', 'test', 'output', 'dataset', 3_100_000);
      for (const lr of ['1e-3', '3e-4', '1e-4']) {
        const id = `train${split}-${lr}`;
        start(id, `resnet18 lr=${lr}`, 'train', `python train.py --lr ${lr}`, split === 2 && lr === '1e-4' ? 'failed' : split === 2 && lr === '3e-4' ? 'running' : 'finished');
        a(id, 'data/train.parquet', `train${split}`, 'input', 'dataset', 12_400_000 + split);
        if (split === 2 && lr !== '1e-3') continue;
        a(id, 'checkpoints/model.safetensors', `model${split}${lr}`, 'output', 'model', 46_800_000);
        start(`eval${split}-${lr}`, `evaluate lr=${lr}`, 'evaluate', 'python evaluate.py');
        a(`eval${split}-${lr}`, 'checkpoints/model.safetensors', `model${split}${lr}`, 'input', 'model', 46_800_000);
        a(`eval${split}-${lr}`, 'data/test.parquet', 'test', 'input', 'dataset', 3_100_000);
        a(`eval${split}-${lr}`, 'reports/metrics.json', `metrics${split}${lr}`, 'output', 'file', 210);
      }
    }
    await s.close();
    const sweep = await Store.open(path.join(sweepRoot, '.exptrack'), { logger: quiet, readOnly: true });
    try {
      for (const theme of ['dark', 'light'] as const) {
        const wb = new FakeWorkbench(browser, theme);
        const manager = new PanelManager(wb.context(storeData(sweep, sweepRoot)));
        manager.showLineage({ type: 'path', path: 'data/raw' });
        const page = (await wb.lastPanel.webview.loaded!) as PageWithLog;
        await waitForGraph(page);
        await page.click(`g.node[data-id="checkpoints/model.safetensors@${sha('model13e-4').slice(0, 12)}"] rect.node-box`);
        await page.waitForTimeout(150);
        await page.screenshot({ path: path.join(screenshots, `lineage-sweep-${theme}.png`) });
        assert.deepEqual(page.__errors, []);
        assert.equal(await page.locator('g.node').count(), 24);
        manager.dispose();
      }
    } finally {
      await sweep.close();
    }
  });

  it('follows the store live, and walks the graph with the keyboard', async () => {
    open = await show({ type: 'version', path: 'data/train.csv', sha256: sha(content.dataV2) }, 'dark');
    const { page } = open;
    await waitForGraph(page, 8);
    // A new run reads the same dataset version: the open panel redraws with it, keeping the view.
    store.sink.startRun({ id: 'train4', experiment: 'train', name: 'train lr=0.05', command: 'python train.py --lr 0.05', cwd: root, startedAt: Date.UTC(2026, 10, 1, 12), source: 'cli' });
    store.sink.artifact('train4', { path: 'data/train.csv', role: 'input', kind: 'dataset', sha256: sha(content.dataV2), size: 8, mtime: 0 });
    store.sink.endRun('train4', { endedAt: Date.UTC(2026, 10, 1, 12, 5), exitCode: 0, signal: null, status: 'finished' });
    await store.flush();
    await waitForGraph(page, 9);
    assert.ok((await nodeIds(page)).includes('train4'));
    // Keyboard: from the dataset version, Right goes downstream, Left back up.
    const v2 = `data/train.csv@${sha(content.dataV2).slice(0, 12)}`;
    await page.focus(`g.node[data-id="${v2}"]`);
    await page.keyboard.press('ArrowRight');
    const right = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
    assert.ok(['train2', 'train3', 'train4'].includes(right!), `focused ${right}`);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), v2);
    await page.keyboard.press('Enter');
    await waitUntil(() => open!.wb.executed.length + open!.wb.warnings.length > 0);
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`screenshot: a data path with all its versions (${theme})`, async () => {
      open = await show({ type: 'path', path: 'data/train.csv' }, theme);
      await open.page.click(`g.node[data-id="data/train.csv@${sha(content.dataV2).slice(0, 12)}"] rect.node-box`);
      await open.page.waitForTimeout(200);
      await open.page.screenshot({ path: path.join(screenshots, `lineage-${theme}.png`) });
      assert.deepEqual(open.page.__errors, []);
    });
  }
});

async function waitUntil(f: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
