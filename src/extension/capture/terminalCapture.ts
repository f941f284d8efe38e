import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withoutShellIntegration } from '../../core/metrics/shellIntegrationMarks';
import type { ActiveRun } from '../../core/recorder/activeRun';
import { sweepSpool } from '../../core/recorder/hookSpool';
import { pythonHookDirBeside } from '../../core/recorder/pythonHook';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { CaptureToggle } from '../statusBar';
import type { FolderRecorders } from './folderRecorders';
import type { NotExperiments } from './notExperiments';

const HINT_DELAY_MS = 10_000;
const HINT_KEY = 'exptrack.shellIntegrationHintDismissed';
/**
 * After a command ends, its output stream is awaited (it normally ends at once) while chunks keep
 * coming, up to this long without one (a loaded extension host can deliver the output seconds late)...
 */
const READ_DRAIN_MS = 5_000;
/** ...and never longer than this in all (a stream that never ends must not keep the run open). */
const READ_DRAIN_MAX_MS = 30_000;
/**
 * How long before the start event a terminal command may have started: the event reaches the
 * extension host after the shell announced the command (hundreds of ms on a busy machine). Files
 * changed and hook reports made since then are the command's, but never before the previous
 * command in that terminal ended.
 */
const START_EVENT_DELAY_MS = 2_000;
/** Hook report files of commands not recorded (pip, linters) are deleted once this old and their process gone. */
const SPOOL_KEEP_MS = 10 * 60_000;

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
  /** When the last command of each terminal ended (recorded or not). */
  private readonly lastEnd = new WeakMap<vscode.Terminal, number>();
  private readonly hookDir = pythonHookDirBeside(__dirname);
  private spoolDir: string | undefined;

  constructor(
    private readonly recorders: FolderRecorders,
    private readonly capture: CaptureToggle,
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
    private readonly storeDirOf: (folder: vscode.WorkspaceFolder) => string,
    private readonly notExperiments: NotExperiments,
  ) {
    super();
    this.loadPatterns();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('exptrack.capture.terminalCommands')) this.loadPatterns();
      if (e.affectsConfiguration('exptrack.capture.pythonHook')) this.provideChannelEnv();
    }));
    this.register(vscode.window.onDidStartTerminalShellExecution((e) => this.started(e)));
    this.register(vscode.window.onDidEndTerminalShellExecution((e) => {
      this.lastEnd.set(e.terminal, Date.now());
      void this.ended(e);
    }));
    this.register(vscode.window.onDidOpenTerminal((t) => this.watchForIntegration(t)));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.provideChannelEnv()));
    this.provideChannelEnv();
  }

  /** Whether a command line would be recorded (for tests and the hint). */
  matches(commandLine: string): boolean {
    return this.patterns.some((re) => re.test(commandLine)) && !this.notExperiments.ignores(commandLine);
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
    this.provideHookEnv(base, folders);
  }

  /**
   * The Python hook in every new terminal (unless `exptrack.capture.pythonHook` is off): its folder
   * first on PYTHONPATH, the spool where each Python process writes its reports to a file named by
   * its terminal session, start time and pid (a terminal has no per-run channel before a command is
   * seen; the run of the command that started then takes the file), and per folder the workspace
   * whose files it reports and the cache it may list packages into.
   */
  private provideHookEnv(base: string, folders: readonly vscode.WorkspaceFolder[]): void {
    const collection = this.context.environmentVariableCollection;
    const on = this.hookDir !== null && vscode.workspace.getConfiguration('exptrack.capture').get<boolean>('pythonHook') !== false;
    const vars = ['PYTHONPATH', 'EXPTRACK_HOOK_SPOOL'];
    const folderVars = ['EXPTRACK_WORKSPACE', 'EXPTRACK_CACHE_DIR'];
    this.spoolDir = undefined;
    if (on) {
      const spool = path.join(base, 'hook-spool');
      try {
        fs.mkdirSync(spool, { recursive: true });
        sweepSpool(spool, SPOOL_KEEP_MS);
        this.spoolDir = spool;
      } catch (e) {
        this.logger.warn(`the Python hook is off in terminals: cannot create ${spool}: ${e instanceof Error ? e.message : e}`);
      }
    }
    if (!this.spoolDir || !this.hookDir) {
      for (const v of vars) collection.delete(v);
      for (const folder of folders) for (const v of folderVars) collection.getScoped({ workspaceFolder: folder }).delete(v);
      return;
    }
    collection.description = 'Experiments: EXPTRACK_METRICS_FILE for JSON metric lines, and the Python hook (PYTHONPATH) that reports params, files and packages of recorded runs';
    // `<hook>:` before the terminal's own PYTHONPATH; the hook drops the empty entry this leaves when there is none.
    collection.prepend('PYTHONPATH', this.hookDir + path.delimiter);
    collection.replace('EXPTRACK_HOOK_SPOOL', this.spoolDir);
    for (const folder of folders) {
      if (folder.uri.scheme !== 'file') continue;
      const scoped = collection.getScoped({ workspaceFolder: folder });
      scoped.replace('EXPTRACK_WORKSPACE', folder.uri.fsPath);
      scoped.replace('EXPTRACK_CACHE_DIR', path.join(this.storeDirOf(folder), 'cache'));
    }
  }

  private started(e: vscode.TerminalShellExecutionStartEvent): void {
    const commandLine = e.execution.commandLine.value.trim();
    if (!commandLine || !this.capture.enabled || !this.matches(commandLine)) return;
    const cwd = e.execution.cwd?.fsPath ?? e.shellIntegration.cwd?.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!cwd) return;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(cwd));
    const startedAt = Date.now();
    const since = Math.max(startedAt - START_EVENT_DELAY_MS, this.lastEnd.get(e.terminal) ?? 0);
    const spool = this.spoolDir;
    const run = Promise.all([this.recorders.forPath(cwd), spool ? e.terminal.processId : undefined]).then(([{ recorder }, shellPid]) => this.notExperiments.watch(recorder.observe({
      command: commandLine, cwd, source: 'terminal', metricsFile: this.channelFileFor(folder),
      startedAt, modifiedSince: since,
      // The shell leads the terminal's session: its processes' hook reports carry its pid.
      hookSpool: spool && shellPid ? { dir: spool, session: shellPid, notBefore: since } : undefined,
    }))).catch((err) => {
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
    const end = await run?.end({ exitCode: e.exitCode ?? null, interrupted: e.exitCode === 130 });
    if (run && end) await this.notExperiments.discardIfNeverStarted(run, end, endedAt);
    if (this.spoolDir) sweepSpool(this.spoolDir, SPOOL_KEEP_MS);
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
