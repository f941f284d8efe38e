import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../src/core/model';
import type { ExptrackApi } from '../../src/extension/extension';
import { waitFor } from './waitFor';

async function api(): Promise<ExptrackApi> {
  const a = await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate();
  assert.ok(a, 'extension activated');
  return a;
}

const workspaceDir = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

const SCRIPT = [
  'import argparse',
  '',
  'def main():',
  '    p = argparse.ArgumentParser()',
  "    p.add_argument('--lr', type=float, default=0.1)",
  "    p.add_argument('--epochs', type=int, default=1)",
  '    args = p.parse_args()',
  '    print("val_acc=%.3f" % (0.9 - abs(args.lr - 0.02)))',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');

/** Our lenses on `uri` (other extensions may add theirs). */
async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
  return (all ?? []).filter((l) => l.command?.command.startsWith('exptrack.'));
}

describe('the script CodeLens and the flag hover', function () {
  this.timeout(180_000);
  let script: string;
  let other: string;

  before(() => {
    script = path.join(workspaceDir(), 'lens_train.py');
    other = path.join(workspaceDir(), 'lens_no_runs.py');
    fs.writeFileSync(script, SCRIPT);
    fs.writeFileSync(other, SCRIPT);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('exptrack').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('shows the last result against the baseline above the entry point, hovers a flag, re-runs the script', async () => {
    const a = await api();
    const folder = await a.extension.recorders.forPath(workspaceDir());
    const ids: string[] = [];
    for (const lr of ['0.1', '0.03']) {
      const run = folder.recorder.spawn({ command: `python3 lens_train.py --lr ${lr}`, cwd: workspaceDir(), source: 'task' });
      await run.done;
      ids.push(run.run.id);
    }
    const store = folder.folderStore.store;
    store.setTags(ids[0], { 'exptrack.baseline': '1' });
    await store.flush();

    const doc = await vscode.workspace.openTextDocument(script);
    await vscode.window.showTextDocument(doc);
    const found = await waitFor('the lenses of lens_train.py', async () => {
      const l = await lenses(doc.uri);
      return l.length === 3 && /· 2 runs$/.test(l[0].command!.title) ? l : undefined;
    });
    // val_acc 0.89 against the baseline's 0.82: +8.5%.
    assert.equal(found[0].command!.title, 'last: val_acc 0.89 (+8.5% vs baseline) · 2 runs');
    assert.deepEqual(found.map((l) => l.command!.title).slice(1), ['Re-run', 'Compare']);
    assert.equal(found[0].range.start.line, 9, 'above `if __name__ == "__main__":`');
    assert.deepEqual(found[1].command!.arguments, [script]);

    // A script nobody ran gets none.
    const none = await vscode.workspace.openTextDocument(other);
    assert.deepEqual(await lenses(none.uri), []);

    // The hover on --lr: both values, and which gave the best val_acc.
    const at = doc.positionAt(SCRIPT.indexOf("'--lr'") + 3);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /`--lr` across 2 runs of this script/);
    assert.match(text, /Best val\\_acc: \*\*0\.89\*\* with `--lr` = `0\.03`/);
    assert.match(text, /\| `0\.03` \| 1 \| 0\.89 \|\n\| `0\.1` \| 1 \| 0\.82 \|/, 'values in numeric order');
    // Not on a plain word of the same line.
    const plain = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(SCRIPT.indexOf('type=float')));
    assert.ok(!plain.some((h) => h.contents.some((c) => typeof c !== 'string' && 'value' in c && c.value.includes('across'))));

    // Re-run from the lens: nothing changed since the run, so it starts at once.
    const before = new Set(store.listRuns().map((r) => r.id));
    await vscode.commands.executeCommand(found[1].command!.command, ...found[1].command!.arguments!);
    const rerun = await waitFor('the re-run', async () => {
      await store.refresh();
      return store.listRuns().find((r: RunSummary) => !before.has(r.id) && r.status === 'finished');
    }, 90_000);
    assert.equal(store.getRun(rerun.id)!.tags['exptrack.rerunOf'], ids[1]);
    await waitFor('the lens to count the re-run', async () => /· 3 runs$/.test((await lenses(doc.uri))[0]?.command?.title ?? '') || undefined);

    // The setting turns them off.
    await vscode.workspace.getConfiguration('exptrack').update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    await waitFor('no lenses', async () => (await lenses(doc.uri)).length === 0 || undefined);
  });
});
