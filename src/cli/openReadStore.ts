import { findStoreDir } from '../core/store/findStoreDir';
import { Store } from '../core/store/store';
import type { CliIo } from './cliIo';

/**
 * Opens the store the reading commands (ls, show, compare, export, lineage, doctor) look at: found from
 * the cwd upward, read-only (they never write under .exptrack/). Undefined after telling the user why not.
 */
export async function openReadStore(io: CliIo): Promise<Store | undefined> {
  const { dir } = findStoreDir(io.cwd, io.env);
  try {
    return await Store.open(dir, {
      readOnly: true,
      logger: { info: () => undefined, warn: (m) => io.stderr(`exptrack: ${m}\n`), error: (m) => io.stderr(`exptrack: ${m}\n`) },
    });
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return undefined;
  }
}
