// The same integration suite under @vscode/test-electron, for machines that can download a desktop
// VS Code (this one cannot; CI here uses test/harness/runIntegration.mjs with code-server).
import path from 'node:path';
import { createRequire } from 'node:module';
import { runTests } from '@vscode/test-electron';

const require = createRequire(import.meta.url);
const { makeWorkspace } = require('../harness/workspace.cjs');
const { ROOT, makeRunDir } = require('../harness/codeServer.cjs');

const runDir = makeRunDir('electron');
const workspace = makeWorkspace(path.join(runDir, 'workspace'));
try {
  await runTests({
    version: '1.93.0',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/integration/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(runDir, 'user-data')}`],
  });
} catch (e) {
  console.error(`test:electron failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
