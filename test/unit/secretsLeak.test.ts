import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSqlJs } from '../../src/core/sqlite';
import { builtCli } from './helpers/builtCli';

// A workspace full of planted secrets, recorded through the real CLI; afterwards no secret value may be
// anywhere under .exptrack (database bytes, journals, caches, logs) nor in any git object reachable from
// refs/exptrack/.

const root = path.resolve(__dirname, '..', '..', '..');
const bin = builtCli('secrets');
const cli = bin.cli;

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).trim();

/** Every planted value: none may be found afterwards. Plain letters and digits, so JSON escaping cannot hide one. */
const S = {
  openai: 'sk-proj-PLANTEDopenaiKey0123456789abcdefABCDEF',
  anthropic: 'sk-ant-api03-PLANTEDanthropicKey0123456789abcdef',
  hf: 'hf_PLANTEDhuggingFace0123456789abcdefghij',
  github: 'ghp_PLANTEDgithubToken0123456789abcdefghijk',
  githubPat: 'github_pat_11PLANTEDgithubPat0123456789_abcdefghijklmnopqrstuvwxyz01234',
  slack: 'xoxb-123456789012-PLANTEDslackToken0123',
  google: 'AIzaPLANTEDgoogleKey0123456789abcdefghi',
  awsId: 'AKIAPLANTED0123456AB',
  awsSecret: 'wJalrXUtnFEMIPLANTEDawsSecret0123456789ab',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEIn0.PLANTEDjwtSignature0123456789',
  privateKeyBody: 'MIIEvQIBADANPLANTEDprivateKeyBody0123456789',
  netrc: 'PLANTEDnetrcPassw0rd',
  npm: 'npm_PLANTEDnpmToken0123456789abcdefghijklm',
  pypi: 'pypi-AgEIcHlwaS5vcmcPLANTEDpypiToken0123456789abcdefghijklmnopqrstuvwxyz',
  kube: 'PLANTEDkubeToken0123456789',
  gitCredential: 'PLANTEDgitCredential',
  docker: 'PLANTEDdockerAuth0123',
  envFile: 'PLANTEDdotEnvValue',
  envLocal: 'PLANTEDdotEnvLocalValue',
  sshConfig: 'PLANTEDsshIdentity',
  // untracked config inside git, named on the command line
  yamlPassword: 'PLANTEDyamlPassword',
  yamlApiKey: 'PLANTEDyamlApiKey',
  yamlDbPass: 'PLANTEDyamlDbPass',
  // tracked files changed after the last commit (staged or not)
  trackedConfigKey: 'PLANTEDtrackedConfigKey',
  // command line
  urlToken: 'PLANTEDurlToken',
  urlAccessToken: 'PLANTEDurlAccessToken',
  apiKeyFlag: 'PLANTEDapiKeyFlag',
  passFlag: 'PLANTEDpassFlag',
  bearerFlag: 'PLANTEDbearerFlag',
  amzCredential: 'PLANTEDamzCredential',
  amzSignature: 'PLANTEDamzSignature',
  azureSig: 'PLANTEDazureSig',
  userinfo: 'PLANTEDuserinfoPass',
  mysql: 'PLANTEDmysqlPassword',
  // environment variables (allow-listed prefixes TORCH_, HF_)
  torchCreds: 'PLANTEDtorchCreds',
  hubAccess: 'PLANTEDhubAccess',
  endpointToken: 'PLANTEDendpointToken',
  // the package list (pip freeze)
  packageToken: 'PLANTEDpackageToken',
  // outside git
  nogitApiKey: 'PLANTEDnogitApiKey',
  nogitPassword: 'PLANTEDnogitPassword',
  nogitUrlToken: 'PLANTEDnogitUrlToken',
  nogitSaKeyId: 'PLANTEDnogitSaKeyId',
  nogitSaBody: 'MIIEvQIBADANPLANTEDnogitSaBody0123456789',
};

const privateKey = (body: string): string => `-----BEGIN PRIVATE KEY-----\n${body}\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----\n`;

function write(dir: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}

