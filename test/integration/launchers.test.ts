import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

async function runs(a: ExptrackApi): Promise<RunSummary[]> {
  const [folderStore] = await a.extension.stores.openExisting();
  if (!folderStore) return [];
  await folderStore.store.refresh();
  return folderStore.store.listRuns();
}

/** Sets `python.defaultInterpreterPath` in the workspace's settings file (the Python extension, which registers it, is not installed here). */
async function setDefaultInterpreter(value: string | undefined): Promise<void> {
  const file = path.join(workspaceDir(), '.vscode', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (value === undefined) delete settings['python.defaultInterpreterPath'];
  else settings['python.defaultInterpreterPath'] = value;
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  await waitFor('the setting to apply', () => vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath') === value || undefined, 20_000);
}

/** Runs the current file through the command and waits for its task to end; resolves with its exit code. */
async function runCurrentFile(file: string): Promise<number | undefined> {
  const ended = new Promise<number | undefined>((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.name === `Run ${path.basename(file)} with tracking`) { sub.dispose(); resolve(e.exitCode); }
    });
  });
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  await vscode.commands.executeCommand('exptrack.runCurrentFile');
  return ended;
}

describe('the launchers and what is not an experiment', function () {
  this.timeout(180_000);
  let venv: string;
  let script: string;

  before(() => {
    // A real venv outside the workspace, as `~/venvs/x` or a conda env would be.
    venv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-venv-')), 'venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    script = path.join(workspaceDir(), 'which_python.py');
    fs.writeFileSync(script, 'import sys\nprint("prefix=" + sys.prefix)\nprint("loss=0.5")\n');
  });

  after(async () => {
    await setDefaultInterpreter(undefined);
    fs.rmSync(path.dirname(venv), { recursive: true, force: true });
  });

  it('Run Current File runs python.defaultInterpreterPath', async () => {
    const a = await api();
    const interpreter = path.join(venv, 'bin', 'python');
    await setDefaultInterpreter(interpreter);
    const before = new Set((await runs(a)).map((r) => r.id));
    assert.equal(await runCurrentFile(script), 0);
    const run = await waitFor('the run of which_python.py', async () => (await runs(a)).find((r) => !before.has(r.id) && r.status === 'finished'));
    assert.equal(run.command, `${interpreter} which_python.py`);
    const [folderStore] = await a.extension.stores.openExisting();
    const output = fs.readFileSync(path.join(folderStore.exptrackDir, 'runs', run.id, 'output.log'), 'utf8');
    assert.match(output, new RegExp(`prefix=${venv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`), 'the script ran in the venv');
  });

  it('Run Current File runs the workspace venv when nothing else names one', async () => {
    const a = await api();
    const local = path.join(workspaceDir(), '.venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', local]);
    try {
      await setDefaultInterpreter(path.join(venv, 'bin', 'python'));
      const before = new Set((await runs(a)).map((r) => r.id));
      assert.equal(await runCurrentFile(script), 0);
      const first = await waitFor('the run with the setting', async () => (await runs(a)).find((r) => !before.has(r.id) && r.status === 'finished'));
      assert.equal(first.command, `${path.join(venv, 'bin', 'python')} which_python.py`, 'the setting comes before the workspace venv');
      await setDefaultInterpreter(undefined);
      before.add(first.id);
      assert.equal(await runCurrentFile(script), 0);
      const second = await waitFor('the run with the venv', async () => (await runs(a)).find((r) => !before.has(r.id) && r.status === 'finished'));
      assert.equal(second.command, `${path.join(local, 'bin', 'python')} which_python.py`);
    } finally {
      fs.rmSync(local, { recursive: true, force: true });
    }
  });

  it('leaves no failed run when the interpreter does not exist', async () => {
    const a = await api();
    await setDefaultInterpreter(path.join(venv, 'bin', 'no-such-python'));
    const before = new Set((await runs(a)).map((r) => r.id));
    assert.notEqual(await runCurrentFile(script), 0);
    const [folderStore] = await a.extension.stores.openExisting();
    await folderStore.store.flush();
    assert.deepEqual((await runs(a)).filter((r) => !before.has(r.id)).map((r) => r.command), [], 'no run left behind');
  });

  it('records no run for pip, nor for a terminal command that never started', async () => {
    const a = await api();
    const terminal = vscode.window.createTerminal({ name: 'not-experiments', cwd: workspaceDir(), shellPath: '/bin/bash' });
    await waitFor('shell integration', () => terminal.shellIntegration, 30_000);
    const before = new Set((await runs(a)).map((r) => r.id));
    terminal.sendText('python3 -m pip --version');
    terminal.sendText('python3 no_such_script.py --lr 1');
    // A training command after them: when it is recorded, the two before it have ended.
    terminal.sendText('python3 train.py --lr 0.2 --epochs 1 --sleep 0');
    await waitFor('the training run', async () => (await runs(a)).find((r) => !before.has(r.id) && /train\.py/.test(r.command) && r.status !== 'running'), 60_000);
    const [folderStore] = await a.extension.stores.openExisting();
    await folderStore.store.flush();
    assert.deepEqual((await runs(a)).filter((r) => !before.has(r.id)).map((r) => r.command), ['python3 train.py --lr 0.2 --epochs 1 --sleep 0']);
    terminal.dispose();
  });
});
