import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/**
 * A Python with pyarrow, polars and duckdb: EXPTRACK_TEST_PYTHON, else the repository's .venv-test
 * (`.ci/run` creates it). Without one the interop tests fail in CI and are skipped elsewhere, saying so.
 */
export function testPython(): string | undefined {
  const candidates = [process.env.EXPTRACK_TEST_PYTHON, path.join(root, '.venv-test', 'bin', 'python')].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (spawnSync(p, ['-c', 'import pyarrow, polars, duckdb'], { encoding: 'utf8' }).status === 0) return p;
  }
  return undefined;
}

/** Runs `code` with that Python in `cwd`; its stdout, trimmed. */
export function python(py: string, code: string, cwd: string): string {
  const r = spawnSync(py, ['-c', code], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}
