import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import { waitFor } from './waitFor';

/** Runs a command in the terminal through shell integration and returns what it printed. */
async function output(terminal: vscode.Terminal, command: string): Promise<string> {
  const shell = await waitFor('shell integration', () => terminal.shellIntegration, 30_000);
  const execution = shell.executeCommand(command);
  let text = '';
  for await (const chunk of execution.read()) text += chunk;
  // Shell-integration marks and colours out, one line ending.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n?/g, '\n');
}

describe('the exptrack command in a new terminal', function () {
  this.timeout(120_000);

  it('is on PATH, runs with the editor\'s runtime and records into the window\'s store', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const ext = api.extension;
    const folder = vscode.workspace.workspaceFolders![0];
    const pkg = vscode.extensions.getExtension('exptrack.exptrack')!.packageJSON as { version: string };
    const terminal = vscode.window.createTerminal({ name: 'cli-test', cwd: folder.uri.fsPath, shellPath: '/bin/bash' });
    try {
      const which = await output(terminal, 'command -v exptrack');
      const binDir = path.join(vscode.extensions.getExtension('exptrack.exptrack')!.extensionPath, 'dist', 'bin');
      assert.equal(which.trim().split('\n').pop(), path.join(binDir, 'exptrack'), 'the extension\'s own launcher, first on PATH');
      assert.equal((await output(terminal, 'exptrack --version')).trim().split('\n').pop(), pkg.version);

      const { store } = await ext.stores.get(folder);
      const before = new Set(store.listRuns().map((r) => r.id));
      const ran = await output(terminal, 'exptrack run --experiment cli-in-terminal -- python3 -c "print(\'loss=0.25\')"');
      assert.match(ran, /loss=0\.25/);
      const run = await waitFor('the run in the window\'s store', async () => {
        await store.refresh();
        return store.listRuns({ experiment: 'cli-in-terminal' }).find((r) => !before.has(r.id) && r.status !== 'running');
      }, 30_000);
      assert.equal(run.status, 'finished');
      assert.equal(run.metrics.loss?.last, 0.25);
      // What ran it: the editor's runtime (EXPTRACK_NODE), not whatever node the terminal has.
      assert.match(await output(terminal, 'echo "node=$EXPTRACK_NODE"'), new RegExp(`node=${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      terminal.dispose();
    }
  });
});
