import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import type { Logger } from './logger';

const SETTING = 'cli.addToTerminalPath';

/** Whether `exptrack` is on the PATH of new terminals, and how it runs there (the Doctor says it). */
export interface CliOnPathState {
  readonly enabled: boolean;
  /** dist/bin: the `exptrack` launchers. */
  readonly binDir: string;
  /** dist/cli.js: what they run. */
  readonly cliScript: string;
  /** The editor's own runtime (Electron as Node, or the server's node), which runs it. */
  readonly runtime: string;
  /** Why it is not on PATH although enabled (a launcher missing or not executable). */
  readonly problem?: string;
}

/**
 * Puts the extension's own `exptrack` (dist/bin/exptrack, running dist/cli.js) first on the PATH of
 * VS Code's terminals through the environment variable collection, with EXPTRACK_NODE naming the
 * editor's runtime, so that a VSIX user can type `exptrack run -- python train.py` in a new terminal
 * without installing anything. `exptrack.cli.addToTerminalPath` turns it off.
 *
 * The launcher runs the CLI with the editor's runtime first (`ELECTRON_RUN_AS_NODE=1`, as VS Code's
 * own `code` command does): it runs the extension itself, so its Node is the one the bundle is built
 * and tested for, and it is always there; a `node` on PATH may be missing or years old. It falls
 * back to `node` on PATH when that runtime is gone (a terminal that outlived an editor update).
 */
export class CliOnPath extends Disposable {
  private current: CliOnPathState;

  constructor(
    private readonly collection: vscode.EnvironmentVariableCollection,
    private readonly logger: Logger,
    private readonly bundleDir: string = __dirname,
  ) {
    super();
    this.current = this.apply();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`exptrack.${SETTING}`)) this.current = this.apply();
    }));
  }

  get state(): CliOnPathState { return this.current; }

  private apply(): CliOnPathState {
    const binDir = path.join(this.bundleDir, 'bin');
    const base = { binDir, cliScript: path.join(this.bundleDir, 'cli.js'), runtime: process.execPath };
    const enabled = vscode.workspace.getConfiguration('exptrack').get<boolean>(SETTING) !== false;
    const problem = enabled ? this.launcherProblem(binDir) : undefined;
    if (!enabled || problem) {
      this.collection.delete('PATH');
      this.collection.delete('EXPTRACK_NODE');
      if (problem) this.logger.warn(`exptrack is not on the terminals' PATH: ${problem}`);
      return { ...base, enabled, problem };
    }
    // Applied again once shell integration starts: a PATH reset in .bashrc/.zshrc would drop it otherwise.
    const options = { applyAtProcessCreation: true, applyAtShellIntegration: true };
    this.collection.prepend('PATH', binDir + path.delimiter, options);
    this.collection.replace('EXPTRACK_NODE', process.execPath, options);
    return { ...base, enabled };
  }

  private launcherProblem(binDir: string): string | undefined {
    const launcher = path.join(binDir, process.platform === 'win32' ? 'exptrack.cmd' : 'exptrack');
    try {
      const mode = fs.statSync(launcher).mode;
      // An unpacked VSIX may have lost the executable bit: the extension's folder is the user's own.
      if (process.platform !== 'win32' && (mode & 0o111) === 0) fs.chmodSync(launcher, mode | 0o755);
      return undefined;
    } catch (e) {
      return `${launcher}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
