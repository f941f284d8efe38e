import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordSink } from '../../src/core/model';
import { allowListedEnv, collectGpus, collectHostInfo } from '../../src/core/recorder/environmentInfo';
import { Recorder } from '../../src/core/recorder/recorder';
import { whichSync } from '../../src/core/recorder/processUtil';
import { listPackages, probePython, probePythonCached, resolvePythonWord } from '../../src/core/recorder/pythonInfo';

const python = whichSync('python3', process.env, process.cwd()) ?? whichSync('python', process.env, process.cwd());

describe('environment', function () {
  this.timeout(120_000);

  it('records allow-listed variables, never the value of a secret-looking one', () => {
    const env = allowListedEnv({
      CUDA_VISIBLE_DEVICES: '0,1', OMP_NUM_THREADS: '4', WORLD_SIZE: '2', HF_TOKEN: 'hf_S3CR3T', HF_HOME: '/cache',
      AWS_SECRET_ACCESS_KEY: 'S3CR3T', HOME: '/root', PATH: '/bin', MY_VAR: 'mine', MY_AUTH: 'S3CR3T', MLFLOW_TRACKING_URI: 'https://u:S3CR3T@host',
    }, ['MY_*']);
    assert.deepEqual(env, {
      CUDA_VISIBLE_DEVICES: '0,1', HF_HOME: '/cache', HF_TOKEN: '[redacted]', MLFLOW_TRACKING_URI: 'https://host', MY_AUTH: '[redacted]', MY_VAR: 'mine', OMP_NUM_THREADS: '4', WORLD_SIZE: '2',
    });
  });

  it('describes the host and finds no GPU quietly where nvidia-smi is missing', async () => {
    const h = collectHostInfo();
    assert.ok(h.cpus.count > 0 && h.memoryBytes > 0 && h.host.length > 0);
    assert.equal(h.os.platform, process.platform);
    const gpus = await collectGpus();
    assert.ok(Array.isArray(gpus));
    if (!whichSync('nvidia-smi', process.env, '/')) assert.deepEqual(gpus, []);
  });

  (python ? it : it.skip)('resolves which python a command means, its version, and caches its packages by interpreter', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-env-')));
    try {
      // A launcher script whose #! names the interpreter, as torchrun's does.
      fs.writeFileSync(path.join(dir, 'launcher'), `#!${python}\nprint(1)\n`, { mode: 0o755 });
      const env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` };
      assert.equal(resolvePythonWord('launcher', env, dir), python);
      const resolved = resolvePythonWord('python3', env, dir) as string;
      const info = await probePython(resolved, env, dir);
      assert.ok(info);
      assert.match(info.version, /^3\.\d+\.\d+/);
      assert.ok(fs.existsSync(info.executable));
      const cacheDir = path.join(dir, 'cache');
      const t0 = Date.now();
      const first = await listPackages(info, env, cacheDir);
      const firstMs = Date.now() - t0;
      assert.ok(first && first.packages.every((p) => !/:\/\/[^/@]+@/.test(p)), 'no credentials in package URLs');
      assert.equal(first.cached, false);
      assert.equal(fs.readdirSync(cacheDir).filter((f) => f.startsWith('packages-')).length, 1);
      const t1 = Date.now();
      const second = await listPackages(info, env, cacheDir);
      assert.equal(second?.cached, true);
      assert.deepEqual(second?.packages, first.packages);
      assert.ok(Date.now() - t1 < Math.max(50, firstMs / 2), 'a cache hit is cheap');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  (python ? it : it.skip)('asks a (shim) interpreter about itself once, until what selects the interpreter changes', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-probe-')));
    try {
      // A pyenv-like shim: a script that runs the real interpreter; it counts its invocations.
      const calls = path.join(dir, 'calls');
      const shim = path.join(dir, 'python3');
      fs.writeFileSync(shim, `#!/bin/sh\necho x >> "${calls}"\nexec "${python}" "$@"\n`, { mode: 0o755 });
      const cacheDir = path.join(dir, 'cache');
      const count = (): number => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).length : 0);
      const first = await probePythonCached(shim, process.env, dir, cacheDir);
      assert.ok(first);
      assert.equal(count(), 1);
      assert.deepEqual(await probePythonCached(shim, process.env, dir, cacheDir), first, 'answered from the cache');
      assert.equal(count(), 1, 'no second probe');
      // A version file next to the run may make the shim pick another interpreter: probe again.
      fs.writeFileSync(path.join(dir, '.python-version'), '3.99.0\n');
      assert.ok(await probePythonCached(shim, process.env, dir, cacheDir));
      assert.equal(count(), 2);
      // So does a change of the interpreter the answer names (reinstalled, upgraded).
      for (const f of fs.readdirSync(cacheDir)) {
        const file = path.join(cacheDir, f);
        fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), executableId: 'another file' }));
      }
      assert.ok(await probePythonCached(shim, process.env, dir, cacheDir));
      assert.equal(count(), 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  (python ? it : it.skip)('finds the workspace venv for a terminal command, and lists its packages without pip', async function () {
    const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-venv-')));
    try {
      const made = spawnSync(python as string, ['-m', 'venv', '--without-pip', path.join(ws, '.venv')]);
      // Some distributions ship python without the venv module: nothing to test there.
      if (made.status !== 0) this.skip();
      fs.mkdirSync(path.join(ws, 'src'));
      let environment: Record<string, unknown> = {};
      const sink: RecordSink = {
        startRun() {}, params() {}, metrics() {}, tags() {}, artifact() {}, git() {}, codeFiles() {}, endRun() {},
        environment(_id, e) { environment = { ...e }; },
      };
      const rec = new Recorder({ sink, exptrackDir: path.join(ws, '.exptrack'), workspaceDir: ws, createParser: null, capture: { git: false } });
      const run = rec.observe({ command: 'python train.py --lr 1', cwd: path.join(ws, 'src'), source: 'terminal' });
      await run.end({ exitCode: 0 });
      const py = environment.python as { executable: string; environment: string | null };
      assert.ok(py.executable.startsWith(path.join(ws, '.venv')), py.executable);
      assert.equal(py.environment, path.join(ws, '.venv'));
      assert.equal(environment.packagesSource, 'importlib.metadata');
      assert.ok(Array.isArray(environment.packages));
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
