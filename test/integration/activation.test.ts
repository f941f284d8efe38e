import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExptrackApi } from '../../src/extension/extension';
import { READING_MESSAGE } from '../../src/extension/trees/runsTree';

const EXTENSION_ID = 'exptrack.exptrack';

describe('activation', () => {
  it('activates and reports its activation time', async () => {
    const ext = vscode.extensions.getExtension<ExptrackApi>(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    const api = await ext.activate();
    assert.ok(api, 'activate returned the API (activation did not fail)');
    // The figure is printed, never asserted: timing belongs to `npm run bench`, not to a pass/fail test.
    assert.ok(Number.isFinite(api.activationMs) && api.activationMs >= 0, `activation time ${api.activationMs}`);
    console.log(`    activation: ${api.activationMs.toFixed(1)} ms`);
  });

  it('registers every contributed command, and contributes every registered one', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    // Views get focus/open/... commands of their own (exptrack.runs.focus): those are VS Code's.
    const pkgViews = ['exptrack.runs.', 'exptrack.artifacts.'];
    const registered = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('exptrack.') && !pkgViews.some((v) => c.startsWith(v))).sort();
    assert.deepEqual(registered.filter((c) => !contributed.includes(c)), [], 'registered but not contributed');
    assert.deepEqual(contributed.filter((c) => !registered.includes(c)), [], 'contributed but not registered');
  });

  it('shows the Experiments container with the Runs and Artifacts views', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.exptrack');
    await vscode.commands.executeCommand('exptrack.runs.focus');
    await vscode.commands.executeCommand('exptrack.artifacts.focus');
  });
});

describe('Runs view while a store is read', () => {
  // A big store takes seconds to read (sql.js loads the whole file): the view says so meanwhile.
  it('says it is reading when a read takes long, and nothing for a quick one', async () => {
    const api = await vscode.extensions.getExtension<ExptrackApi>(EXTENSION_ID)!.activate();
    const { runsTree, runsView } = api!.extension!;
    const read = (ms: number): Promise<void> => runsTree['saySlowRead'](new Promise<void>((r) => setTimeout(r, ms)));
    const seen: (string | undefined)[] = [];
    const watch = setInterval(() => seen.push(runsView.message), 20);
    try {
      await read(60);
      assert.ok(seen.every((m) => m !== READING_MESSAGE), 'a quick read shows no message');
      const slow = read(900);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(runsView.message, READING_MESSAGE);
      await slow;
      assert.notEqual(runsView.message, READING_MESSAGE, 'the message goes once the read is done');
    } finally {
      clearInterval(watch);
    }
  });
});
