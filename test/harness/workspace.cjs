// Makes a throwaway copy of the demo workspace (test/fixtures/workspace) as a git repository, so
// tests and the demo see runs with commits, code snapshots and artifacts.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./codeServer.cjs');

function makeWorkspace(dest, { git = true } = {}) {
  fs.cpSync(path.join(ROOT, 'test/fixtures/workspace'), dest, { recursive: true });
  if (git) {
    const run = (...args) => execFileSync('git', args, { cwd: dest, stdio: 'ignore' });
    run('init', '-q', '-b', 'main');
    run('-c', 'user.name=exptrack demo', '-c', 'user.email=demo@exptrack.invalid', 'add', '-A');
    run('-c', 'user.name=exptrack demo', '-c', 'user.email=demo@exptrack.invalid', 'commit', '-q', '-m', 'demo workspace');
    fs.writeFileSync(path.join(dest, '.gitignore'), '.exptrack/\noutputs/\n');
  }
  return dest;
}

/** Two copies of the demo workspace and a .code-workspace file naming both (multi-root). */
function makeMultiRootWorkspace(dest) {
  fs.mkdirSync(dest, { recursive: true });
  makeWorkspace(path.join(dest, 'alpha'));
  makeWorkspace(path.join(dest, 'beta'), { git: false });
  const file = path.join(dest, 'experiments.code-workspace');
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }] }, null, 2));
  return file;
}

module.exports = { makeWorkspace, makeMultiRootWorkspace };