/**
 * A distribution installed from a URL holding a token (pip's direct_url.json), in a folder for
 * PYTHONPATH: `pip freeze` then lists `mypkg @ https://...?token=...`.
 */
function writeUrlPackage(dir: string): string {
  write(dir, 'sitepk/mypkg-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: mypkg\nVersion: 1.0\n');
  write(dir, 'sitepk/mypkg-1.0.dist-info/INSTALLER', 'pip\n');
  write(dir, 'sitepk/mypkg-1.0.dist-info/direct_url.json', JSON.stringify({ url: `https://files.example/mypkg.whl?token=${S.packageToken}`, archive_info: {} }));
  return path.join(dir, 'sitepk');
}

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.push({ file, bytes: fs.readFileSync(file) });
  }
  return out;
}

/** Every object reachable from refs/exptrack/, as `git cat-file -p` shows it, plus the raw blobs. */
function snapshotObjects(repo: string): { id: string; bytes: Buffer }[] {
  const refs = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/exptrack/');
  if (!refs) return [];
  const ids = git(repo, 'rev-list', '--objects', ...refs.split('\n')).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  return ids.map((id) => ({ id, bytes: execFileSync('git', ['cat-file', '-p', id], { cwd: repo, maxBuffer: 1 << 28 }) }));
}

function leaks(where: { file?: string; id?: string; bytes: Buffer }[]): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(S)) {
    for (const w of where) if (w.bytes.includes(Buffer.from(value))) found.push(`${name} in ${w.file ?? w.id}`);
  }
  return found;
}

