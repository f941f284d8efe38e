// A real VS Code for tests and the demo: code-server 4.100.3 (VS Code 1.100.3) from the npm registry,
// installed on first use into .vscode-test/, bound to 127.0.0.1, driven by Debian's chromium through
// playwright-core. Plain CommonJS so .mjs scripts and bundled TypeScript tests share it.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = findRoot(process.cwd());
const CS_VERSION = '4.100.3';
const CS_DIR = process.env.EXPTRACK_CODE_SERVER_DIR || path.join(ROOT, '.vscode-test', `code-server-${CS_VERSION}`);
const CS_ENTRY = path.join(CS_DIR, 'node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.EXPTRACK_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function findRoot(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'exptrack') return d;
    if (path.dirname(d) === d) throw new Error(`not inside the exptrack repository: ${dir}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Installs code-server into the cache folder unless it is there already. */
function ensureCodeServer() {
  if (fs.existsSync(path.join(CS_DIR, '.installed')) && fs.existsSync(CS_ENTRY)) return;
  execFileSync('bash', [path.join(ROOT, 'test/harness/install-code-server.sh'), CS_DIR], { stdio: 'inherit' });
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** Env for code-server and its CLI: HOME and XDG folders inside runDir, no marketplace, no $PORT. */
function isolatedEnv(runDir, extraEnv = {}) {
  const home = path.join(runDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: `${home}/.config`, XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CACHE_HOME: `${home}/.cache`, EXTENSIONS_GALLERY: '{}', ...extraEnv };
  delete env.PORT; // code-server honours $PORT over --bind-addr
  return env;
}

/**
 * Starts code-server on 127.0.0.1 with throwaway user data and extensions folders under runDir.
 * Resolves when /healthz answers.
 */
async function startCodeServer({ runDir, workspace, port, settings = {}, extraEnv = {}, extensionsDir, workspaceTrust = false }) {
  ensureCodeServer();
  port ??= await freePort();
  const userDir = path.join(runDir, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  extensionsDir ??= path.join(runDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true, 'security.workspace.trust.enabled': false,
    'git.enabled': false, 'workbench.colorTheme': 'Default Dark Modern', 'chat.disableAIFeatures': true,
    'terminal.integrated.shellIntegration.enabled': true, 'terminal.integrated.defaultProfile.linux': 'bash',
    ...settings,
  }, null, 2));
  const config = path.join(runDir, 'config.yaml');
  fs.writeFileSync(config, '');
  const args = [CS_ENTRY, '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', ...(workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override',
    '--disable-proxy', '--user-data-dir', path.join(runDir, 'user-data'), '--extensions-dir', extensionsDir,
    '--ignore-last-opened', workspace];
  const logFile = path.join(runDir, 'code-server.log');
  const log = fs.openSync(logFile, 'w');
  const t0 = Date.now();
  const proc = spawn(process.execPath, args, { env: isolatedEnv(runDir, extraEnv), stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited early (${proc.exitCode}); see ${logFile}`);
    try { const r = await fetch(`${base}/healthz`); if (r.ok) break; } catch { /* not up yet */ }
    if (Date.now() - t0 > 60000) { proc.kill('SIGKILL'); throw new Error(`code-server not healthy within 60 s; see ${logFile}`); }
    await sleep(100);
  }
  return { proc, port, base, logFile, t0, healthyMs: Date.now() - t0,
    remoteUri: (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}` };
}

async function stopCodeServer(cs) {
  if (!cs || cs.proc.exitCode !== null || cs.proc.signalCode !== null) return;
  const exited = new Promise((r) => cs.proc.once('exit', r));
  cs.proc.kill('SIGTERM');
  let timer;
  await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 5000); })]);
  clearTimeout(timer);
  if (cs.proc.exitCode === null && cs.proc.signalCode === null) cs.proc.kill('SIGKILL');
}

/** Headless Debian chromium with a fresh profile (never a downloaded browser). */
async function launchBrowser(runDir, { viewport = { width: 1440, height: 900 } } = {}) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(runDir, 'chromium-'));
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport });
}

/** Installs a VSIX into an extensions folder with code-server's own CLI (works offline). */
function installVsix({ vsix, runDir, extensionsDir }) {
  ensureCodeServer();
  execFileSync(process.execPath, [CS_ENTRY, '--config', '/dev/null', '--user-data-dir', path.join(runDir, 'user-data'),
    '--extensions-dir', extensionsDir, '--install-extension', vsix], { stdio: 'inherit', env: isolatedEnv(runDir) });
}

/** A fresh folder for one test run's throwaway state. */
function makeRunDir(name) {
  const base = path.join(ROOT, '.vscode-test', 'runs');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${name}-`));
}

/** Opens the command palette, runs the command with this title, waits for the palette to close. */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

module.exports = { ROOT, CS_DIR, CHROMIUM, CHROMIUM_ARGS, sleep, ensureCodeServer, freePort, startCodeServer, stopCodeServer,
  launchBrowser, installVsix, makeRunDir, runCommand, tmpdir: os.tmpdir };
