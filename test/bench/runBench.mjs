// `npm run bench`: every benchmark, one after another (they measure time: never in parallel), each
// printing its own figures; then the Runs-tree benchmark inside the real VS Code extension host.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
process.chdir(root);
const only = process.argv.slice(2);
const dir = path.join(root, 'out/test/bench');
const benches = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js')).sort() : [];
let failed = 0;
for (const f of benches) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n=== ${f.replace(/\.bench\.js$/, '')} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`${f} exited with ${r.status}`); }
}
if (!only.length || only.includes('runs-tree')) {
  console.log('\n=== runs-tree (in the real extension host) ===');
  const r = spawnSync(process.execPath, [path.join(root, 'test/harness/runIntegration.mjs')], {
    stdio: 'inherit', env: { ...process.env, EXPTRACK_BENCH: '1', EXPTRACK_TEST_GREP: 'bench:' },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
