import type { JournalRecord } from './journalRecord';
import type { StoreImage } from './storeImage';
import type { StoreJournals } from './storeJournals';

/**
 * User edits (rename, tags, note, delete), journaled like everything else: appended to this writer's
 * journal and written at once, then applied to memory so reads see them; the fold applies the line
 * again, harmlessly (every edit is idempotent).
 */
export class StoreEdits {
  constructor(
    private readonly image: StoreImage,
    private readonly journals: StoreJournals,
    /** Called after an edit was applied to memory: tell listeners, schedule the fold that saves it. */
    private readonly applied: (id: string) => void,
  ) {}

  renameRun(id: string, name: string): void { this.edit(id, { t: 'name', r: id, name: String(name) }); }

  setTags(id: string, tags: Record<string, string | null>): void { this.edit(id, { t: 'tags', r: id, tags: { ...tags } }); }

  setNote(id: string, note: string): void { this.edit(id, { t: 'note', r: id, note: String(note ?? ''), time: Date.now() }); }

  deleteRun(id: string): void { this.edit(id, { t: 'del', r: id }); }

  private edit(id: string, rec: JournalRecord): void {
    const journal = this.journals.own;
    if (!journal) throw new Error('this store is read-only');
    const image = this.image;
    if (!image.rows('SELECT 1 FROM runs WHERE id = ?', [id]).length) throw new Error(`no run ${id}`);
    journal.append(JSON.stringify(rec));
    journal.flushSync();
    image.inTransaction(() => {
      image.applier.apply(rec, this.journals.ownId());
      image.applier.finishBatch();
    });
    image.applier.takeChanged();
    image.summaryCache.delete(id);
    image.markDirty(true);
    this.applied(id);
  }
}
