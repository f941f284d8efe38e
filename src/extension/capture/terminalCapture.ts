import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withoutShellIntegration } from '../../core/metrics/shellIntegrationMarks';
import type { ActiveRun } from '../../core/recorder/activeRun';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { CaptureToggle } from '../statusBar';
import type { FolderRecorders } from './folderRecorders';

const HINT_DELAY_MS = 10_000;
const HINT_KEY = 'exptrack.shellIntegrationHintDismissed';
/**
 * After a command ends, its output stream is awaited (it normally ends at once) while chunks keep
 * coming, up to this long without one (a loaded extension host can deliver the output seconds late)...
 */
const READ_DRAIN_MS = 5_000;
/** ...and never longer than this in all (a stream that never ends must not keep the run open). */
const READ_DRAIN_MAX_MS = 30_000;

interface Observed {
  readonly run: Promise<ActiveRun | undefined>;
  /** Ends when VS Code's stream of the command's output ends (normally right after the command). */
  reading: Promise<void>;
  lastChunkAt: number;
}

/** Compiles `exptrack.capture.terminalCommands`; bad patterns are reported once and skipped. */
export function compileCommandPatterns(patterns: readonly string[], onError: (message: string) => void): RegExp[] {
  const out: RegExp[] = [];
  for (const p of patterns) {
    try { out.push(new RegExp(p)); } catch (e) { onError(`exptrack.capture.terminalCommands: "${p}" is not a valid regular expression (${e instanceof Error ? e.message : e})`); }
  }
  return out;
}

/**
 * Records training commands typed into terminals, through shell integration: the command line when it
 * starts, its output as it streams (parsed live), and its exit code. Every terminal also gets
 * EXPTRACK_METRICS_FILE (a file per window and folder) for scripts that write JSON lines; lines are
 * attributed to the command running when they are written.
 */
export class TerminalCapture extends Disposable {
  private readonly observed = new Map<vscode.TerminalShellExecution, Observed>();
  private patterns: RegExp[] = [];
  private hinted = false;
  private readonly channelFiles = new Map<string, string>();

