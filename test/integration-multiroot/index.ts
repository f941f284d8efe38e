// Entry point for the multi-root integration suite (a .code-workspace with two folders): the same
// runner as test/integration/index.ts, over this folder's tests.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const root = path.resolve(__dirname, '..', '..', '..');
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: require(path.join(root, 'test', 'harness', 'countingReporter.cjs')),
    grep: process.env.EXPTRACK_TEST_GREP,
  });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
