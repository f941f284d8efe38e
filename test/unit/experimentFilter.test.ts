import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeCommand } from '../../src/core/recorder/commandAnalysis';
import { compileCommandFilter, FAILED_START_MS, missingScript, whyNeverStarted } from '../../src/core/recorder/experimentFilter';

describe('commands that are not experiments', () => {
  const { filter, problems } = compileCommandFilter();

  it('has valid built-in patterns', () => {
    assert.deepEqual(problems, []);
  });

  it('skips package managers, environment tools, version checks, one-liners and test runners', () => {
    for (const line of [
      'pip install -r requirements.txt', 'pip3 install torch', '/usr/bin/pip3.11 --version', '.venv/bin/pip freeze',
      'python -m pip --version', 'python3 -m pip install -e .', '/opt/venv/bin/python3.11 -u -m pip list',
      'uv pip install numpy', 'uv venv .venv', 'uv sync', 'uvx ruff check', 'conda install pytorch -c pytorch', 'conda create -n x python=3.11',
      'mamba env update -f environment.yml', 'python -m venv .venv', 'python3 -m virtualenv env',
      'python --version', 'python3 -V', 'python -c "import torch; print(torch.__version__)"', 'python -W ignore -c "print(1)"',
      'pytest tests/', 'python -m pytest -x', 'uv run pytest', 'poetry run pytest -k slow', 'CUDA_VISIBLE_DEVICES=0 pytest',
      'cd src && pip install .', 'time pip install x', 'poetry install', 'pipenv install requests',
    ]) assert.equal(filter.ignores(line), true, line);
  });

  it('records what runs an experiment, however it is launched', () => {
    for (const line of [
      'python train.py --lr 3e-4', 'python3 -m my_pkg.train', 'torchrun --nproc_per_node 2 train.py', 'accelerate launch train.py',
      'uv run python train.py', 'conda run -n ml python train.py', 'pip install -r req.txt && python train.py',
      'python pip_experiments.py', 'python -m pipeline.train', 'python scripts/pytest_like.py', 'make train',
    ]) assert.equal(filter.ignores(line), false, line);
    assert.equal(filter.ignores(['python3', '-m', 'pip', 'install', 'x']), true, 'argv');
    assert.equal(filter.ignores(['python3', 'train.py']), false, 'argv');
  });

  it('takes user patterns: words with wildcards, regular expressions, and ! to record a built-in', () => {
    const { filter: f, problems: p } = compileCommandFilter(['make data', 'python scripts/download_*.py', '/--dry-run\\b/', '!pytest', '!python -c', '/(/', '', 42]);
    assert.deepEqual(p.length, 3, p.join('\n'));
    assert.match(p[0], /"\/\(\/": not a valid regular expression/);
    assert.equal(f.ignores('make data'), true);
    assert.equal(f.ignores('make train'), false);
    assert.equal(f.ignores('python3 scripts/download_imagenet.py --out data'), true);
    assert.equal(f.ignores('python train.py --dry-run'), true);
    assert.equal(f.ignores('pytest tests/'), false, 'recorded on request');
    assert.equal(f.ignores('python -m pytest'), true, 'only the pattern given is un-ignored');
    assert.equal(f.ignores('python -c "print(1)"'), false);
    assert.equal(f.ignores('pip install x'), true, 'the other built-ins still apply');
    // The last matching pattern decides.
    const { filter: g } = compileCommandFilter(['!pip*', 'pip install']);
    assert.equal(g.ignores('pip install x'), true);
    assert.equal(g.ignores('pip --version'), false);
  });
});

describe('a command that failed to start', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-start-')));
  fs.writeFileSync(path.join(dir, 'train.py'), 'raise SystemExit(2)\n');
  const check = (command: string, exitCode: number | null, ms: number) =>
    whyNeverStarted({ analysis: analyzeCommand(command), cwd: dir, startedAt: 1_000_000, endedAt: 1_000_000 + ms, exitCode });

  it('is a "not found" or "not executable" status, or a missing script, within the first second', () => {
    assert.equal(check('pyhton train.py', 127, 40), 'pyhton was not found');
    assert.equal(check('./train.py', 126, 40), './train.py is not executable');
    assert.equal(check('python trian.py', 2, 80), 'trian.py does not exist');
    assert.equal(check('python sub/missing.py --lr 1', 1, 80), 'sub/missing.py does not exist');
  });

  it('is a script missing when the command started, however late the end is seen', () => {
    const run = (command: string, scriptMissingAtStart: boolean) => whyNeverStarted({ analysis: analyzeCommand(command), cwd: dir,
      startedAt: 1_000_000, endedAt: 1_000_000 + 60_000, exitCode: 2, scriptMissingAtStart });
    assert.equal(run('python trian.py', true), 'trian.py does not exist');
    assert.equal(run('python trian.py', false), null, 'it was there at the start (deleted during a long run): it ran');
    assert.equal(missingScript(analyzeCommand('python trian.py'), dir), 'trian.py');
    assert.equal(missingScript(analyzeCommand('python train.py'), dir), null);
    assert.equal(missingScript(analyzeCommand('python -m pkg'), dir), null);
  });

  it('is not a script that started and failed, a success, an unknown exit, or anything after the first second', () => {
    assert.equal(check('python train.py --epochs x', 2, 80), null, 'the script exists: it ran and failed');
    assert.equal(check('python trian.py', 0, 80), null);
    assert.equal(check('pyhton train.py', null, 80), null);
    assert.equal(check('pyhton train.py', 127, FAILED_START_MS), null);
    assert.equal(check('python trian.py', 2, FAILED_START_MS + 500), null);
  });
});
