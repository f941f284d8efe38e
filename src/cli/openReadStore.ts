import * as path from 'node:path';
import { findStoreDir } from '../core/store/findStoreDir';
import { Store } from '../core/store/store';
import type { CliIo } from './cliIo';

/** What opening the store found that a command should explain. */
export interface ReadStoreNotes {
  /** The database file, when it could not be read: what the store shows then comes from the journals alone. */
  unreadableDatabase?: string;
}

/**
 * Opens the store the reading commands (ls, show, compare, export, lineage, doctor) look at: found from
 * the cwd upward, read-only (they never write under .exptrack/). Undefined after telling the user why not.
 */
export async function openReadStore(io: CliIo, notes?: ReadStoreNotes): Promise<Store | undefined> {
  const { dir } = findStoreDir(io.cwd, io.env);
  const dbFile = path.join(path.resolve(dir), 'exptrack.db');
  const warn = (m: string): void => {
    // A reader leaves a damaged database where it is (only a writer moves it aside) and sees what
    // could be salvaged from it plus the journals: a command listing runs says so instead of "no runs".
    if (notes !== undefined && m.startsWith(`${dbFile} is damaged`)) notes.unreadableDatabase = dbFile;
    io.stderr(`exptrack: ${m}\n`);
  };
  try {
    const store = await Store.open(dir, {
      readOnly: true,
      logger: { info: () => undefined, warn, error: (m) => io.stderr(`exptrack: ${m}\n`) },
    });
    // A writer (often the background fold `exptrack run` starts after a big run) may have saved the
    // database and deleted the journals it covers while this store was reading them: the view would
    // then lack part of a journal. Such a save changed the file, which refresh() reloads; repeat
    // (a few times at most) until nothing moves.
    for (let i = 0; i < 3 && await store.refresh(); i++) { /* again */ }
    return store;
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}\n`);
    return undefined;
  }
}
