import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunSummary } from '../../src/core/model';
import type { ExptrackApi } from '../../src/extension/extension';
import { waitFor } from '../integration/waitFor';

describe('Restricted Mode (untrusted workspace)', function () {
  this.timeout(120_000);

  it('records a command typed into a terminal but never starts one on the user\'s behalf', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is not trusted');
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const runs = async (): Promise<RunSummary[]> => {
      const [s] = await ext.stores.openExisting();
      if (!s) return [];
      await s.store.refresh();
      return s.store.listRuns();
    };

    // Recording still works: the user runs the command themselves.
    const terminal = vscode.window.createTerminal({ name: 'restricted', cwd: folder.uri.fsPath, shellPath: '/bin/bash' });
    await waitFor('shell integration', () => terminal.shellIntegration);
    terminal.sendText('python3 train.py --epochs 2 --sleep 0');
    const recorded = await waitFor('the terminal run', async () => (await runs()).find((r) => r.status === 'finished'), 60_000);
    assert.equal(recorded.metrics.val_acc?.count, 2);
    terminal.dispose();

    // Nothing runs on the user's behalf: Run Current File and Re-run refuse.
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'train.py'));
    const started: string[] = [];
    const sub = vscode.tasks.onDidStartTask((e) => started.push(e.execution.task.name));
    const [groups] = [await ext.runsTree.getChildren()];
    const runNode = (await ext.runsTree.getChildren(groups[0])).find((n) => n.type === 'run');
    assert.ok(runNode, 'the recorded run is in the tree');
    await vscode.commands.executeCommand('exptrack.runCurrentFile');
    await vscode.commands.executeCommand('exptrack.rerun', runNode, [runNode]);
    await new Promise((r) => setTimeout(r, 3000));
    sub.dispose();
    assert.deepEqual(started, [], 'no task was started');
    assert.equal((await runs()).length, 1, 'no new run was recorded');
  });
});
