import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareForRerun, describeDifferences, repeatReason, type RerunCheck } from '../../core/editor/rerunCheck';
import { gatherRerunStates } from '../../core/editor/rerunState';
import { scriptPathsOf } from '../../core/editor/scriptRuns';
import { addSnapshotWorktree } from '../../core/editor/snapshotWorktree';
import type { RunDetail } from '../../core/model';
import { FileHasher } from '../../core/recorder/fileHasher';
import { substituteInterpreter, type InterpreterChoice } from '../../core/recorder/interpreterChoice';
import { shellQuote } from '../../core/recorder/shellWords';
import type { RunEndHook } from '../capture/trackedPty';
import type { TrackedTaskProvider } from '../capture/trackedTaskProvider';
import type { ScriptRunsIndex } from '../codeLens/scriptRunsIndex';
import type { Logger } from '../logger';
import type { PythonInterpreters } from '../pythonInterpreters';
import type { RunRef } from '../trees/runsTree';
import type { FolderStore } from '../workspaceStores';

/** How a launcher's end hook is made (the composition root's `whenLaunchEnds`). */
export type LaunchEndHook = (command: string | readonly string[], cwd: string, choice: InterpreterChoice | undefined) => RunEndHook;

const CURRENT = 'Run Current Code';
const SNAPSHOT = 'Run Recorded Snapshot';
/** The "this run repeats" check before Run Current File / Run Command waits no longer than this. */
const HINT_WAIT_MS = 5000;

interface CheckResult {
  readonly check: RerunCheck | undefined;
  readonly lines: readonly string[];
  readonly codeChanged: boolean;
  readonly failure?: string;
}

/**
 * Re-run that says what it re-runs: before launching, the recorded run's code (git snapshot or kept
 * files), config params and input hashes are compared with what is there now; differences are shown
 * with the choice of the current code or the recorded snapshot (in a temporary git worktree). A run
 * that would repeat an earlier one exactly is said so before it starts, not after.
 */
export class RerunLauncher {
  constructor(
    private readonly tasks: TrackedTaskProvider,
    private readonly interpreters: PythonInterpreters,
    private readonly scripts: ScriptRunsIndex,
    private readonly endHook: LaunchEndHook,
    private readonly logger: Logger,
  ) {}

