import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../src/core/model';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';
import { waitFor } from './waitFor';

async function api(): Promise<ExptrackApi> {
  const ext = vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!;
  const a = await ext.activate();
  assert.ok(a, 'extension activated');
  return a;
}

const workspaceDir = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function runs(a: ExptrackApi): Promise<RunSummary[]> {
  const [folderStore] = await a.extension.stores.openExisting();
  if (!folderStore) return [];
  await folderStore.store.refresh();
  return folderStore.store.listRuns();
}

async function treeRuns(a: ExptrackApi): Promise<(RunsNode & { type: 'run' })[]> {
  const out: (RunsNode & { type: 'run' })[] = [];
  const walk = async (nodes: RunsNode[]) => {
    for (const n of nodes) {
      if (n.type === 'run') out.push(n);
      else if (n.type === 'group' || n.type === 'folder') await walk(await a.extension.runsTree.getChildren(n));
    }
  };
  await walk(await a.extension.runsTree.getChildren());
  return out;
}

describe('capture and the Runs view', function () {
  this.timeout(120_000);

  it('records a tracked task end to end', async () => {
    const a = await api();
    const task = a.extension.tasks.commandTask(['python3', 'train.py', '--lr', '0.05', '--epochs', '3', '--sleep', '0', '--data', 'data/train.csv'], workspaceDir(),
      { experiment: 'logreg', name: 'task-run' });
    const ended = new Promise<number | undefined>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution.task.name === task.name) { sub.dispose(); resolve(e.exitCode); } });
    });
    await vscode.tasks.executeTask(task);
    assert.equal(await ended, 0);
    const run = await waitFor('the task run to be finished', async () => (await runs(a)).find((r) => r.name === 'task-run' && r.status === 'finished'));
    const [folderStore] = await a.extension.stores.openExisting();
    const detail = folderStore.store.getRun(run.id)!;
    assert.equal(detail.experiment, 'logreg');
    assert.equal(detail.params.lr, 0.05);
    assert.equal(detail.params.epochs, 3);
    assert.equal(detail.metrics.val_acc?.count, 3);
    assert.equal(detail.metrics.train_loss?.count, 3);
    assert.ok(detail.artifacts.some((x) => x.path.endsWith('outputs/model.json') && x.role === 'output'), 'the model file is an output');
    assert.ok(detail.artifacts.some((x) => x.path.endsWith('data/train.csv') && x.role === 'input'), 'the dataset is an input');
    assert.equal(detail.exitCode, 0);
  });

  it('records a command typed into a terminal, with its metrics and exit code', async () => {
    const a = await api();
    const terminal = vscode.window.createTerminal({ name: 'capture-test', cwd: workspaceDir(), shellPath: '/bin/bash' });
    await waitFor('shell integration', () => terminal.shellIntegration, 30_000);
    const before = new Set((await runs(a)).map((r) => r.id));
    terminal.sendText('python3 train.py --lr 0.3 --epochs 2 --sleep 0');
    const run = await waitFor('the terminal run', async () => (await runs(a)).find((r) => !before.has(r.id) && r.status !== 'running'), 60_000);
    assert.equal(run.status, 'finished');
    assert.equal(run.exitCode, 0);
    assert.match(run.command, /train\.py --lr 0\.3/);
    assert.equal(run.metrics.val_acc?.count, 2);
    const failing = new Set((await runs(a)).map((r) => r.id));
    terminal.sendText('python3 train.py --epochs notanumber');
    const failed = await waitFor('the failing terminal run', async () => (await runs(a)).find((r) => !failing.has(r.id) && r.status !== 'running'), 60_000);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.exitCode, 2);
    terminal.dispose();
  });

  it('shows both runs in the tree, grouped by experiment, and filters them', async () => {
    const a = await api();
    const nodes = await waitFor('runs in the tree', async () => { const r = await treeRuns(a); return r.length >= 3 ? r : undefined; });
    const groups = (await a.extension.runsTree.getChildren()).filter((n) => n.type === 'group').map((n) => (n as { label: string }).label);
    assert.ok(groups.includes('logreg') && groups.includes('train.py'), `groups: ${groups}`);
    const item = a.extension.runsTree.getTreeItem(nodes.find((n) => n.run.name === 'task-run')!);
    assert.match(String(item.description), /^[\d.e-]+ val_acc · /);
    a.extension.runsTree.setFilter('params.lr = 0.3');
    try {
      const filtered = await treeRuns(a);
      assert.equal(filtered.length, 1);
      assert.match(filtered[0].run.command, /--lr 0\.3/);
      // A filter that hides every run says so in the view (the welcome is for a workspace without runs).
      a.extension.runsTree.setFilter('params.lr = 12345');
      const none = await a.extension.runsTree.getChildren();
      assert.deepEqual(none.map((n) => (n.type === 'leaf' ? String(n.item.label) : n.type)), ['No run matches "params.lr = 12345"']);
    } finally {
      a.extension.runsTree.setFilter('');
    }
  });

  it('renames, tags and deletes runs from the tree commands', async () => {
    const a = await api();
    const node = (await treeRuns(a)).find((n) => n.run.name === 'task-run')!;
    const store = node.folderStore.store;
    store.renameRun(node.run.id, 'renamed <b>run</b>');
    store.setTags(node.run.id, { best: '', dataset: 'v1' });
    await store.flush();
    const renamed = await waitFor('the renamed run in the tree', async () => (await treeRuns(a)).find((n) => n.run.id === node.run.id && n.run.name === 'renamed <b>run</b>'));
    assert.ok(renamed);
    assert.deepEqual(store.getRun(node.run.id)!.tags, { best: '', dataset: 'v1' });
    const tagged = store.listRuns({ filter: 'tags.best' }).map((r) => r.id);
    assert.deepEqual(tagged, [node.run.id]);
    store.deleteRun(node.run.id);
    await store.flush();
    await waitFor('the run to leave the tree', async () => !(await treeRuns(a)).some((n) => n.run.id === node.run.id));
  });

  it('shows a run recorded by the CLI in another process live', async () => {
    const a = await api();
    const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');
    const child = spawn(process.execPath, [cli, 'run', '--name', 'from-cli', '--', 'python3', 'train.py', '--epochs', '4', '--sleep', '0.5'],
      { cwd: workspaceDir(), stdio: 'ignore', env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const live = await waitFor('the CLI run in the tree while it runs', async () =>
      (await treeRuns(a)).find((n) => n.run.name === 'from-cli' && n.run.status === 'running'), 20_000);
    assert.ok(live);
    assert.equal(await exited, 0);
    await waitFor('the CLI run to be finished in the tree', async () =>
      (await treeRuns(a)).find((n) => n.run.name === 'from-cli' && n.run.status === 'finished' && n.run.metrics.val_acc?.count === 4), 20_000);
  });

  it('brings a new metric from a CLI run in another process to the tree and prints how long it took', async () => {
    const a = await api();
    const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');
    const script = 'import time\nfor s in range(1, 4):\n    print(f"step {s} loss={1/s:.4f}", flush=True)\n    time.sleep(3)\n';
    const child = spawn(process.execPath, [cli, 'run', '--name', 'latency', '--', 'python3', '-c', script], { cwd: workspaceDir(), env: { ...process.env, EXPTRACK_DIR: '.exptrack' } });
    const printedAt: number[] = [];
    child.stdout!.on('data', (d: Buffer) => { for (const _ of String(d).matchAll(/step \d/g)) printedAt.push(Date.now()); });
    const latencies: number[] = [];
    for (const n of [2, 3]) {
      await waitFor(`line ${n} printed`, () => printedAt.length >= n || undefined, 20_000);
      await waitFor(`metric point ${n} in the tree`, async () =>
        (await treeRuns(a)).find((x) => x.run.name === 'latency' && (x.run.metrics.loss?.count ?? 0) >= n), 10_000);
      latencies.push(Date.now() - printedAt[n - 1]);
    }
    child.kill('SIGINT');
    console.log(`    latency from a printed line to the tree: ${latencies.join(' ms, ')} ms`);
  });
});
