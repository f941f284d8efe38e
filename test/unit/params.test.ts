import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgvParams } from '../../src/core/recorder/argvParams';
import { analyzeCommand } from '../../src/core/recorder/commandAnalysis';
import { readConfigParams } from '../../src/core/recorder/configParams';
import { flattenParams } from '../../src/core/recorder/flattenParams';
import { toParamValue } from '../../src/core/recorder/paramValue';
import { isSecretEnvName, isSecretName, redactArgv, redactCommandLine, redactParams, stripUrlCredentials } from '../../src/core/recorder/secrets';
import { splitShellCommands } from '../../src/core/recorder/shellWords';

describe('params', () => {
  describe('from argv', () => {
    it('reads --k v, --k=v, -k v, flags, Hydra k=v, +k=v and ++k=v', () => {
      const p = parseArgvParams(['--lr', '3e-4', '--epochs=10', '-b', '32', '--fp16', 'model.layers=4', '+trainer.devices=2', '++seed=7', '--name', 'my run']);
      assert.deepEqual(p.params, { lr: 3e-4, epochs: 10, b: 32, fp16: true, 'model.layers': 4, 'trainer.devices': 2, seed: 7, name: 'my run' });
    });

    it('never takes positionals (subcommands, files) as params, nor a Hydra word as an option value', () => {
      const p = parseArgvParams(['fit', '--verbose', 'lr=0.1', 'data.csv', '--', '--not-an-option']);
      assert.deepEqual(p.params, { verbose: true, lr: 0.1 });
      assert.deepEqual(p.positionals, ['fit', 'data.csv', '--not-an-option']);
    });

    it('keeps negative numbers as values and several values as a JSON list', () => {
      const p = parseArgvParams(['--min', '-1.5', '--layers', '64', '128', '256', '--last', '-inf']);
      assert.deepEqual(p.params, { min: -1.5, layers: '[64,128,256]', last: '-inf' });
    });

    it('types values carefully: leading zeros and huge integers stay strings', () => {
      assert.equal(toParamValue('007'), '007');
      assert.equal(toParamValue('12345678901234567890'), '12345678901234567890');
      assert.equal(toParamValue('1e-3'), 0.001);
      assert.equal(toParamValue('True'), true);
      assert.equal(toParamValue('None'), null);
      assert.equal(toParamValue('0.5.1'), '0.5.1');
      assert.equal(toParamValue('0'), 0);
    });

    it('finds Hydra config name and path', () => {
      const p = parseArgvParams(['--config-name', 'big', '--config-path=conf', 'a=1', '~b']);
      assert.deepEqual(p.hydra, { configName: 'big', configPath: 'conf' });
      assert.equal(p.params.a, 1);
      assert.ok(!('b' in p.params));
    });
  });

  describe('command analysis', () => {
    it('finds the python script and its arguments, not python options', () => {
      const a = analyzeCommand(['python3', '-u', '-W', 'ignore', 'train.py', '--lr', '1']);
      assert.equal(a.python, 'python3');
      assert.deepEqual(a.entry, { kind: 'script', name: 'train.py' });
      assert.deepEqual(a.scriptArgs, ['--lr', '1']);
    });

    it('understands -m modules, torchrun, accelerate launch, uv run and env assignments', () => {
      assert.deepEqual(analyzeCommand(['python', '-m', 'pkg.train', '--x', '1']).entry, { kind: 'module', name: 'pkg.train' });
      const t = analyzeCommand(['torchrun', '--nproc_per_node', '2', 'train.py', '--lr', '1']);
      assert.deepEqual([t.entry?.name, t.scriptArgs], ['train.py', ['--lr', '1']]);
      const acc = analyzeCommand(['accelerate', 'launch', '--multi_gpu', 'train.py', 'x=1']);
      assert.deepEqual([acc.entry?.name, acc.scriptArgs], ['train.py', ['x=1']]);
      const uv = analyzeCommand(['uv', 'run', '--with', 'rich', 'python', 'train.py', '--a', '2']);
      assert.deepEqual([uv.python, uv.entry?.name, uv.scriptArgs], ['python', 'train.py', ['--a', '2']]);
      const e = analyzeCommand('CUDA_VISIBLE_DEVICES=0,1 python train.py --lr 1 2>&1 | tee log.txt');
      assert.deepEqual([e.envAssignments, e.entry?.name, e.scriptArgs], [{ CUDA_VISIBLE_DEVICES: '0,1' }, 'train.py', ['--lr', '1']]);
      const d = analyzeCommand(['python', '-m', 'torch.distributed.run', '--nproc_per_node=2', 'train.py', '--b', '3']);
      assert.deepEqual([d.entry?.name, d.scriptArgs], ['train.py', ['--b', '3']]);
    });

    it('picks the simple command doing the work from a shell line', () => {
      const a = analyzeCommand('cd src && conda run -n ml python "my train.py" --name \'a b\' > out.txt');
      assert.deepEqual([a.entry?.name, a.scriptArgs], ['my train.py', ['--name', 'a b']]);
      const m = analyzeCommand('make train LR=3');
      assert.deepEqual([m.python, m.entry, m.scriptArgs], [null, { kind: 'program', name: 'make' }, ['train', 'LR=3']]);
    });

    it('splits shell words with quotes, escapes and operators', () => {
      assert.deepEqual(splitShellCommands(`a "b c" 'd "e"' f\\ g; h|i && j 2>/dev/null k # comment`), [['a', 'b c', 'd "e"', 'f g'], ['h'], ['i'], ['j', 'k']]);
      assert.deepEqual(splitShellCommands('python "unterminated'), [['python', 'unterminated']]);
    });
  });

  describe('config files', () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-params-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('flattens YAML, JSON and TOML as a.b.c', () => {
      fs.writeFileSync(path.join(dir, 'c.yaml'), 'model:\n  layers: 4\n  act: relu\noptim:\n  lr: 3.0e-4\nsizes: [1, 2]\nblocks:\n  - {units: 8}\n');
      fs.writeFileSync(path.join(dir, 'c.json'), '{"a": {"b": {"c": true}}, "n": null}');
      fs.writeFileSync(path.join(dir, 'c.toml'), '[train]\nepochs = 3\nname = "x"\n');
      assert.deepEqual(readConfigParams(path.join(dir, 'c.yaml')), { params: { 'model.layers': 4, 'model.act': 'relu', 'optim.lr': 3e-4, sizes: '[1,2]', 'blocks.0.units': 8 } });
      assert.deepEqual(readConfigParams(path.join(dir, 'c.json')), { params: { 'a.b.c': true, n: null } });
      assert.deepEqual(readConfigParams(path.join(dir, 'c.toml')), { params: { 'train.epochs': 3, 'train.name': 'x' } });
    });

    it('reports a broken or odd config instead of throwing', () => {
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'a: [1, 2\n');
      fs.writeFileSync(path.join(dir, 'list.json'), '[1,2]');
      assert.ok('error' in readConfigParams(path.join(dir, 'bad.yaml')));
      assert.ok('error' in readConfigParams(path.join(dir, 'list.json')));
      assert.ok('error' in readConfigParams(path.join(dir, 'missing.toml')));
    });

    it('caps the number of keys from one source', () => {
      const big: Record<string, number> = {};
      for (let i = 0; i < 20_000; i++) big[`k${i}`] = i;
      assert.equal(Object.keys(flattenParams(big)).length, 5000);
    });
  });

  describe('secrets', () => {
    it('judges env names broadly and param names by whole words', () => {
      for (const n of ['HF_TOKEN', 'WANDB_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'GOOGLE_APPLICATION_CREDENTIALS', 'BASIC_AUTH']) assert.ok(isSecretEnvName(n), n);
      assert.ok(!isSecretEnvName('CUDA_VISIBLE_DEVICES'));
      for (const n of ['api_key', 'apiKey', 'hf-token', 'password', 'auth']) assert.ok(isSecretName(n), n);
      for (const n of ['max_tokens', 'tokenizer', 'author', 'lr']) assert.ok(!isSecretName(n), n);
    });

    it('strips credentials from URLs and redacts secret options and params', () => {
      assert.equal(stripUrlCredentials('https://user:tok@github.com/a/b.git'), 'https://github.com/a/b.git');
      assert.equal(stripUrlCredentials('https://ghp_abc@github.com/a'), 'https://github.com/a');
      assert.equal(stripUrlCredentials('ssh://git@host/x'), 'ssh://git@host/x');
      assert.deepEqual(redactArgv(['python', 't.py', '--api-key', 'S3CR3T', '--token=S3CR3T', 'HF_TOKEN=S3CR3T', '--max_tokens', '5']), ['python', 't.py', '--api-key', '[redacted]', '--token=[redacted]', 'HF_TOKEN=[redacted]', '--max_tokens', '5']);
      const line = redactCommandLine('WANDB_API_KEY=S3CR3T python t.py --password "S3 CR3T" --lr 1 --db https://u:S3CR3T@h/x');
      assert.ok(!line.includes('S3'), line);
      assert.ok(line.includes('--lr 1'));
      assert.deepEqual(redactParams({ 'db.password': 'x', max_tokens: 5, url: 'https://a:b@h' }), { 'db.password': '[redacted]', max_tokens: 5, url: 'https://h' });
    });
  });
});
