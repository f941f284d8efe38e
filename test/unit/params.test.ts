import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgvParams } from '../../src/core/recorder/argvParams';
import { analyzeCommand } from '../../src/core/recorder/commandAnalysis';
import { readConfigParams } from '../../src/core/recorder/configParams';
import { flattenParams } from '../../src/core/recorder/flattenParams';
import { toParamValue } from '../../src/core/recorder/paramValue';
import { credentialFileReason, secretContentReason } from '../../src/core/recorder/secretFiles';
import { findSecrets, isSecretEnvName, isSecretName, redactArgv, redactCommandLine, redactFileText, redactParams, redactText, stripUrlCredentials } from '../../src/core/recorder/secrets';
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
      // Inline code is no script: its text must not name the experiment (it was "(i+1)))").
      for (const argv of [['node', '-e', "for (const i of [1]) console.log('step ' + i + ' loss ' + 1/(i+1))"], ['bash', '-c', 'python a/b.py'], ['node', '--eval', 'x/y'], ['perl', '-E', 'say 1/2']]) {
        assert.equal(analyzeCommand(argv).entry, null, argv.join(' '));
      }
      assert.deepEqual(analyzeCommand(['node', '--inspect', 'train.js', '1']).entry, { kind: 'script', name: 'train.js' });
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

    it('knows secret name parts, but not the ML settings that share a word with them', () => {
      for (const n of ['--pass', '--bearer', 'sig', 'signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'access_token', 'client_secret', 'session', 'sessionId', 'db_pwd', 'creds', 'private_key']) assert.ok(isSecretName(n), n);
      for (const n of ['pad_token', 'eos_token', 'key_dim', 'num_key_value_heads', 'text_key', 'token_dropout', 'max_session_len', 'sort_key', 'X-Amz-Date']) assert.ok(!isSecretName(n), n);
      for (const n of ['TORCH_CREDS', 'HF_HUB_ACCESS', 'MY_PASS', 'API_SIG', 'SESSION_COOKIE']) assert.ok(isSecretEnvName(n), n);
      for (const n of ['HF_HOME', 'TORCH_HOME', 'HF_ENDPOINT', 'SIGMA']) assert.ok(!isSecretEnvName(n), n);
    });

    it('redacts secret query parameters, token formats and authorization headers wherever they appear', () => {
      assert.equal(redactText('https://x/v1/?token=T1&page=2#access_token=T2'), 'https://x/v1/?token=[redacted]&page=2#access_token=[redacted]');
      assert.equal(redactText('https://b.s3.amazonaws.com/o?X-Amz-Credential=C&X-Amz-Signature=S&X-Amz-Date=1'), 'https://b.s3.amazonaws.com/o?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Date=1');
      assert.equal(redactText('https://a.blob.core.windows.net/c?sv=2020&sig=S&api_key=K&key=G'), 'https://a.blob.core.windows.net/c?sv=2020&sig=[redacted]&api_key=[redacted]&key=[redacted]');
      const tokens = ['ghp_0123456789abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'xoxb-1234-5678-abcdefghij', 'AIzaSyA0123456789abcdefghijklmnopqrstuv',
        'AKIAIOSFODNN7EXAMPLE', 'sk-proj-abcdefghijklmnopqrstuvwxyz012345', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz', 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'];
      for (const t of tokens) assert.equal(redactText(`a ${t} b`), 'a [redacted] b', t);
      assert.equal(redactText('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\nafter'), '[redacted]\nafter');
      assert.equal(redactText('Authorization: Bearer abc.def.ghi-jklmnop'), 'Authorization: [redacted]');
      assert.equal(redactText('curl -H "X-Api-Key: abcdef"'), 'curl -H "X-Api-Key: [redacted]"');
      // Ordinary text stays as it is.
      for (const t of ['lr=0.1 https://example.com/a?page=2&q=loss', 'sk-learn', 'hf_home', 'task-key']) assert.equal(redactText(t), t);
    });

    it('redacts --pass, --bearer, mysql -pPASSWORD, sshpass -p, curl -u user:password', () => {
      assert.deepEqual(redactArgv(['python', 't.py', '--pass', 'P1', '--bearer', 'B1', '--url', 'https://h/?api_key=K1']), ['python', 't.py', '--pass', '[redacted]', '--bearer', '[redacted]', '--url', 'https://h/?api_key=[redacted]']);
      assert.deepEqual(redactArgv(['mysql', '-u', 'root', '-pP2', '-h', 'db']), ['mysql', '-u', 'root', '-p[redacted]', '-h', 'db']);
      assert.deepEqual(redactArgv(['sudo', 'mysqldump', '-pP2', 'db']), ['sudo', 'mysqldump', '-p[redacted]', 'db']);
      assert.deepEqual(redactArgv(['python', 't.py', '-p', '8080']), ['python', 't.py', '-p', '8080'], '-p of other tools is not a password');
      assert.deepEqual(redactArgv(['sshpass', '-p', 'P3', 'ssh', 'h']), ['sshpass', '-p', '[redacted]', 'ssh', 'h']);
      assert.deepEqual(redactArgv(['curl', '-u', 'bob:P4', 'https://h']), ['curl', '-u', 'bob:[redacted]', 'https://h']);
      const line = redactCommandLine("mysql -u root -pP5 db && curl -u bob:P6 'https://h/?token=P7' | sshpass -p P8 ssh h");
      for (const p of ['P5', 'P6', 'P7', 'P8']) assert.ok(!line.includes(p), `${p} in ${line}`);
      assert.ok(line.includes('mysql -u root -p[redacted] db'), line);
    });

    it('redacts config copies as params are, and finds secrets in files', () => {
      const yaml = 'lr: 0.1\napi_key: K1\ndb:\n  password: "P1"  # prod\n  url: https://h/?token=T1\nprivate_key: |\n  line1\n  line2\npad_token: "<pad>"\ntoken: ${HF_TOKEN}\n';
      assert.equal(redactFileText(yaml, { bareValues: true, quote: true }), 'lr: 0.1\napi_key: "[redacted]"\ndb:\n  password: "[redacted]"  # prod\n  url: https://h/?token=[redacted]\nprivate_key: "[redacted]"\npad_token: "<pad>"\ntoken: ${HF_TOKEN}\n');
      assert.equal(redactFileText('{"api_key": "K\\"1", "n": 2}'), '{"api_key": "[redacted]", "n": 2}');
      assert.equal(redactFileText('[db]\npassword = hunter22\n', { bareValues: true }), '[db]\npassword = [redacted]\n');
      // In code, only literals count: an expression assigned to a secret-looking name is no secret.
      assert.deepEqual(findSecrets('token = os.environ["HF_TOKEN"]\nkey = tokenizer.pad_token\nargs.api_key = args.api_key or None\nh = f"Authorization: Bearer {token}"\nAPI_KEY = "YOUR_API_KEY"\n'), []);
      assert.deepEqual(findSecrets('API_KEY = "abcd1234"\n').map((f) => [f.kind, f.line, f.value]), [['API_KEY value', 1, 'abcd1234']]);
      assert.equal(secretContentReason('a.py', Buffer.from('x = 1\nGH = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"\n')), 'holds a secret: GitHub token (line 2)');
      // A secret the committed version already holds is not new.
      const old = Buffer.from('T = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"\n');
      assert.equal(secretContentReason('a.py', Buffer.concat([old, Buffer.from('x = 2\n')]), old), null);
      for (const f of ['.env', '.env.production', 'prod.env', 'id_rsa', 'id_ed25519', '.ssh/config', '.aws/credentials', 'service-account-prod.json', 'client_secret_123.json', '.netrc', '.npmrc', '.pypirc', 'tls/server.key', 'cert.pem', 'a.p12', 'b.pfx', 'kubeconfig', '.git-credentials', '.docker/config.json', 'conf/secrets.yaml']) {
        assert.ok(credentialFileReason(f), f);
      }
      for (const f of ['train.py', 'test_secrets.py', 'config.yaml', 'id_rsa.pub', 'environment.yml', 'tokenizer.json']) assert.equal(credentialFileReason(f), null, f);
    });
  });
});
