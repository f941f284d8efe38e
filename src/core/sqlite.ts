import fs from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Loads sql.js once per process. The wasm always comes from disk: next to the bundle in dist/
 * (extension and CLI), else from node_modules (unit tests run from out/). Never from a network.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= (async () => {
    const candidates = [path.join(__dirname, 'sql-wasm.wasm'), path.join(__dirname, '..', 'sql-wasm.wasm')];
    let wasm = candidates.find((p) => fs.existsSync(p));
    if (!wasm) {
      try { wasm = require.resolve('sql.js/dist/sql-wasm.wasm'); } catch { /* reported below */ }
    }
    if (!wasm) throw new Error(`sql-wasm.wasm not found next to ${__dirname}; rebuild with "npm run compile"`);
    const wasmBinary = fs.readFileSync(wasm);
    return initSqlJs({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
  })();
  return loading;
}
