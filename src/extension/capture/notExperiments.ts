import * as vscode from 'vscode';
import type { RunEnd } from '../../core/model';
import type { ActiveRun } from '../../core/recorder/activeRun';
import { compileCommandFilter, missingScript, whyNeverStarted, type CommandFilter } from '../../core/recorder/experimentFilter';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import { removeRun } from '../removeRun';
import type { FolderRecorders } from './folderRecorders';

const SETTING = 'exptrack.capture.ignoreCommands';

/**
 * What terminal and task capture leave unrecorded (docs/recording.md, "Not experiments"): commands the
 * built-in patterns or `exptrack.capture.ignoreCommands` skip, and commands that never started.
 */
export class NotExperiments extends Disposable {
  private filter: CommandFilter = compileCommandFilter().filter;
  /** Runs being watched, and whether the script each names was missing when it started. */
  private readonly scriptMissingAtStart = new WeakMap<ActiveRun, boolean>();

  constructor(private readonly recorders: FolderRecorders, private readonly logger: Logger) {
    super();
    this.load();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTING)) this.load();
    }));
  }

  /** True when the command is package management, tooling or a pattern the user skips. */
  ignores(command: string | readonly string[]): boolean {
    return this.filter.ignores(command);
  }

  /** Call as the run starts: notes what {@link discardIfNeverStarted} needs to know of its start. */
  watch(run: ActiveRun): ActiveRun {
    this.scriptMissingAtStart.set(run, missingScript(run.analysis, run.cwd) !== null);
    return run;
  }

  /**
   * Removes an observed run that failed to start (not found, not executable, a missing script, within
   * the first second): a typo is not an experiment. `endedAt`: when the end was seen, if the run was
   * ended later (a terminal's output is drained first). Returns whether it was removed.
   */
  async discardIfNeverStarted(run: ActiveRun, end: RunEnd, endedAt = end.endedAt): Promise<boolean> {
    const why = whyNeverStarted({ analysis: run.analysis, cwd: run.cwd, startedAt: run.startedAt, endedAt, exitCode: end.exitCode,
      scriptMissingAtStart: this.scriptMissingAtStart.get(run) });
    if (!why) return false;
    try {
      const { folderStore } = await this.recorders.forPath(run.cwd);
      await folderStore.store.flush(); // the run must be in the store before it can be deleted
      removeRun(folderStore, run.id, this.logger);
      this.logger.info(`"${run.command}" did not start (${why}): not recorded`);
      return true;
    } catch (e) {
      this.logger.warn(`could not remove run ${run.id}, which did not start: ${e instanceof Error ? e.message : e}`);
      return false;
    }
  }

  private load(): void {
    const configured = vscode.workspace.getConfiguration('exptrack.capture').get<unknown[]>('ignoreCommands') ?? [];
    const { filter, problems } = compileCommandFilter(Array.isArray(configured) ? configured : [configured]);
    this.filter = filter;
    if (!problems.length) return;
    const message = `${SETTING}: ${problems.join('; ')}`;
    this.logger.warn(message);
    void vscode.window.showWarningMessage(`Experiments: ${message}`);
  }
}
