import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';
import { waitFor } from './waitFor';

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : item.label?.label ?? '');

describe('Runs view rows', function () {
  this.timeout(120_000);

  it('leads a row with the headline value, shows tags, folds the package list and formats the environment', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const { store } = await ext.stores.get(folder);
    const id = 'tree-row-run';
    const started = Date.now() - 30_000;
    store.sink.startRun({ id, experiment: 'tree-rows', name: 'swift-otter-417', command: 'python3 train.py', cwd: folder.uri.fsPath, startedAt: started, source: 'cli' });
    store.sink.metrics(id, [{ key: 'train_loss', value: 0.25, step: 1, time: started }, { key: 'val_acc', value: 0.91234, step: 1, time: started }]);
    store.sink.environment(id, {
      os: { platform: 'linux' }, memoryBytes: 33_554_432_000, gpus: [], user: null,
      packages: Array.from({ length: 40 }, (_, i) => `pkg${i}==1.0.${i}`), packagesSource: 'pip freeze',
    });
    store.sink.tags(id, { best: '', data: 'v2' });
    store.sink.endRun(id, { endedAt: started + 5000, exitCode: 0, signal: null, status: 'finished' });
    await store.flush();
    const tree = ext.runsTree;
    const run = await waitFor('the run in the tree with its tags', async () => {
      const group = (await tree.getChildren()).find((g) => g.type === 'group' && g.label === 'tree-rows');
      const node = group && (await tree.getChildren(group)).find((n) => n.type === 'run' && n.run.id === id);
      return node && node.type === 'run' && node.tags ? node : undefined;
    });
    // The value first: a narrow sidebar cuts the end of the description, not the number.
    // Tags in the label (VS Code cuts descriptions, not labels), the value first in the description.
    assert.equal(label(tree.getTreeItem(run)), 'swift-otter-417 #best #data=v2');
    const first = String(tree.getTreeItem(run).description);
    assert.match(first, /^0\.9123 val_acc · (just now|1m ago)$/);
    // "just now" turns "1m ago" at 45 s: the view is told to redraw then, without any store change
    // (the timer may first fire for other young rows; redraws are at least 10 s apart).
    const timer = tree['ageTimer'] as { due: number } | undefined;
    assert.ok(timer && timer.due - Date.now() <= 61_000, 'an age refresh is scheduled');
    const changesAt = started + 45_000;
    await new Promise<void>((resolve, reject) => {
      const sub = tree.onDidChangeTreeData(() => { if (Date.now() >= changesAt) { sub.dispose(); clearTimeout(late); resolve(); } });
      const late = setTimeout(() => { sub.dispose(); reject(new Error('no redraw after the age label changed')); }, changesAt - Date.now() + 12_000);
    });
    assert.equal(tree.getTreeItem(run).description, '0.9123 val_acc · 1m ago');

    const sections = await tree.getChildren(run);
    const env = sections.find((s) => s.type === 'section' && s.section === 'environment')!;
    const rows = await tree.getChildren(env);
    const items = rows.map((r) => tree.getTreeItem(r));
    assert.deepEqual(items.map((i) => [label(i), i.description]), [
      ['os.platform', 'linux'], ['memory', '31 GiB'], ['packages (40)', undefined], ['packagesSource', 'pip freeze'],
    ]);
    const packages = rows[2];
    assert.equal(items[2].collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const listed = await tree.getChildren(packages);
    assert.equal(listed.length, 40);
    assert.equal(label(tree.getTreeItem(listed[0])), 'pkg0==1.0.0');
    // Ids stay unique across the folded list (VS Code refuses duplicates).
    const ids = new Set(listed.map((n) => tree.getTreeItem(n).id));
    assert.equal(ids.size, 40);
    store.deleteRun(id);
    await store.flush();
  });

  it('reads the open stores only: getChildren opens none', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const { stores, runsTree: tree } = api.extension;
    const opened: string[] = [];
    const { openExisting, get } = stores;
    stores.openExisting = () => { opened.push('openExisting'); return openExisting.call(stores); };
    stores.get = (folder) => { opened.push(`get ${folder.name}`); return get.call(stores, folder); };
    try {
      tree.refresh();
      let rows = 0;
      const walk = async (nodes: RunsNode[]): Promise<void> => {
        for (const n of nodes) {
          rows++;
          if (n.type === 'folder' || n.type === 'group') await walk(await tree.getChildren(n));
        }
      };
      await walk(await tree.getChildren());
      assert.ok(rows > 0, 'the tree has rows');
    } finally {
      stores.openExisting = openExisting;
      stores.get = get;
    }
    assert.deepEqual(opened, []);
  });

  // The view asking for its rows (it just became visible) while reveal() asks for them too: with an
  // async getChildren both fetches ran at once and VS Code registered the same group twice
  // ("Element with id group:... is already registered", seen in CI from the panels tests).
  it('reveals a run as the view opens without registering a row twice', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const { store } = await ext.stores.get(folder);
    const ids = [0, 1, 2].map((i) => `reveal-race-${i}`);
    for (const [i, id] of ids.entries()) {
      store.sink.startRun({ id, experiment: 'reveal-race', name: `race-${i}`, command: 'python3 train.py', cwd: folder.uri.fsPath, startedAt: Date.now() + i, source: 'cli' });
      store.sink.endRun(id, { endedAt: Date.now() + 10, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    await waitFor('the runs in the tree', async () => ids.every((id) => ext.runsTree.findRun(id)) || undefined);
    const errors: string[] = [];
    // VS Code's fetch of a row's children clears what it registered under it, asks the provider, then
    // registers the answer: two fetches of the same rows that overlap register them twice. Count
    // fetches of the top rows still answering when the next one starts.
    const tree = ext.runsTree;
    const getChildren = tree.getChildren.bind(tree);
    let answering = 0;
    let overlaps = 0;
    tree.getChildren = ((node?: RunsNode) => {
      const answer: unknown = getChildren(node);
      if (!node && answer instanceof Promise) {
        if (answering) overlaps++;
        answering++;
        void answer.finally(() => { answering--; });
      }
      return answer;
    }) as typeof tree.getChildren;
    try {
      for (let i = 0; i < 12; i++) {
        const node = await ext.runsTree.findRun(ids[i % ids.length]);
        await vscode.commands.executeCommand('workbench.view.explorer');
        ext.runsTree.refresh();
        await new Promise((r) => setTimeout(r, 300)); // VS Code takes the refresh (debounced 200 ms) while the view is hidden
        const opening = vscode.commands.executeCommand('workbench.view.extension.exptrack');
        // Half the time the view's own fetch starts first, half the time reveal's.
        if (i % 2) await new Promise((r) => setTimeout(r, 5 * (i % 4)));
        await ext.runsView.reveal(node!, { select: true, focus: false }).then(undefined, (e: unknown) => { errors.push(String(e)); });
        await opening;
      }
    } finally {
      tree.getChildren = getChildren;
      for (const id of ids) store.deleteRun(id);
      await store.flush();
    }
    assert.deepEqual(errors, []);
    assert.equal(overlaps, 0, 'the view\'s fetches of its top rows overlapped');
  });

  it('reuses one terminal for tracked tasks run one after another', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const cwd = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const before = vscode.window.terminals.length;
    for (const n of [1, 2, 3]) {
      const task = api.extension.tasks.commandTask(['python3', '-c', `print("loss=${n / 10}")`], cwd, { experiment: 'terminals', name: `terminal-${n}` });
      const ended = new Promise<void>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution.task.name === task.name) { sub.dispose(); resolve(); } });
      });
      await vscode.tasks.executeTask(task);
      await ended;
    }
    // Three different commands: one terminal tab, not three left behind.
    assert.ok(vscode.window.terminals.length - before <= 1, `${vscode.window.terminals.length - before} new terminals`);
  });
});
