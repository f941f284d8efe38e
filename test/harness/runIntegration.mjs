// Runs the integration suite (out/test/integration) inside a real VS Code extension host: code-server
// 4.100.3 opened by headless chromium with a workbench URL `payload` carrying extensionDevelopmentPath
// and extensionTestsPath (code-server rejects them as flags). VS Code calls window.codeAutomationExit
// when the suite ends; this script exits with that status and relays the suite's output.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ROOT, startCodeServer, stopCodeServer, launchBrowser, makeRunDir } = require('./codeServer.cjs');
const { makeWorkspace, makeMultiRootWorkspace } = require('./workspace.cjs');
// --multiroot: the suite in out/test/integration-multiroot, in a two-folder .code-workspace.
const multiRoot = process.argv.includes('--multiroot');
// --restricted: the suite in out/test/integration-restricted, in a workspace that is not trusted.
const restricted = process.argv.includes('--restricted');

const TIMEOUT_MS = Number(process.env.EXPTRACK_INTEGRATION_TIMEOUT_MS || 600_000);

const t0 = Date.now();
const runDir = makeRunDir('integration');
const workspace = multiRoot ? makeMultiRootWorkspace(path.join(runDir, 'workspace')) : makeWorkspace(path.join(runDir, 'workspace'));
const suiteDir = multiRoot ? 'out/test/integration-multiroot' : restricted ? 'out/test/integration-restricted' : 'out/test/integration';
const trustSettings = restricted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open' } : {};
let cs, ctx, code = 1;
let printing = Promise.resolve(); // keeps relayed console lines in order
try {
  cs = await startCodeServer({ runDir, workspace, settings: trustSettings, workspaceTrust: restricted, extraEnv: { EXPTRACK_TEST_COUNTS: process.env.EXPTRACK_TEST_COUNTS ?? '', EXPTRACK_TEST_RUN_DIR: runDir } });
  const payload = [['extensionDevelopmentPath', cs.remoteUri(ROOT)], ['extensionTestsPath', cs.remoteUri(path.join(ROOT, suiteDir, 'index.js'))]];
  const target = multiRoot ? `workspace=${encodeURIComponent(workspace)}` : `folder=${encodeURIComponent(workspace)}`;
  const url = `${cs.base}/?${target}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  ctx = await launchBrowser(runDir);
  const page = ctx.pages()[0] ?? await ctx.newPage();
  // With extensionTestsPath set, the extension host's console goes to the workbench log, which the
  // browser console receives as "%c INFO", "<css>", ...args.
  page.on('console', (m) => {
    printing = printing.then(async () => {
      let args = [];
      try { args = await Promise.all(m.args().map((a) => a.jsonValue())); } catch { /* page closing */ }
      if (!args.length) args = [m.text()];
      const level = typeof args[0] === 'string' && /^%c\s+(\w+)/.exec(args[0]);
      if (level) args = args.slice(2);
      const line = util.format(...args);
      if (level && !['TRACE', 'DEBUG'].includes(level[1])) console.log(line);
      else if (!level && (process.env.VERBOSE || m.type() === 'error')) console.log(`[browser:${m.type()}] ${line}`);
    });
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationExit', (c) => resolveExit(c));
  // A loaded machine (CI, parallel suites) takes longer than the 30 s default to serve the workbench.
  await page.goto(url, { timeout: 180_000 });
  code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT_MS))]);
  if (code === 'timeout') { console.error(`integration: no result from the extension host within ${TIMEOUT_MS} ms`); code = 2; }
  await printing;
  console.log(`integration: extension host exit code ${code} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
} catch (e) {
  console.error('integration:', e);
  code = 1;
} finally {
  await ctx?.close().catch(() => {});
  await stopCodeServer(cs);
  if (code !== 0 && cs) {
    const log = fs.readFileSync(cs.logFile, 'utf8').split('\n').filter((l) => /error|ExtensionHost/i.test(l)).slice(-40);
    console.log(`--- code-server log (${cs.logFile}) ---\n${log.join('\n')}`);
  }
}
if (code === 0 && !process.env.KEEP_RUN) fs.rmSync(runDir, { recursive: true, force: true });
process.exit(typeof code === 'number' ? code : 1);
