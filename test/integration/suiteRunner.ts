// Runs the *.test.js files next to an index.js with mocha inside the extension host, reporting counts
// for the whole-suite total (test/harness/countingReporter.cjs).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function runSuite(dir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const root = path.resolve(dir, '..', '..', '..');
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: require(path.join(root, 'test', 'harness', 'countingReporter.cjs')),
    grep: process.env.EXPTRACK_TEST_GREP,
  });
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
