import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from './logger';
import type { FolderStore } from './workspaceStores';

/**
 * Deletes a run from its store and its folder (console output, structured channel) from disk. The
 * store keeps the id as deleted, so a journal folded later cannot bring the run back.
 */
export function removeRun(folderStore: FolderStore, runId: string, logger: Logger): void {
  folderStore.store.deleteRun(runId);
  fs.rm(path.join(folderStore.exptrackDir, 'runs', runId), { recursive: true, force: true }, (e) => {
    if (e) logger.warn(`could not remove the output folder of ${runId}: ${e.message}`);
  });
}
