import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { gitTreeCodeIdentity } from '../core/lineage/gitTreeCodeIdentity';
import { LineageQueries } from '../core/lineage/lineageQueries';
import { storeSqlReader } from '../core/lineage/storeSqlReader';
import { baselinesByExperiment } from '../core/explain/baseline';
import type { RunDetail, RunSummary } from '../core/model';
import type { Series } from '../core/store/downsample';
import type { LineageSource, PanelDataSource } from './panels/panelContext';
import { Disposable } from './lifecycle';
import type { FolderStore, StoresChange, WorkspaceStores } from './workspaceStores';

const EMPTY: Series = { steps: new Float64Array(0), values: new Float64Array(0), times: new Float64Array(0) };
const TAIL_BYTES = 64 * 1024;

/** The panels' view of every open store: a run id is looked up in whichever folder holds it. */
export class StoresDataSource extends Disposable implements PanelDataSource {
  constructor(private readonly stores: WorkspaceStores) {
    super();
  }

  /** Which folder's store holds a run: panels ask per series, so the answer is remembered. */
  private readonly owners = new Map<string, FolderStore>();

  private storeOf(runId: string): FolderStore | undefined {
    const ready = this.stores.ready;
    // One folder (the usual case): no lookup; its store answers unknown ids with nothing.
    if (ready.length === 1) return ready[0];
    const known = this.owners.get(runId);
    if (known && ready.includes(known)) return known;
    const found = ready.find((s) => s.store.getRun(runId) !== undefined);
    if (found) this.owners.set(runId, found);
    return found;
  }

  getRun(id: string, options?: { series?: string[] }): RunDetail | undefined {
    return this.storeOf(id)?.store.getRun(id, options);
  }

  series(runId: string, key: string, options?: { maxPoints?: number; fromStep?: number; toStep?: number }): Series {
    return this.storeOf(runId)?.store.series(runId, key, options) ?? EMPTY;
  }

  /**
   * The stores' changes as they say them (which runs changed, or `reloaded`), once each: a panel
   * re-reads only when its own runs changed. Stores opened after a panel subscribed are included.
   */
  onDidChange(listener: (e: StoresChange) => void): vscode.Disposable {
    return this.stores.onDidChange(listener);
  }

  /** The code snapshot kept outside git (path -> content): the Compare panel diffs it. */
  getCodeFiles(runId: string): Readonly<Record<string, string>> | undefined {
    return this.storeOf(runId)?.store.getCodeFiles(runId);
  }

  /** One code-identity object for the window: it caches git ls-tree results across lineage queries. */
  private readonly codeIdentity = gitTreeCodeIdentity();

  lineageSources(): readonly LineageSource[] {
    return this.stores.ready.map((s) => ({
      workspaceRoot: s.folder.uri.fsPath,
      queries: () => new LineageQueries(storeSqlReader(s.store), this.codeIdentity),
      getRun: (id: string) => s.store.getRun(id),
      getCodeFiles: (id: string) => s.store.getCodeFiles(id),
    }));
  }

  /** The runs of `experiment` in the store holding `runId`, and the experiment's baseline. */
  experimentRuns(runId: string, experiment: string): { runs: RunSummary[]; baselineRunId: string | undefined } {
    const store = this.storeOf(runId)?.store;
    if (!store) return { runs: [], baselineRunId: undefined };
    const runs = store.listRuns({ experiment });
    return { runs, baselineRunId: baselinesByExperiment(runs, store.tagsByRun()).get(experiment) };
  }

  /** The last lines of a run's console output (bounded read: logs can be large). */
  outputTail(runId: string, maxLines: number): string | undefined {
    const fsStore = this.storeOf(runId);
    if (!fsStore) return undefined;
    const file = path.join(fsStore.exptrackDir, 'runs', runId, 'output.log');
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split(/\r?\n/);
      if (size > len) lines.shift(); // first line is partial
      return lines.slice(-maxLines).join('\n');
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}
