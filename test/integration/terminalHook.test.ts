import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunSummary } from '../../src/core/model';
import type { ExptrackApi } from '../../src/extension/extension';
import { waitFor } from './waitFor';

async function api(): Promise<ExptrackApi> {
  const a = await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate();
  assert.ok(a, 'extension activated');
  return a;
}

async function runs(a: ExptrackApi): Promise<RunSummary[]> {
  const [folderStore] = await a.extension.stores.openExisting();
  if (!folderStore) return [];
  await folderStore.store.refresh();
  return folderStore.store.listRuns();
}

describe('the Python hook in a terminal', function () {
  this.timeout(120_000);

  it('records the argparse params with their defaults, the data the script opens and its interpreter', async () => {
    const a = await api();
    const cwd = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const terminal = vscode.window.createTerminal({ name: 'hook-test', cwd, shellPath: '/bin/bash' });
    try {
      await waitFor('shell integration', () => terminal.shellIntegration, 30_000);
      const before = new Set((await runs(a)).map((r) => r.id));
      // train.py reads --data (default data/train.csv): neither the path nor the other flags are on the line.
      terminal.sendText('python3 train.py --lr 0.2 --epochs 1 --sleep 0');
      const run = await waitFor('the terminal run', async () => (await runs(a)).find((r) => !before.has(r.id) && r.status !== 'running'), 60_000);
      assert.equal(run.status, 'finished');
      const [folderStore] = await a.extension.stores.openExisting();
      const detail = await waitFor('its packages', () => {
        const d = folderStore.store.getRun(run.id)!;
        return (d.environment as { packages?: unknown[] }).packages ? d : undefined;
      }, 30_000);
      assert.deepEqual({ ...detail.params }, { lr: 0.2, epochs: 1, sleep: 0, 'batch-size': 16, data: 'data/train.csv', seed: 0 });
      const input = detail.artifacts.find((x) => x.path === 'data/train.csv');
      assert.equal(input?.role, 'input', JSON.stringify(detail.artifacts));
      assert.ok(input?.sha256, 'hashed');
      assert.ok((detail.environment as { python?: { executable?: string } }).python?.executable, 'the interpreter the terminal ran');
    } finally {
      terminal.dispose();
    }
  });
});