  constructor(
    private readonly recorders: FolderRecorders,
    private readonly capture: CaptureToggle,
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
    private readonly storeDirOf: (folder: vscode.WorkspaceFolder) => string,
  ) {
    super();
    this.loadPatterns();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('exptrack.capture.terminalCommands')) this.loadPatterns();
    }));
    this.register(vscode.window.onDidStartTerminalShellExecution((e) => this.started(e)));
    this.register(vscode.window.onDidEndTerminalShellExecution((e) => this.ended(e)));
    this.register(vscode.window.onDidOpenTerminal((t) => this.watchForIntegration(t)));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.provideChannelEnv()));
    this.provideChannelEnv();
  }

  /** Whether a command line would be recorded (for tests and the hint). */
  matches(commandLine: string): boolean {
    return this.patterns.some((re) => re.test(commandLine));
  }

  /** The structured-channel file terminals of this folder get. */
  channelFileFor(folder: vscode.WorkspaceFolder | undefined): string | undefined {
    return this.channelFiles.get(folder?.uri.toString() ?? '');
  }

  private loadPatterns(): void {
    const configured = vscode.workspace.getConfiguration('exptrack.capture').get<string[]>('terminalCommands') ?? [];
    this.patterns = compileCommandPatterns(configured, (m) => {
      this.logger.warn(m);
      void vscode.window.showWarningMessage(`Experiments: ${m}`);
    });
  }

  /**
   * EXPTRACK_METRICS_FILE for every terminal, per workspace folder. The file lives in the extension's
   * storage, not the workspace, so opening a folder never creates .exptrack/ in it.
   */
  private provideChannelEnv(): void {
    const base = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    const dir = path.join(base, 'terminal-metrics');
    const collection = this.context.environmentVariableCollection;
    collection.persistent = false; // a file of this window only
    collection.description = 'Experiments: EXPTRACK_METRICS_FILE, where training scripts may append JSON metric lines';
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      this.logger.warn(`cannot create ${dir}: ${e instanceof Error ? e.message : e}`);
      return;
    }
    const session = vscode.env.sessionId.replace(/[^\w.-]/g, '_').slice(0, 40);
    const folders = vscode.workspace.workspaceFolders ?? [];
    const assign = (key: string, file: string, scope?: vscode.EnvironmentVariableScope) => {
      try { fs.closeSync(fs.openSync(file, 'a')); } catch { return; }
      this.channelFiles.set(key, file);
      (scope ? collection.getScoped(scope) : collection).replace('EXPTRACK_METRICS_FILE', file);
    };
    if (!folders.length) assign('', path.join(dir, `${session}.jsonl`));
    for (const [i, folder] of folders.entries()) {
      const file = path.join(dir, `${session}-${i}.jsonl`);
      assign(folder.uri.toString(), file, { workspaceFolder: folder });
      if (i === 0) assign('', file);
      // `exptrack run` in this folder's terminals records into the store this window shows, not into
      // some .exptrack further up the tree that the CLI would otherwise find first.
      if (folder.uri.scheme === 'file') collection.getScoped({ workspaceFolder: folder }).replace('EXPTRACK_DIR', this.storeDirOf(folder));
    }
    if (folders[0]?.uri.scheme === 'file') collection.replace('EXPTRACK_DIR', this.storeDirOf(folders[0]));
  }

  private started(e: vscode.TerminalShellExecutionStartEvent): void {
    const commandLine = e.execution.commandLine.value.trim();
    if (!commandLine || !this.capture.enabled || !this.matches(commandLine)) return;
    const cwd = e.execution.cwd?.fsPath ?? e.shellIntegration.cwd?.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!cwd) return;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(cwd));
    const run = this.recorders.forPath(cwd).then(({ recorder }) => recorder.observe({
      command: commandLine, cwd, source: 'terminal', metricsFile: this.channelFileFor(folder),
      startedAt: Date.now(),
    })).catch((err) => {
      this.logger.error(`cannot record "${commandLine}": ${err instanceof Error ? err.message : err}`);
      return undefined;
    });
    // Start reading at once: output is only delivered to readers that exist while it streams.
    const stream = e.execution.read();
    const observed: Observed = { run, reading: Promise.resolve(), lastChunkAt: Date.now() };
    observed.reading = (async () => {
      const active = await run;
      for await (const chunk of stream) {
        observed.lastChunkAt = Date.now();
        active?.output(withoutShellIntegration(chunk), 'terminal');
      }
    })().catch((err) => this.logger.warn(`terminal output: ${err instanceof Error ? err.message : err}`));
    this.observed.set(e.execution, observed);
  }

  private async ended(e: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    const observed = this.observed.get(e.execution);
    if (!observed) return;
    this.observed.delete(e.execution);
    // The end event can come before the last chunks were read (on a busy machine, seconds before):
    // let the reader drain while output keeps arriving.
    const endedAt = Date.now();
    let drained = false;
    void observed.reading.then(() => { drained = true; });
    while (!drained && Date.now() - endedAt < READ_DRAIN_MAX_MS &&
      Date.now() - Math.max(observed.lastChunkAt, endedAt) < READ_DRAIN_MS) {
      await Promise.race([observed.reading, new Promise((r) => setTimeout(r, 100))]);
    }
    const run = await observed.run;
    await run?.end({ exitCode: e.exitCode ?? null, interrupted: e.exitCode === 130 });
  }

  /** One quiet hint, once, when a terminal has no shell integration (commands there can't be seen). */
  private watchForIntegration(terminal: vscode.Terminal): void {
    if (this.hinted || this.context.globalState.get<boolean>(HINT_KEY)) return;
    const options = terminal.creationOptions as vscode.TerminalOptions & vscode.ExtensionTerminalOptions;
    if ('pty' in options && options.pty) return; // task and extension terminals have no shell
    const timer = setTimeout(async () => {
      if (terminal.shellIntegration || terminal.exitStatus || this.hinted) return;
      this.hinted = true;
      const choice = await vscode.window.showInformationMessage(
        'Experiments: shell integration is not active in this terminal, so training commands typed there are not recorded. ' +
        'Use a bash, zsh, fish or PowerShell terminal with "terminal.integrated.shellIntegration.enabled", or run them with `exptrack run -- …`.',
        "Don't Show Again");
      if (choice) await this.context.globalState.update(HINT_KEY, true);
    }, HINT_DELAY_MS);
    this.register({ dispose: () => clearTimeout(timer) });
  }

  /** Ends observed runs the editor will not see finish (window closing): recorded as interrupted. */
  async endAll(): Promise<void> {
    const all = [...this.observed.values()];
    this.observed.clear();
    await Promise.allSettled(all.map(async (o) => (await o.run)?.end({ exitCode: null })));
  }
}
