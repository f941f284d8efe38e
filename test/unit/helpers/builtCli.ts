import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/**
 * The CLI as users run it (esbuild's bundles and sql-wasm.wasm) in a temp folder of its own per test
 * file: `build()` in a `before` hook, `remove()` in an `after` hook.
 */
export function builtCli(name: string): { readonly dir: string; readonly cli: string; build(): void; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `exptrack-${name}-bin-`));
  return {
    dir,
    cli: path.join(dir, 'cli.js'),
    build: () => {
      const b = spawnSync(process.execPath, ['esbuild.mjs', '--cli', dir], { cwd: root, stdio: 'inherit' });
      assert.equal(b.status, 0, 'build the CLI');
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
