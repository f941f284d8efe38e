// Runs every test layer and prints one total for the whole suite as the last line:
// "N passed, N failed". Usage: node test/runAll.mjs [layer...]   (layers: unit webview integration e2e)
// Expects `node esbuild.mjs && node esbuild.mjs --tests` to have run (npm test does both).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
const mocha = [path.join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', path.join(root, 'test/harness/countingReporter.cjs')];

const hasTests = (dir) => fs.existsSync(dir) && fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.test.js'));

const layers = {
  unit: { dir: 'out/test/unit', cmd: [...mocha, '--timeout', '60000', 'out/test/unit/**/*.test.js'] },
  webview: { dir: 'out/test/webview', cmd: [...mocha, '--timeout', '120000', 'out/test/webview/**/*.test.js'] },
  integration: { dir: 'out/test/integration', cmd: [path.join(root, 'test/harness/runIntegration.mjs')] },
  multiroot: { dir: 'out/test/integration-multiroot', cmd: [path.join(root, 'test/harness/runIntegration.mjs'), '--multiroot'] },
  restricted: { dir: 'out/test/integration-restricted', cmd: [path.join(root, 'test/harness/runIntegration.mjs'), '--restricted'] },
  e2e: { dir: 'out/test/e2e', cmd: [...mocha, '--timeout', '300000', 'out/test/e2e/**/*.test.js'] },
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(layers);
const countsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-counts-'));
const totals = { passed: 0, failed: 0 };
const summary = [];
for (const name of wanted) {
  const layer = layers[name];
  if (!layer) { console.error(`unknown test layer "${name}"; layers: ${Object.keys(layers).join(', ')}`); process.exit(2); }
  if (!hasTests(layer.dir)) { summary.push(`${name}: no tests built in ${layer.dir}`); continue; }
  const countsFile = path.join(countsDir, `${name}.json`);
  console.log(`\n=== ${name} tests ===`);
  const t0 = Date.now();
  const status = await new Promise((resolve) => {
    const child = spawn(process.execPath, layer.cmd, { stdio: 'inherit', env: { ...process.env, EXPTRACK_TEST_COUNTS: countsFile } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  let counts;
  try { counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')); } catch { counts = undefined; }
  if (!counts) {
    // The layer died before its reporter finished: count that as a failure, never as silence.
    counts = { passed: 0, failed: 1 };
    console.error(`${name}: the test process ended (status ${status}) without reporting results`);
  } else if (status !== 0 && counts.failed === 0) {
    counts.failed = 1;
    console.error(`${name}: exited with status ${status} although no test failed`);
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  summary.push(`${name}: ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
fs.rmSync(countsDir, { recursive: true, force: true });
console.log(`\n${summary.join('\n')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
