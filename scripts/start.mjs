// `npm start`: a real VS Code (code-server 4.100.3, bound to 127.0.0.1) with this extension installed
// and a demo workspace, ready to open in a browser. Ctrl-C stops it. Runs recorded in the demo are kept
// in .vscode-test/demo-workspace between starts.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ROOT, startCodeServer, stopCodeServer, freePort } = require('../test/harness/codeServer.cjs');
const { makeWorkspace } = require('../test/harness/workspace.cjs');

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const stateDir = path.join(ROOT, '.vscode-test', 'demo');
const workspace = path.join(ROOT, '.vscode-test', 'demo-workspace');
if (!fs.existsSync(workspace)) makeWorkspace(workspace);

// "Install" the development build: a symlink named publisher.name-version in the extensions folder,
// so `npm run watch` + a window reload picks up changes.
const extensionsDir = path.join(stateDir, 'extensions');
fs.mkdirSync(extensionsDir, { recursive: true });
for (const e of fs.readdirSync(extensionsDir)) if (e.startsWith(`${pkg.publisher}.${pkg.name}-`)) fs.rmSync(path.join(extensionsDir, e), { recursive: true, force: true });
fs.symlinkSync(ROOT, path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`));

// The `exptrack` CLI on PATH in the demo's terminals.
const binDir = path.join(stateDir, 'bin');
fs.mkdirSync(binDir, { recursive: true });
fs.writeFileSync(path.join(binDir, 'exptrack'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'dist/cli.js')}" "$@"\n`, { mode: 0o755 });

let port = Number(process.env.EXPTRACK_PORT || 8765);
port = await new Promise((resolve) => {
  import('node:net').then(({ createServer }) => {
    const s = createServer().once('error', () => freePort().then(resolve)).listen(port, '127.0.0.1', () => s.close(() => resolve(port)));
  });
});
console.log('Starting VS Code (code-server 4.100.3)...');
const cs = await startCodeServer({ runDir: stateDir, workspace, port, extensionsDir,
  extraEnv: { PATH: `${binDir}:${process.env.PATH}` } });
console.log(`\nExperiment Tracker demo is ready (started in ${(cs.healthyMs / 1000).toFixed(1)} s):\n\n  ${cs.base}/?folder=${encodeURIComponent(workspace)}\n`);
console.log('Open it in a browser on this machine (bound to 127.0.0.1 only). Try: Terminal > Run Task > "train (tracked)",');
console.log('or `python3 train.py --lr 0.3` in a terminal, then the Experiments view. Ctrl-C stops the server.');
const stop = async () => { await stopCodeServer(cs); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
cs.proc.on('exit', (code) => { console.log(`code-server exited (${code}); log: ${cs.logFile}`); process.exit(code ?? 1); });
