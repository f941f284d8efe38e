import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Recorder } from '../../src/core/recorder/recorder';
import { Store } from '../../src/core/store/store';

const root = path.resolve(__dirname, '..', '..', '..');
// A private build of the CLI and the hook beside it: others rebuild dist/ (which wipes it) while tests run.
const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-hook-bin-'));
const cli = path.join(binDir, 'cli.js');
const hookDir = path.join(binDir, 'python-hook');
const python = 'python3';
/** The variables a test process may have inherited that would change what the hook does. */
const CLEAN_ENV: NodeJS.ProcessEnv = { ...process.env };
for (const k of Object.keys(CLEAN_ENV)) if (k.startsWith('EXPTRACK_') || k === 'PYTHONPATH') delete CLEAN_ENV[k];

function exptrack(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input: '', env: { ...CLEAN_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

interface ShownRun {
  params: Record<string, unknown>;
  artifacts: { path: string; role: string; sha256: string | null; kind: string }[];
  environment: { python?: { executable: string; version: string; environment: string | null }; packages?: string[]; packagesSource?: string };
  status: string;
}

function show(cwd: string): ShownRun {
  const r = exptrack(['show', '@last', '--json'], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ShownRun;
}

function sha256(file: string): string {
  return require('node:crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex') as string;
}

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

/** A plain argparse training script: defaults, a default config it loads, data it reads in code, a checkpoint it writes. */
const TRAIN = [
  'import argparse, json, os',
  'p = argparse.ArgumentParser()',
  'p.add_argument("--lr", type=float, default=1e-3)',
  'p.add_argument("-b", "--batch-size", type=int, default=32)',
  'p.add_argument("--epochs", type=int, default=2)',
  'p.add_argument("--config", default="config.json")',
  'p.add_argument("--layers", type=int, nargs="+", default=[64, 32])',
  'p.add_argument("--fp16", action="store_true")',
  'p.add_argument("--api-key", default="s3cret")',
  'args = p.parse_args()',
  'cfg = json.load(open(args.config))',
  'rows = open("data/train.csv").read().splitlines()',
  'os.makedirs("checkpoints", exist_ok=True)',
  'with open("checkpoints/model.pt", "wb") as f:',
  '    f.write(b"weights %d" % len(rows))',
  'print("epoch=1 loss=0.5")',
].join('\n');

describe('python hook', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', binDir], { cwd: root, stdio: 'inherit' });
    assert.equal(b.status, 0, 'build the CLI');
    assert.ok(fs.existsSync(path.join(hookDir, 'sitecustomize.py')), 'the build puts the hook beside the CLI');
  });
  after(() => fs.rmSync(binDir, { recursive: true, force: true }));
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-hook-')));
    fs.mkdirSync(path.join(dir, '.exptrack'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exptrack run: every param with its default, configs it loads, data read in code as input, checkpoint as output, the python and its packages', () => {
    write(dir, 'train.py', TRAIN);
    write(dir, 'config.json', JSON.stringify({ optimizer: { name: 'adam', beta1: 0.9 }, seed: 7 }));
    write(dir, 'data/train.csv', 'x,y\n1,2\n3,4\n');
    const r = exptrack(['run', '--', python, 'train.py', '-b', '64', '--fp16'], dir);
    assert.equal(r.code, 0, r.stderr);
    const run = show(dir);
    assert.deepEqual(run.params, {
      lr: 0.001, b: 64, epochs: 2, config: 'config.json', layers: '[64,32]', fp16: true, 'api-key': '[redacted]',
      'optimizer.name': 'adam', 'optimizer.beta1': 0.9, seed: 7,
    });
    const art = (p: string) => run.artifacts.find((a) => a.path === p);
    assert.equal(art('data/train.csv')?.role, 'input');
    assert.equal(art('data/train.csv')?.sha256, sha256(path.join(dir, 'data/train.csv')));
    assert.equal(art('config.json')?.role, 'input');
    assert.equal(art('checkpoints/model.pt')?.role, 'output');
    assert.equal(art('checkpoints/model.pt')?.sha256, sha256(path.join(dir, 'checkpoints/model.pt')));
    assert.ok(!run.artifacts.some((a) => a.path.endsWith('.py') || a.path.includes('.exptrack')), JSON.stringify(run.artifacts));
    const info = spawnSync(python, ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0])'], { env: CLEAN_ENV }).stdout.toString().trim().split('\n');
    assert.equal(run.environment.python?.executable, info[0]);
    assert.equal(run.environment.python?.version, info[1]);
    assert.ok((run.environment.packages?.length ?? 0) > 0, 'packages listed');
    // The hook listed them into the cache at the process's exit: no pip freeze beside the run.
    assert.equal(run.environment.packagesSource, 'importlib.metadata');
  });

  it('a program with its own sitecustomize still runs it, sees the sys.path it would without exptrack, and gets the hook', () => {
    write(dir, 'site_own/sitecustomize.py', 'import os\nMARK = "theirs"\nos.environ["OWN_SITECUSTOMIZE"] = "ran"\n');
    write(dir, 'show.py', [
      'import argparse, json, os, sys, sitecustomize',
      'p = argparse.ArgumentParser(); p.add_argument("--k", default=3); p.parse_args()',
      'print(json.dumps({"ran": os.environ.get("OWN_SITECUSTOMIZE"), "mark": getattr(sitecustomize, "MARK", None), "path": sys.path[1:]}))',
    ].join('\n'));
    const env = { PYTHONPATH: path.join(dir, 'site_own') };
    const bare = spawnSync(python, ['show.py'], { cwd: dir, env: { ...CLEAN_ENV, ...env } }).stdout.toString();
    const r = exptrack(['run', '--', python, 'show.py'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, bare, 'the same output, sys.path included');
    assert.deepEqual(JSON.parse(r.stdout).ran, 'ran');
    assert.equal(JSON.parse(r.stdout).mark, 'theirs');
    assert.deepEqual(show(dir).params, { k: 3 });
  });

  it('is silent and harmless without a channel, with a broken one, and with the `dir:` PYTHONPATH a terminal gets', () => {
    write(dir, 'prog.py', 'import argparse, sys\np = argparse.ArgumentParser(); p.add_argument("--x", default=1); print(p.parse_args().x, sys.path[1:])\nopen("out.txt", "w").write("x")\n');
    const bare = spawnSync(python, ['prog.py'], { cwd: dir, env: CLEAN_ENV });
    assert.equal(bare.status, 0, bare.stderr.toString());
    const before = fs.readdirSync(dir).sort();
    for (const extra of [
      { PYTHONPATH: hookDir },
      { PYTHONPATH: hookDir + path.delimiter },
      { PYTHONPATH: hookDir, EXPTRACK_METRICS_FILE: path.join(dir, 'no', 'such', 'dir', 'm.jsonl') },
      { PYTHONPATH: hookDir, EXPTRACK_HOOK_SPOOL: path.join(dir, 'no-spool') },
    ]) {
      const r = spawnSync(python, ['prog.py'], { cwd: dir, env: { ...CLEAN_ENV, ...extra } });
      assert.equal(r.status, 0, `${JSON.stringify(extra)}: ${r.stderr}`);
      assert.equal(r.stdout.toString(), bare.stdout.toString(), JSON.stringify(extra));
      assert.equal(r.stderr.toString(), '', JSON.stringify(extra));
      assert.deepEqual(fs.readdirSync(dir).sort(), before, `nothing written: ${JSON.stringify(extra)}`);
    }
  });

  it('reads Lightning hparams.yaml and the interpreter of a venv outside the workspace (real Lightning)', function () {
    this.timeout(600_000); // importing torch and Lightning takes a minute on a busy 2-CPU machine
    // A venv outside the workspace with real torch and Lightning: EXPTRACK_TEST_LIGHTNING_PYTHON, else
    // the repository's .venv-test (`.ci/run` installs them there). CI fails without one; elsewhere it says so.
    const candidates = [process.env.EXPTRACK_TEST_LIGHTNING_PYTHON, path.join(root, '.venv-test', 'bin', 'python')].filter((p): p is string => !!p);
    const venvPython = candidates.find((p) => spawnSync(p, ['-c', 'import lightning, torch'], { env: CLEAN_ENV }).status === 0);
    if (!venvPython) {
      if (process.env.CI) assert.fail('no Python with torch and Lightning: set EXPTRACK_TEST_LIGHTNING_PYTHON or run .ci/run (it makes .venv-test)');
      console.log(`      skipped: no Lightning and torch importable from ${candidates.join(' or ')} (set EXPTRACK_TEST_LIGHTNING_PYTHON)`);
      this.skip();
    }
    write(dir, 'data/train.csv', Array.from({ length: 64 }, (_, i) => `${i / 64},${(i % 2)}`).join('\n') + '\n');
    write(dir, 'config.yaml', 'model:\n  hidden: 8\ntrainer:\n  max_epochs: 1\n');
    write(dir, 'train_lightning.py', [
      'import argparse, yaml, torch, lightning as L',
      'from torch.utils.data import DataLoader, TensorDataset',
      'class Net(L.LightningModule):',
      '    def __init__(self, lr, hidden, dropout=0.1):',
      '        super().__init__()',
      '        self.save_hyperparameters()',
      '        self.layer = torch.nn.Sequential(torch.nn.Linear(1, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))',
      '    def training_step(self, batch, i):',
      '        x, y = batch',
      '        loss = torch.nn.functional.mse_loss(self.layer(x), y)',
      '        self.log("train_loss", loss)',
      '        return loss',
      '    def configure_optimizers(self):',
      '        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)',
      'p = argparse.ArgumentParser()',
      'p.add_argument("--lr", type=float, default=0.05)',
      'p.add_argument("--config", default="config.yaml")',
      'args = p.parse_args()',
      'cfg = yaml.safe_load(open(args.config))',
      'rows = [l.split(",") for l in open("data/train.csv").read().split()]',
      'x = torch.tensor([[float(a)] for a, b in rows]); y = torch.tensor([[float(b)] for a, b in rows])',
      'model = Net(args.lr, cfg["model"]["hidden"])',
      'trainer = L.Trainer(max_epochs=cfg["trainer"]["max_epochs"], logger=L.pytorch.loggers.CSVLogger("logs"), enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")',
      'trainer.fit(model, DataLoader(TensorDataset(x, y), batch_size=16))',
      'trainer.save_checkpoint("checkpoints/model.ckpt")',
    ].join('\n'));
    const r = exptrack(['run', '--', venvPython, 'train_lightning.py', '--lr', '0.1'], dir);
    assert.equal(r.code, 0, r.stderr);
    const run = show(dir);
    assert.equal(run.params.lr, 0.1);
    assert.equal(run.params.config, 'config.yaml');
    assert.equal(run.params['model.hidden'], 8, 'the config it loaded');
    assert.equal(run.params.hidden, 8, 'hparams.yaml the run wrote');
    assert.equal(run.params.dropout, 0.1, 'a default only hparams.yaml knows');
    const art = (p: string) => run.artifacts.find((a) => a.path === p);
    assert.equal(art('data/train.csv')?.role, 'input');
    assert.ok(art('data/train.csv')?.sha256);
    assert.equal(art('checkpoints/model.ckpt')?.role, 'output');
    const venv = path.dirname(path.dirname(venvPython));
    assert.equal(run.environment.python?.environment, venv, 'the venv, outside the workspace');
    assert.ok(run.environment.packages?.some((p) => /^torch==/i.test(p)), 'torch among the packages');
  });

  it('a resolved .hydra/config.yaml the run writes wins; a parser a library makes for itself is not the script\'s params', () => {
    // Hydra's shape without Hydra (not in this machine's wheel mirror): a library under site-packages
    // parses the command line with a parser of its own, then the run writes its resolved config.
    write(dir, 'lib/site-packages/minihydra.py', [
      'import argparse, os, sys',
      'def run(task):',
      '    p = argparse.ArgumentParser()',
      '    p.add_argument("overrides", nargs="*")',
      '    p.add_argument("--multirun", "-m", action="store_true")',
      '    a = p.parse_args()',
      '    cfg = {"lr": 0.01, "model": {"layers": 2, "width": 16}, "data": {"path": "data/train.csv"}}',
      '    for o in a.overrides:',
      '        k, v = o.split("=")',
      '        cfg["model"][k.split(".")[1]] = int(v)',
      '    out = os.path.join("outputs", "run1", ".hydra")',
      '    os.makedirs(out, exist_ok=True)',
      '    with open(os.path.join(out, "config.yaml"), "w") as f:',
      '        f.write("lr: 0.01\\nmodel:\\n  layers: %d\\n  width: %d\\ndata:\\n  path: data/train.csv\\n" % (cfg["model"]["layers"], cfg["model"]["width"]))',
      '    task(cfg)',
    ].join('\n'));
    write(dir, 'data/train.csv', 'a,b\n1,2\n');
    write(dir, 'app.py', 'import minihydra\ndef main(cfg):\n    open(cfg["data"]["path"]).read()\nminihydra.run(main)\n');
    const r = exptrack(['run', '--', python, 'app.py', 'model.layers=4'], dir, { PYTHONPATH: path.join(dir, 'lib', 'site-packages') });
    assert.equal(r.code, 0, r.stderr);
    const run = show(dir);
    assert.deepEqual(run.params, { lr: 0.01, 'model.layers': 4, 'model.width': 16, 'data.path': 'data/train.csv' });
    assert.equal(run.artifacts.find((a) => a.path === 'data/train.csv')?.role, 'input');
    assert.equal(run.artifacts.find((a) => a.path === 'outputs/run1/.hydra/config.yaml')?.role, 'output');
  });

  it('follows a terminal\'s spool: the reports of processes of that session started since the run began', async () => {
    const spool = path.join(dir, 'spool');
    fs.mkdirSync(spool);
    write(dir, 'data/train.csv', 'a\n1\n');
    write(dir, 'train.py', 'import argparse\np = argparse.ArgumentParser(); p.add_argument("--lr", type=float, default=0.1); p.add_argument("--seed", default=1)\na = p.parse_args()\nopen("data/train.csv").read()\n');
    // A dataset that was there well before the command: a file changed within the 2 s before a
    // terminal command's start event counts as the run's own (its start is heard of late).
    const before = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, 'data/train.csv'), before, before);
    const session = Number(spawnSync(python, ['-c', 'import os; print(os.getsid(0))'], { env: CLEAN_ENV }).stdout.toString().trim());
    // A process of the same session that ended before the run: not the run's.
    const stale = `${session}-${Date.now() - 60_000}-1.jsonl`;
    write(dir, `spool/${stale}`, '{"exptrack": "argparse", "script": null, "params": {"stale": 1}}\n');
    const store = await Store.open(path.join(dir, '.exptrack'));
    try {
      const recorder = new Recorder({ sink: store.sink, exptrackDir: path.join(dir, '.exptrack'), workspaceDir: dir, pollMs: 20 });
      const startedAt = Date.now();
      const run = recorder.observe({ command: `${python} train.py --lr 0.2`, cwd: dir, source: 'terminal', startedAt, modifiedSince: startedAt - 2000, hookSpool: { dir: spool, session, notBefore: startedAt - 2000 } });
      const p = spawnSync(python, ['train.py', '--lr', '0.2'], { cwd: dir, env: { ...CLEAN_ENV, PYTHONPATH: hookDir, EXPTRACK_HOOK_SPOOL: spool, EXPTRACK_WORKSPACE: dir } });
      assert.equal(p.status, 0, p.stderr.toString());
      await run.end({ exitCode: 0 });
      await store.flush();
      const rec = store.getRun(run.id);
      assert.deepEqual(rec?.params, { lr: 0.2, seed: 1 });
      assert.equal(rec?.artifacts.find((a) => a.path === 'data/train.csv')?.role, 'input');
      assert.ok((rec?.environment as { python?: { executable?: string } }).python?.executable, 'its interpreter');
      assert.deepEqual(fs.readdirSync(spool), [stale], 'the run\'s report file is deleted, the other left');
    } finally {
      await store.close();
    }
  });
});
