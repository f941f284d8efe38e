import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import type { RunsNode } from '../../src/extension/trees/runsTree';
import { waitFor } from './waitFor';

function webviewTabs(viewTypeFragment: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(viewTypeFragment));
}

describe('panels', function () {
  this.timeout(120_000);

  it('opens the Compare panel beside the editor from a tree selection', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const { store } = await ext.stores.get(folder);
    for (const [i, lr] of ['0.1', '0.3'].entries()) {
      const id = `panel-run-${i}`;
      store.sink.startRun({ id, experiment: 'panels', name: `panel-${lr}`, command: `python3 train.py --lr ${lr}`, cwd: folder.uri.fsPath, startedAt: Date.now() + i, source: 'cli' });
      store.sink.params(id, { lr: Number(lr) });
      store.sink.metrics(id, [1, 2, 3].map((step) => ({ key: 'loss', value: 1 / (step + i), step, time: Date.now() })));
      store.sink.endRun(id, { endedAt: Date.now() + 10, exitCode: 0, signal: null, status: 'finished' });
    }
    await store.flush();
    const nodes = await waitFor('both runs in the tree', async () => {
      const groups = await ext.runsTree.getChildren();
      const group = groups.find((g) => g.type === 'group' && g.label === 'panels');
      const runs = group ? await ext.runsTree.getChildren(group) : [];
      return runs.length === 2 ? runs as RunsNode[] : undefined;
    });
    const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'train.py'));
    await vscode.commands.executeCommand('exptrack.compareRuns', nodes[0], nodes);
    const tab = await waitFor('the Compare panel', () => webviewTabs('compare')[0]);
    assert.notEqual(tab.group.viewColumn, editor.viewColumn, 'opened beside the editor, not over it');
    await vscode.commands.executeCommand('exptrack.showRun', nodes[0]);
    await waitFor('the Run panel', () => webviewTabs('exptrack.run')[0]);
    // From the tree's context menu just after the view refreshed, VS Code passes no nodes (it dropped
    // the old nodes' handles): the command acts on the selection, not on a run picked from a list.
    await vscode.commands.executeCommand('workbench.view.extension.exptrack');
    await ext.runsView.reveal(nodes[1], { select: true, focus: true });
    await waitFor('the selection', () => ext.runsView.selection.length === 1 || undefined);
    await vscode.commands.executeCommand('exptrack.showRun', undefined, [undefined]);
    await waitFor(`the Run panel of ${nodes[1].type === 'run' ? nodes[1].run.name : ''}`, () =>
      webviewTabs('exptrack.run').find((t) => nodes[1].type === 'run' && t.label === `Run: ${nodes[1].run.name}`));
  });

  it('opens the Lineage panel from a run in the tree', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const groups = await api.extension.runsTree.getChildren();
    const group = groups.find((g) => g.type === 'group' && g.label === 'panels')!;
    const [run] = await api.extension.runsTree.getChildren(group);
    await vscode.commands.executeCommand('exptrack.showLineage', run, [run]);
    await waitFor('the Lineage panel', () => webviewTabs('lineage')[0]);
  });
});
