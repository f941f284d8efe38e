import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';
import { waitFor } from '../integration/waitFor';

describe('multi-root workspace', function () {
  this.timeout(120_000);

  it('keeps one store per folder and shows each folder in the Runs view', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folders = vscode.workspace.workspaceFolders!;
    assert.equal(folders.length, 2);
    for (const [i, folder] of folders.entries()) {
      const task = ext.tasks.commandTask(['python3', 'train.py', '--epochs', String(i + 2), '--sleep', '0'], folder.uri.fsPath, { name: `run-in-${folder.name}` });
      const ended = new Promise<number | undefined>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution.task.name === task.name) { sub.dispose(); resolve(e.exitCode); } });
      });
      await vscode.tasks.executeTask(task);
      assert.equal(await ended, 0);
    }
    for (const folder of folders) {
      assert.ok(fs.existsSync(path.join(folder.uri.fsPath, '.exptrack', 'journal')) || fs.existsSync(path.join(folder.uri.fsPath, '.exptrack', 'exptrack.db')),
        `${folder.name} has its own store`);
    }
    const roots = await waitFor('a folder node per workspace folder', async () => {
      const r = await ext.runsTree.getChildren();
      return r.length === 2 && r.every((n) => n.type === 'folder') ? r : undefined;
    });
    for (const [i, root] of roots.entries()) {
      const names = await waitFor(`the run of ${folders[i].name}`, async () => {
        const out: string[] = [];
        for (const g of await ext.runsTree.getChildren(root)) {
          for (const r of await ext.runsTree.getChildren(g as RunsNode)) if (r.type === 'run' && r.run.status === 'finished') out.push(r.run.name);
        }
        return out.length ? out : undefined;
      });
      const item = ext.runsTree.getTreeItem(root);
      assert.deepEqual(names, [`run-in-${item.label}`], `only ${item.label}'s own run is under it`);
    }
  });
});