  async rerun(ref: RunRef): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('Re-run is disabled in Restricted Mode: trust the workspace to run commands.');
    const run = ref.folderStore.store.getRun(ref.run.id);
    if (!run) throw new Error(`run ${ref.run.name} no longer exists`);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Comparing with ${run.name}` },
      () => this.check(ref.folderStore, run));
    let snapshot = false;
    const preface: string[] = [];
    if (result.lines.length) {
      const canSnapshot = result.codeChanged && !!run.git?.snapshot;
      const pick = await vscode.window.showWarningMessage(`Re-run ${run.name}? It differs from what would run now.`, {
        modal: true,
        detail: `${result.lines.join('\n')}\n\n${canSnapshot ? `"${SNAPSHOT}" runs the code as it was, checked out in a temporary git worktree (removed after the run).` : 'The recorded code is what is there now, or the run kept no snapshot to run instead.'}`,
      }, CURRENT, ...(canSnapshot ? [SNAPSHOT] : []));
      if (!pick) return;
      snapshot = pick === SNAPSHOT;
      preface.push(`re-running ${run.name} with ${snapshot ? 'its recorded code snapshot' : 'the current code'}; since then:`, ...result.lines.map((l) => `  ${l}`));
    } else if (result.check && repeatReason(result.check)) {
      const hint = `this run repeats ${run.name} (${repeatReason(result.check)})`;
      this.logger.info(hint);
      void vscode.window.showInformationMessage(`Experiments: ${hint}.`);
      preface.push(`${hint}.`);
    } else if (result.failure) {
      preface.push(`could not compare with ${run.name}: ${result.failure}`);
    } else if (result.check && !result.check.codeCompared) {
      preface.push(`${run.name} kept no code snapshot: the current code runs, and whether it changed is unknown.`);
    }
    if (snapshot) await this.launchSnapshot(ref, run, preface);
    else await this.launchCurrent(ref, run, preface);
  }

  /**
   * The line that says a command about to run repeats an earlier run exactly (same command, code,
   * params and inputs), or undefined. Logged; bounded in time so a launch never waits long for it.
   */
  async repeatHintBefore(command: string | readonly string[], cwd: string): Promise<string | undefined> {
    const text = typeof command === 'string' ? command : command.map((a) => shellQuote(a, 'linux')).join(' ');
    const script = scriptPathsOf(text, cwd)[0];
    const found = script ? this.scripts.runsOf(script, { fresh: true }) : undefined;
    const earlier = found?.runs.find((r) => r.command === text && path.resolve(r.cwd) === path.resolve(cwd) && r.status !== 'running');
    const run = earlier && found?.folderStore.store.getRun(earlier.id);
    if (!found || !run) return undefined;
    const result = await Promise.race([this.check(found.folderStore, run), new Promise<undefined>((r) => setTimeout(r, HINT_WAIT_MS))]);
    const reason = result?.check && repeatReason(result.check);
    if (!reason) return undefined;
    const hint = `this run repeats ${run.name} (${reason})`;
    this.logger.info(hint);
    return hint;
  }

  private async check(folderStore: FolderStore, run: RunDetail): Promise<CheckResult> {
    try {
      const states = await gatherRerunStates(run, {
        workspaceDir: folderStore.folder.uri.fsPath,
        hasher: new FileHasher(path.join(folderStore.exptrackDir, 'cache', 'hashes.jsonl')),
        codeFiles: folderStore.store.getCodeFiles(run.id),
        git: vscode.workspace.isTrusted,
      });
      const check = compareForRerun(states);
      return { check, lines: describeDifferences(check, states.configFiles), codeChanged: check.differences.some((d) => d.kind === 'code') };
    } catch (e) {
      const failure = e instanceof Error ? e.message : String(e);
      this.logger.warn(`comparing with ${run.name} before re-running it: ${failure}`);
      return { check: undefined, lines: [], codeChanged: false, failure };
    }
  }

  private async launchCurrent(ref: RunRef, run: RunDetail, preface: readonly string[]): Promise<void> {
    // A bare `python` in the recorded command is whatever the recording shell had first on its PATH:
    // the user's interpreter now is the better guess (the run's own is one of the candidates).
    const recorded = (run.environment.python as { executable?: unknown } | undefined)?.executable;
    const choice = await this.interpreters.choose({ resource: vscode.Uri.file(run.cwd), recordedRun: typeof recorded === 'string' ? recorded : null });
    const command = substituteInterpreter(run.command, choice.executable) ?? run.command;
    await vscode.tasks.executeTask(this.tasks.commandTask(command, run.cwd, {
      experiment: run.experiment, tags: { ...userTags(run), 'exptrack.rerunOf': run.id },
    }, this.endHook(command, run.cwd, command === run.command ? undefined : choice), preface));
  }

  private async launchSnapshot(ref: RunRef, run: RunDetail, preface: readonly string[]): Promise<void> {
    const worktree = await addSnapshotWorktree(run.id, run.cwd, run.git?.snapshot ?? null);
    this.logger.info(`re-running ${run.name} from its snapshot ${worktree.commit.slice(0, 12)} in ${worktree.dir} (linked: ${worktree.linked.join(', ') || 'nothing'})`);
    const recorded = (run.environment.python as { executable?: unknown } | undefined)?.executable;
    const choice = await this.interpreters.choose({ resource: vscode.Uri.file(run.cwd), recordedRun: typeof recorded === 'string' ? recorded : null });
    const command = substituteInterpreter(run.command, choice.executable) ?? run.command;
    const ended = this.endHook(command, worktree.cwd, command === run.command ? undefined : choice);
    const onEnded: RunEndHook = async (e) => {
      try {
        return await ended(e);
      } finally {
        const keepDir = path.join(ref.folderStore.exptrackDir, 'runs', e.run.run.id, 'worktree');
        const kept = await worktree.remove(keepDir).catch((err: unknown) => {
          this.logger.warn(`removing the snapshot worktree ${worktree.dir}: ${err instanceof Error ? err.message : err}`);
          return [];
        });
        if (kept.length) {
          const text = `${e.run.run.name} wrote ${kept.length} file${kept.length === 1 ? '' : 's'} inside the snapshot worktree; kept in ${keepDir}`;
          this.logger.info(text);
          void vscode.window.showInformationMessage(`Experiments: ${text}.`);
        }
      }
    };
    try {
      await vscode.tasks.executeTask(this.tasks.commandTask(command, worktree.cwd, {
        experiment: run.experiment, tags: { ...userTags(run), 'exptrack.rerunOf': run.id, 'exptrack.rerunSnapshot': worktree.commit },
      }, onEnded, [...preface, `running in a temporary git worktree of ${worktree.commit.slice(0, 12)}: ${worktree.cwd}`]));
    } catch (e) {
      await worktree.remove(null).catch(() => []);
      throw e;
    }
  }
}

function userTags(run: RunDetail): Record<string, string> {
  return Object.fromEntries(Object.entries(run.tags).filter(([k]) => !k.startsWith('exptrack.')));
}