function exptrack(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('planted secrets never reach .exptrack or refs/exptrack', function () {
  this.timeout(180_000);
  let repo: string;
  let plain: string;

  before(() => bin.build());
  after(() => bin.remove());

  beforeEach(() => {
    repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-secrets-')));
    plain = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-secrets-nogit-')));
  });
  afterEach(() => {
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(plain, { recursive: true, force: true });
  });

  it('inside git: credential files, secret content, tracked edits, command line, variables, packages', () => {
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.name', 'Test');
    git(repo, 'config', 'user.email', 'test@example.com');
    write(repo, 'train.py', 'import json, os, sys\nprint("loss=0.5")\n');
    write(repo, 'conf/tracked.yaml', 'lr: 0.1\n');
    write(repo, 'helper.py', 'X = 1\n');
    write(repo, '.gitignore', 'sitepk/\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');

    // Untracked files that are credentials by name.
    write(repo, '.env', `OPENAI_API_KEY=${S.openai}\nPLAIN=${S.envFile}\n`);
    write(repo, '.env.local', `SOMETHING=${S.envLocal}\n`);
    write(repo, 'id_rsa', privateKey(S.privateKeyBody));
    write(repo, '.ssh/id_ed25519', privateKey(S.privateKeyBody));
    write(repo, '.ssh/config', `Host x\n  IdentityFile ~/.ssh/${S.sshConfig}\n`);
    write(repo, '.aws/credentials', `[default]\naws_access_key_id = ${S.awsId}\naws_secret_access_key = ${S.awsSecret}\n`);
    write(repo, 'service-account.json', JSON.stringify({ type: 'service_account', private_key_id: S.nogitSaKeyId, private_key: privateKey(S.privateKeyBody) }));
    write(repo, '.netrc', `machine api.example.com login me password ${S.netrc}\n`);
    write(repo, '.npmrc', `//registry.npmjs.org/:_authToken=${S.npm}\n`);
    write(repo, '.pypirc', `[pypi]\nusername = __token__\npassword = ${S.pypi}\n`);
    write(repo, 'server.key', privateKey(S.privateKeyBody));
    write(repo, 'tls/cert.pem', privateKey(S.privateKeyBody));
    write(repo, 'client.p12', Buffer.concat([Buffer.from([0x30, 0x82, 0, 1, 0]), Buffer.from(S.privateKeyBody)]));
    write(repo, 'kubeconfig', `apiVersion: v1\nusers:\n- name: me\n  user:\n    token: ${S.kube}\n`);
    write(repo, '.git-credentials', `https://alice:${S.gitCredential}@github.com\n`);
    write(repo, '.docker/config.json', JSON.stringify({ auths: { 'ghcr.io': { auth: S.docker } } }));
    // Untracked files whose content holds secrets (names that look like code).
    write(repo, 'gcp/client.json', JSON.stringify({ type: 'service_account', private_key: privateKey(S.privateKeyBody) }));
    write(repo, 'tokens_test.py', `GH = "${S.github}"\nPAT = "${S.githubPat}"\n`);
    write(repo, 'notify.py', `SLACK = "${S.slack}"\nMAPS = "${S.google}"\n`);
    write(repo, 'llm.py', `client = make("${S.anthropic}")\nhub = login("${S.hf}")\n`);
    write(repo, 'aws_setup.py', `ID = "${S.awsId}"\n`);
    write(repo, 'auth_header.txt', `Authorization: Bearer ${S.jwt}\n`);
    write(repo, 'conf/secret.yaml', `lr: 0.01\npassword: ${S.yamlPassword}\napi_key: "${S.yamlApiKey}"\ndb: postgres://user:${S.yamlDbPass}@db.example/x\n`);
    // Tracked files changed after the last commit: unstaged, and staged.
    write(repo, 'conf/tracked.yaml', `lr: 0.1\napi_key: ${S.trackedConfigKey}\n`);
    write(repo, 'helper.py', `X = 1\nTOKEN = "${S.githubPat}"\n`);
    git(repo, 'add', 'helper.py');
    write(repo, 'big_notes.py', `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const sitePackages = writeUrlPackage(repo);

    const env = { PYTHONPATH: sitePackages, TORCH_CREDS: S.torchCreds, HF_HUB_ACCESS: S.hubAccess, HF_ENDPOINT: `https://hub.example/api?access_token=${S.endpointToken}&x=1`, TORCH_HOME: '/tmp/torch-home' };
    const r = exptrack(['run', '-q', '--', 'python3', 'train.py', '--config', 'conf/secret.yaml', '--also', 'conf/tracked.yaml',
      '--api-url', `https://x.example/v1/?token=${S.urlToken}&page=2`, '--cb', `https://x.example/cb#access_token=${S.urlAccessToken}`,
      '--api-key', S.apiKeyFlag, '--pass', S.passFlag, '--bearer', S.bearerFlag,
      '--s3', `https://b.s3.amazonaws.com/o?X-Amz-Credential=${S.amzCredential}&X-Amz-Signature=${S.amzSignature}&X-Amz-Date=20260101`,
      '--blob', `https://a.blob.core.windows.net/c/f?sv=2020&sig=${S.azureSig}`, '--db', `https://bob:${S.userinfo}@db.example/x`,
      '--hf', S.hf], repo, env);
    assert.equal(r.code, 0, r.stderr);
    // A password-asking tool (it need not exist: a command that cannot start is recorded too).
    exptrack(['run', '-q', '--', 'mysql', '-u', 'root', `-p${S.mysql}`, '-h', 'db.example'], repo);

    const stored = filesUnder(path.join(repo, '.exptrack'));
    assert.ok(stored.some((f) => f.file.endsWith('exptrack.db')), 'the database was written');
    assert.deepEqual(leaks(stored), [], 'no planted secret under .exptrack');
    const objects = snapshotObjects(repo);
    assert.ok(objects.length > 0, 'a snapshot was made');
    assert.deepEqual(leaks(objects), [], 'no planted secret in any object reachable from refs/exptrack/');

    // The snapshot still holds the code, and the run says what was left out.
    const first = JSON.parse(exptrack(['ls', '--json'], repo).stdout) as { id: string; command: string }[];
    const trainRun = first.find((x) => x.command.includes('train.py'))!;
    const detail = JSON.parse(exptrack(['show', trainRun.id, '--json'], repo).stdout) as { tags: Record<string, string>; git: { snapshot: string }; environment: { packages?: string[]; envVars?: Record<string, string> } };
    const files = git(repo, 'ls-tree', '-r', '--name-only', detail.git.snapshot).split('\n');
    for (const f of ['train.py', 'conf/tracked.yaml', 'helper.py', '.gitignore']) assert.ok(files.includes(f), f);
    assert.equal(git(repo, 'show', `${detail.git.snapshot}:conf/tracked.yaml`), 'lr: 0.1', 'a tracked file with a new secret is kept as committed');
    assert.equal(git(repo, 'show', `${detail.git.snapshot}:helper.py`), 'X = 1');
    for (const f of ['.env', 'id_rsa', '.ssh/id_ed25519', '.aws/credentials', 'service-account.json', 'kubeconfig', 'tokens_test.py', 'conf/secret.yaml', 'big_notes.py']) {
      assert.ok(!files.includes(f), `${f} left out`);
    }
    const leftOut = JSON.parse(detail.tags['exptrack.codeLeftOut'] ?? '{}') as { count?: number; files?: { path: string; reason: string }[] };
    const listed = new Map((leftOut.files ?? []).map((f) => [f.path, f.reason]));
    for (const f of ['.env', 'id_rsa', '.aws/credentials', 'tokens_test.py', 'conf/secret.yaml', 'conf/tracked.yaml', 'helper.py', 'big_notes.py']) assert.ok(listed.has(f), `${f} listed as left out`);
    assert.match(listed.get('big_notes.py') ?? '', /over/);
    assert.match(listed.get('tokens_test.py') ?? '', /GitHub/);
    assert.match(exptrack(['show', trainRun.id], repo).stdout, /left out of the code snapshot/);
    const environment = detail.environment;
    assert.ok(environment.packages?.includes('mypkg @ https://files.example/mypkg.whl?token=[redacted]'), 'the package list was recorded, redacted');
    assert.equal(environment.envVars?.TORCH_HOME, '/tmp/torch-home', 'harmless variables are kept');
    assert.equal(fs.readFileSync(path.join(repo, '.exptrack', '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
  });

  it('outside git: config copies are redacted as params are, credential files are never stored', async () => {
    write(plain, 'train.py', 'print("loss=0.5")\n');
    write(plain, 'cfg.yaml', `lr: 0.1\napi_key: ${S.nogitApiKey}\ndb:\n  password: "${S.nogitPassword}"\n  url: https://h.example/?token=${S.nogitUrlToken}\n`);
    write(plain, 'service-account.json', JSON.stringify({ type: 'service_account', private_key_id: S.nogitSaKeyId, private_key: privateKey(S.nogitSaBody) }));
    const r = exptrack(['run', '-q', '--', 'python3', 'train.py', '--config', 'cfg.yaml', '--sa-file', 'service-account.json'], plain);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(leaks(filesUnder(path.join(plain, '.exptrack'))), [], 'no planted secret under .exptrack');
    const detail = JSON.parse(exptrack(['show', '@last', '--json'], plain).stdout) as { params: Record<string, unknown>; tags: Record<string, string> };
    assert.equal(detail.params.lr, 0.1);
    assert.equal(detail.params.api_key, '[redacted]');
    assert.equal(detail.params['db.password'], '[redacted]');
    const leftOut = JSON.parse(detail.tags['exptrack.codeLeftOut'] ?? '{}') as { files?: { path: string; reason: string }[] };
    assert.ok(leftOut.files?.some((f) => f.path === 'service-account.json'), 'the credential file is listed as left out');
    // The config copy is kept, redacted; the credential file is not.
    const SQL = await loadSqlJs();
    const db = new SQL.Database(fs.readFileSync(path.join(plain, '.exptrack', 'exptrack.db')));
    const code = Object.fromEntries((db.exec('SELECT path, content FROM code_files')[0]?.values ?? []).map(([p, c]) => [String(p), String(c)]));
    db.close();
    assert.deepEqual(Object.keys(code).sort(), ['cfg.yaml', 'train.py']);
    assert.equal(code['cfg.yaml'], 'lr: 0.1\napi_key: "[redacted]"\ndb:\n  password: "[redacted]"\n  url: https://h.example/?token=[redacted]\n');
  });
});
