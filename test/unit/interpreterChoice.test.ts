import assert from 'node:assert/strict';
import { chooseInterpreter, substituteInterpreter } from '../../src/core/recorder/interpreterChoice';
import { shellQuote } from '../../src/core/recorder/shellWords';

describe('the interpreter of the editor launchers', () => {
  const all = {
    pythonExtension: { executable: '/envs/selected/bin/python' },
    defaultInterpreterPath: '/opt/py/bin/python3',
    workspaceVenv: '/ws/.venv/bin/python',
    recordedRun: '/old/bin/python3.10',
    workspaceFolder: '/ws',
    home: '/home/me',
    platform: 'linux' as const,
  };

  it('takes, in order: the Python extension, the setting, a workspace venv, the recorded run, python3', () => {
    assert.deepEqual([chooseInterpreter(all).executable, chooseInterpreter(all).source], ['/envs/selected/bin/python', 'pythonExtension']);
    const noExt = chooseInterpreter({ ...all, pythonExtension: undefined });
    assert.deepEqual([noExt.executable, noExt.source], ['/opt/py/bin/python3', 'defaultInterpreterPath']);
    const noSetting = chooseInterpreter({ ...all, pythonExtension: undefined, defaultInterpreterPath: undefined });
    assert.deepEqual([noSetting.executable, noSetting.source], ['/ws/.venv/bin/python', 'workspaceVenv']);
    const noVenv = chooseInterpreter({ ...all, pythonExtension: undefined, defaultInterpreterPath: undefined, workspaceVenv: null });
    assert.deepEqual([noVenv.executable, noVenv.source], ['/old/bin/python3.10', 'recordedRun']);
    const nothing = chooseInterpreter({ platform: 'linux' });
    assert.deepEqual([nothing.executable, nothing.source], ['python3', 'default']);
    assert.equal(chooseInterpreter({ platform: 'win32' }).executable, 'python');
  });

  it('falls through an extension without an environment, and the setting left at its default "python"', () => {
    const c = chooseInterpreter({ ...all, pythonExtension: { problem: 'no environment selected' }, defaultInterpreterPath: 'python' });
    assert.equal(c.source, 'workspaceVenv');
    assert.deepEqual(c.tried, [
      "the Python extension's selected interpreter: no environment selected",
      'the setting python.defaultInterpreterPath: not set',
      'a virtual environment in the workspace (.venv, venv): /ws/.venv/bin/python',
    ]);
    const last = chooseInterpreter({ platform: 'linux', recordedRun: null, defaultInterpreterPath: '  ' });
    assert.deepEqual(last.tried, [
      "the Python extension's selected interpreter: not installed",
      'the setting python.defaultInterpreterPath: not set',
      'a virtual environment in the workspace (.venv, venv): none',
      'the interpreter recorded for the run being re-run: none',
      'the default: python3',
    ]);
  });

  it('resolves ${workspaceFolder}, ~ and relative paths in the setting; a bare name stays for PATH', () => {
    const setting = (v: string) => chooseInterpreter({ defaultInterpreterPath: v, workspaceFolder: '/ws', home: '/home/me', platform: 'linux' }).executable;
    assert.equal(setting('${workspaceFolder}/.venv/bin/python'), '/ws/.venv/bin/python');
    assert.equal(setting('~/venvs/ml/bin/python'), '/home/me/venvs/ml/bin/python');
    assert.equal(setting('.venv/bin/python'), '/ws/.venv/bin/python');
    assert.equal(setting('python3.11'), 'python3.11');
  });

  it('puts the interpreter in place of a bare python at the start of a recorded command', () => {
    assert.equal(substituteInterpreter('python train.py --lr 3e-4', '/ws/.venv/bin/python', 'linux'), '/ws/.venv/bin/python train.py --lr 3e-4');
    assert.equal(substituteInterpreter('python3 -m pkg.train', '/a b/python', 'linux'), "'/a b/python' -m pkg.train");
    assert.equal(substituteInterpreter('python3.11 train.py', 'py', 'linux'), 'py train.py');
    assert.equal(substituteInterpreter('CUDA_VISIBLE_DEVICES=0 LR="1 2" python train.py', '/v/python', 'linux'), 'CUDA_VISIBLE_DEVICES=0 LR="1 2" /v/python train.py');
    assert.equal(substituteInterpreter('  python x.py | tee log', '/v/python', 'linux'), '  /v/python x.py | tee log');
    for (const kept of ['.venv/bin/python train.py', '/usr/bin/python3 train.py', 'uv run python train.py', 'torchrun train.py', 'pythonx train.py', 'bash run.sh']) {
      assert.equal(substituteInterpreter(kept, '/v/python', 'linux'), null, kept);
    }
  });

  it('quotes for the shell only when needed', () => {
    assert.equal(shellQuote('/usr/bin/python3', 'linux'), '/usr/bin/python3');
    assert.equal(shellQuote("/it's/py", 'linux'), `'/it'\\''s/py'`);
    assert.equal(shellQuote('C:\\Program Files\\Python\\python.exe', 'win32'), '"C:\\Program Files\\Python\\python.exe"');
    assert.equal(shellQuote('C:\\Python\\python.exe', 'win32'), 'C:\\Python\\python.exe');
    assert.equal(shellQuote('a\\b', 'linux'), "'a\\b'", 'a backslash is special to a POSIX shell');
  });
});
