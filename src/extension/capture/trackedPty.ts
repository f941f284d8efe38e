import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import type { RunEnd } from '../../core/model';
import type { SpawnedRun } from '../../core/recorder/spawnedRun';
import { formatDuration } from '../../protocol/format';
import type { FolderRecorder } from './folderRecorders';
import type { TrackedTaskDefinition } from './trackedTaskDefinition';

/**
 * Told when a tracked task's run has ended, before the terminal shows how: a launcher may remove a run
 * that never started and return the line to show instead (undefined: the usual summary).
 */
export type RunEndHook = (ended: { readonly run: SpawnedRun; readonly end: RunEnd; readonly folder: FolderRecorder }) => Promise<string | undefined>;

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const RED = '\x1b[31m';

/**
 * The terminal of an exptrack task: spawns the command through the recorder, shows its output as it
 * comes (colours and `\r` progress bars intact), passes typed input and Ctrl-C through.
 */
export class TrackedPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private run: SpawnedRun | undefined;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private lastWasCr = false;
  private closed = false;

  constructor(
    private readonly definition: TrackedTaskDefinition,
    private readonly cwd: string,
    private readonly recorder: () => Promise<FolderRecorder>,
    private readonly onStarted: (runId: string) => void,
    private readonly log: (message: string) => void,
    private readonly onEnded?: RunEndHook,
    /** Lines shown before the command starts (what a re-run differs in, or which run it repeats). */
    private readonly preface: readonly string[] = [],
  ) {}

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    void this.start(dimensions);
  }

  private async start(dimensions: vscode.TerminalDimensions | undefined): Promise<void> {
    let folder: FolderRecorder;
    try {
      folder = await this.recorder();
    } catch (e) {
      this.writeEmitter.fire(`${RED}exptrack: cannot record this run: ${e instanceof Error ? e.message : e}${RESET}\r\n`);
      this.closeEmitter.fire(1);
      return;
    }
    if (this.closed) return;
    for (const line of this.preface) this.writeEmitter.fire(`${DIM}exptrack: ${line}${RESET}\r\n`);
    const d = this.definition;
    const run = folder.recorder.spawn({
      command: typeof d.command === 'string' ? d.command : [...d.command],
      cwd: this.cwd,
      env: d.env ? { ...d.env } : undefined,
      experiment: d.experiment,
      name: d.name,
      tags: d.tags ? { ...d.tags } : undefined,
      source: 'task',
      stdin: 'pipe',
      color: true,
      columns: dimensions?.columns,
      rows: dimensions?.rows,
      onOutput: (chunk, stream) => this.show(this.decoders[stream].write(chunk)),
    });
    this.run = run;
    this.writeEmitter.fire(`${DIM}exptrack: recording run ${run.run.name} (${run.run.id}) in experiment ${run.run.experiment}${RESET}\r\n`);
    this.onStarted(run.run.id);
    const end = await run.done;
    this.show(this.decoders.stdout.end() + this.decoders.stderr.end());
    const instead = await this.onEnded?.({ run, end, folder }).catch((e) => { this.log(`end of run ${run.run.id}: ${e instanceof Error ? e.message : e}`); return undefined; });
    if (instead !== undefined) {
      this.writeEmitter.fire(`\r\n${RED}${instead}${RESET}\r\n`);
      this.closeEmitter.fire(end.exitCode ?? 1);
      return;
    }
    this.finish(end, run);
  }

  private finish(end: RunEnd, run: SpawnedRun): void {
    const how = end.status === 'finished' ? 'finished' : end.status === 'killed' ? `was stopped${end.signal ? ` (${end.signal})` : ''}`
      : `failed${end.exitCode !== null ? ` with exit code ${end.exitCode}` : ''}`;
    const colour = end.status === 'finished' ? DIM : RED;
    this.writeEmitter.fire(`\r\n${colour}exptrack: run ${run.run.name} ${how} after ${formatDuration(end.endedAt - run.run.startedAt)}; ` +
      `${run.run.metricCount} metric points recorded.${RESET}\r\n`);
    this.closeEmitter.fire(end.exitCode ?? (end.status === 'finished' ? 0 : 1));
  }

  /** A pipe gives bare `\n`; a terminal needs `\r\n` (a lone `\r` stays: it redraws progress bars). */
  private show(text: string): void {
    if (!text) return;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\n' && !this.lastWasCr) out += '\r\n';
      else out += c;
      this.lastWasCr = c === '\r';
    }
    this.writeEmitter.fire(out);
  }

  handleInput(data: string): void {
    const run = this.run;
    if (!run) return;
    if (data === '\x03') { // Ctrl-C
      this.writeEmitter.fire('^C\r\n');
      run.interrupt();
      return;
    }
    if (data === '\x04') { run.endInput(); return; } // Ctrl-D
    // No pty: the process gets lines, and we echo what is typed.
    const text = data.replace(/\r/g, '\n');
    run.write(text);
    this.writeEmitter.fire(data.replace(/\r/g, '\r\n').replace(/\x7f/g, '\b \b'));
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.run?.resize(dimensions.columns, dimensions.rows);
  }

  close(): void {
    // The user closed the terminal or stopped the task: stop the process; the run is recorded as killed.
    this.closed = true;
    this.run?.kill('SIGTERM');
  }
}
