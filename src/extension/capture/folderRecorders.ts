import * as vscode from 'vscode';
import { MetricParser, type MetricParserOptions, type MetricPatternConfig } from '../../core/metrics/metricParser';
import { readParserConfig } from '../../core/metrics/parserConfig';
import { patternProblem } from '../../core/metrics/userPatterns';
import { pythonHookDirBeside } from '../../core/recorder/pythonHook';
import { Recorder } from '../../core/recorder/recorder';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';

/** A folder's store and the recorder writing into it. */
export interface FolderRecorder {
  readonly folderStore: FolderStore;
  readonly recorder: Recorder;
}

/**
 * One recorder per workspace folder, writing through that folder's store. The console parser is
 * configured from `exptrack.metrics.*` settings first, then `.exptrack/config.json` (the CLI's file).
 */
export class FolderRecorders extends Disposable {
  private readonly recorders = new Map<string, Promise<FolderRecorder>>();

  constructor(
    private readonly stores: WorkspaceStores,
    private readonly logger: Logger,
    private readonly onHashProgress?: (p: { path: string; bytesDone: number; bytesTotal: number }) => void,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      // New settings apply to runs started from now on: drop recorders that have no live run.
      if (e.affectsConfiguration('exptrack.metrics') || e.affectsConfiguration('exptrack.capture.pythonHook')) void this.dropIdle();
    }));
  }

  /** The recorder of the folder holding `fsPath` (else the first folder). */
  async forPath(fsPath: string | undefined): Promise<FolderRecorder> {
    const folder = this.stores.folderFor(fsPath);
    if (!folder) throw new Error('Open a folder first: runs are recorded into the workspace folder (.exptrack/).');
    const key = folder.uri.toString();
    let pending = this.recorders.get(key);
    if (!pending) {
      pending = this.create(folder);
      this.recorders.set(key, pending);
      pending.catch(() => this.recorders.delete(key));
    }
    return pending;
  }

  private async create(folder: vscode.WorkspaceFolder): Promise<FolderRecorder> {
    const folderStore = await this.stores.get(folder);
    const log = this.logger.scoped('recorder');
    const parserOptions = this.parserOptions(folder, folderStore.exptrackDir);
    const recorder = new Recorder({
      sink: folderStore.store.sink,
      exptrackDir: folderStore.exptrackDir,
      workspaceDir: folder.uri.fsPath,
      logger: { warn: (m) => log.warn(m), info: (m) => log.info(m) },
      createParser: () => new MetricParser(parserOptions),
      onHashProgress: this.onHashProgress,
      // Processes the recorder starts (tasks, Run with Tracking) get the Python hook from dist/.
      pythonHookDir: pythonHookDirBeside(__dirname),
      // Restricted Mode: git (hooks, fsmonitor in .git/config) and the workspace's pip could run code
      // the user has not trusted; the run itself is still recorded.
      capture: {
        pythonHook: vscode.workspace.getConfiguration('exptrack.capture').get<boolean>('pythonHook') !== false,
        ...(vscode.workspace.isTrusted ? {} : { git: false, packages: false }),
      },
    });
    return { folderStore, recorder };
  }

  private parserOptions(folder: vscode.WorkspaceFolder, exptrackDir: string): MetricParserOptions {
    const config = vscode.workspace.getConfiguration('exptrack.metrics', folder.uri);
    let fromFile: MetricParserOptions = {};
    try {
      fromFile = readParserConfig(exptrackDir);
    } catch (e) {
      this.warnUser(`${e instanceof Error ? e.message : e}; using the built-in metric rules`);
    }
    const patterns: MetricPatternConfig[] = [];
    for (const [i, p] of (config.get<unknown[]>('patterns') ?? []).entries()) {
      const problem = patternProblem(p as never);
      if (problem) this.warnUser(`setting exptrack.metrics.patterns[${i}]: ${problem}`);
      else patterns.push(p as MetricPatternConfig);
    }
    return {
      patterns: [...patterns, ...(fromFile.patterns ?? [])],
      ignore: [...(config.get<string[]>('ignore') ?? []), ...(fromFile.ignore ?? [])],
    };
  }

  private warnUser(message: string): void {
    this.logger.warn(message);
    void vscode.window.showWarningMessage(`Experiments: ${message}`);
  }

  private async dropIdle(): Promise<void> {
    for (const [key, pending] of [...this.recorders]) {
      try {
        const { recorder } = await pending;
        if (!recorder.activeRuns.length) this.recorders.delete(key);
      } catch { /* failed ones are already gone */ }
    }
  }

  /** Ends what is still being observed (as interrupted) and waits for every recording to finish. */
  async closeAll(): Promise<void> {
    const all = await Promise.allSettled([...this.recorders.values()]);
    await Promise.allSettled(all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.recorder.dispose()] : [])));
  }
}
