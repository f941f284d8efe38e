import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { RunEnd } from '../model';
import type { ActiveRun } from './activeRun';
import { paceReads } from './readPacer';
import type { RunExit, RunRequest } from './recorderTypes';

/**
 * What a {@link SpawnedRun} tells about its process: an {@link ActiveRun} in this thread, or a proxy
 * for one in another (the CLI records in a worker so that passing output on never waits for it).
 */
export interface RunFeed {
  readonly cwd: string;
  readonly channelEnv: Readonly<Record<string, string>>;
  readonly done: Promise<RunEnd>;
  begin(pid?: number): void;
  output(chunk: Uint8Array | string, stream: 'stdout' | 'stderr'): void;
  end(exit: RunExit): Promise<RunEnd>;
}

/** A run whose process the recorder starts itself (CLI, exptrack tasks). */
export interface SpawnRequest extends RunRequest {
  /** Run the command through the shell (a string command always is). */
  readonly shell?: boolean;
  /** `inherit` for the CLI in a terminal; `pipe` (default) when a pseudo-terminal feeds it via write(). */
  readonly stdin?: 'inherit' | 'pipe' | 'ignore';
  /**
   * Start the process in a process group of its own (default true, POSIX) so that interrupt() and
   * kill() reach its whole tree (torchrun workers, dataloader processes). The CLI in an interactive
   * terminal keeps it in the terminal's group instead, where Ctrl-C reaches it directly.
   */
  readonly ownProcessGroup?: boolean;
  /** Ask tools to keep colours though output goes to a pipe: FORCE_COLOR, CLICOLOR_FORCE, PY_COLORS. */
  readonly color?: boolean;
  /**
   * Set PYTHONUNBUFFERED=1 (unless set) so Python output shows live through the pipe, as it would in
   * a terminal (default true). It costs Python a write per piece instead of per 8 KiB block, so the
   * CLI turns it off when its own output is not a terminal: there the bare command would block-buffer
   * too.
   */
  readonly unbuffered?: boolean;
  /** Terminal size to announce through COLUMNS and LINES (tqdm, rich and argparse read them). */
  readonly columns?: number;
  readonly rows?: number;
  /** Gets every output chunk, unchanged, as soon as it arrives (to show it). */
  readonly onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /**
   * Pause reading a block-writing command's output for this many milliseconds after each drained
   * read (readPacer.ts; 0 or absent: read whenever output comes): one read of everything gathered
   * instead of a wake-up, read and write per 8 KB block.
   */
  readonly paceReadsMs?: number;
}

/** How the process ended. */
export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when it never started (command not found...). */
  readonly error?: string;
}

const CLOSE_GRACE_MS = 2000;

/**
 * A process the recorder started, with its recording. The owner shows output (onOutput), passes
 * input (write), and stops it (interrupt, kill); {@link exited} resolves when the process is gone,
 * {@link done} when everything is recorded.
 */
export class SpawnedRun<R extends RunFeed = ActiveRun> {
  readonly child: ChildProcess | null;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<ProcessExit>;
  private interruptedByUser = false;
  private readonly onOutput: SpawnRequest['onOutput'];
  private ownGroup: boolean;
  private size: { columns: number; rows: number } | null;

  constructor(readonly run: R, request: SpawnRequest, baseEnv: NodeJS.ProcessEnv) {
    this.ownGroup = request.ownProcessGroup ?? process.platform !== 'win32';
    this.onOutput = request.onOutput;
    this.size = request.columns && request.rows ? { columns: request.columns, rows: request.rows } : null;
    const env: NodeJS.ProcessEnv = { ...baseEnv, ...run.channelEnv };
    // Output goes to a pipe: without this Python buffers it in 8 KiB blocks and nothing shows live.
    if (request.unbuffered !== false && env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
    if (request.color && env.NO_COLOR === undefined) {
      env.FORCE_COLOR ??= '1';
      env.CLICOLOR_FORCE ??= '1';
      env.PY_COLORS ??= '1';
    }
    if (request.columns) env.COLUMNS ??= String(request.columns);
    if (request.rows) env.LINES ??= String(request.rows);

    const shell = typeof request.command === 'string' || request.shell === true;
    const argv = typeof request.command === 'string' ? [request.command] : [...request.command];
    let resolveExit!: (e: ProcessExit) => void;
    this.exited = new Promise((r) => { resolveExit = r; });
    let child: ChildProcess | null = null;
    let startError: string | null = null;
    try {
      child = shell
        ? spawn(argv.join(' '), { cwd: run.cwd, env, shell: true, stdio: [request.stdin ?? 'pipe', 'pipe', 'pipe'], detached: this.ownGroup, windowsHide: true })
        : spawn(argv[0], argv.slice(1), { cwd: run.cwd, env, stdio: [request.stdin ?? 'pipe', 'pipe', 'pipe'], detached: this.ownGroup, windowsHide: true });
    } catch (e) {
      startError = (e as Error).message;
    }
    this.child = child;
    if (!child || startError) {
      run.begin();
      this.failToStart(startError ?? 'spawn failed', argv[0], resolveExit);
      return;
    }
    run.begin(child.pid);
    const onOutput = request.onOutput;
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (onOutput) {
        try { onOutput(chunk, stream); } catch { /* the viewer's problem */ }
      }
      run.output(chunk, stream);
    };
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));
    if (request.paceReadsMs && request.paceReadsMs > 0) {
      if (child.stdout) paceReads(child.stdout, request.paceReadsMs);
      if (child.stderr) paceReads(child.stderr, request.paceReadsMs);
    }
    child.stdin?.on('error', () => undefined);

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let finished = false;
    const finish = (): void => {
      if (finished || !exit) return;
      finished = true;
      resolveExit({ exitCode: exit.code, signal: exit.signal });
      void run.end({ exitCode: exit.code, signal: exit.signal, interrupted: this.interruptedByUser });
    };
    child.on('error', (e) => {
      if (child?.pid === undefined && !finished) {
        finished = true;
        this.failToStart((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : e.message, argv[0], resolveExit);
      }
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A grandchild may keep the pipes open after the process itself is gone: don't wait for ever.
      setTimeout(() => { child?.stdout?.destroy(); child?.stderr?.destroy(); finish(); }, CLOSE_GRACE_MS).unref();
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  }

  /** The process id, when it started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves once everything about the run is recorded. */
  get done(): Promise<RunEnd> {
    return this.run.done;
  }

  /** Input for the process (keystrokes from a pseudo-terminal), when started with `stdin: 'pipe'`. */
  write(data: string | Uint8Array): void {
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(data);
  }

  /** Closes the process's input (Ctrl-D). */
  endInput(): void {
    this.child?.stdin?.end();
  }

  /**
   * A new terminal size. Without a pty the process cannot be told after it started; the size is kept
   * for the next run's COLUMNS and LINES.
   */
  resize(columns: number, rows: number): void {
    this.size = { columns, rows };
  }

  /** The last size given (see {@link resize}). */
  get terminalSize(): { columns: number; rows: number } | null {
    return this.size;
  }

  /** Ctrl-C: SIGINT to the process (its group when it has its own); the run is recorded as killed. */
  interrupt(): void {
    this.kill('SIGINT');
  }

  /** Sends a signal (default SIGTERM); the run is recorded as killed. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.interruptedByUser = true;
    this.signal(signal);
  }

  /** Passes a signal on without marking the run as stopped by the user. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || this.child?.signalCode !== null) return;
    try {
      if (this.ownGroup && process.platform !== 'win32') process.kill(-pid, signal);
      else this.child?.kill(signal);
    } catch {
      try { this.child?.kill(signal); } catch { /* already gone */ }
    }
  }

  /**
   * Whoever shows the output is gone (`exptrack run -- yes | head`): closes the process's stdout so
   * that it sees exactly what it would see bare, a broken pipe (EPIPE, and SIGPIPE unless it ignores
   * it) on its next write. Its stdout is a socket pair, and closing our end while unread bytes wait
   * in it makes the kernel report "Connection reset by peer" instead; so the process is stopped for
   * the moment it takes to read those bytes (they still go to the recording) and close the empty
   * socket, then continued. Where that cannot be done (no fd, not Linux) the socket is just closed.
   */
  closeStdout(): void {
    const stdout = this.child?.stdout;
    if (!stdout || stdout.destroyed) return;
    const fd = (stdout as unknown as { _handle?: { fd?: number } })._handle?.fd;
    const pid = this.child?.pid;
    const running = this.child?.exitCode === null && this.child?.signalCode === null;
    let stopped = false;
    if (typeof fd === 'number' && fd >= 0 && pid !== undefined && running && process.platform === 'linux') {
      try { process.kill(pid, 'SIGSTOP'); stopped = true; waitStopped(pid); } catch { /* gone meanwhile */ }
    }
    try {
      if (typeof fd === 'number' && fd >= 0) {
        const buf = Buffer.allocUnsafe(256 * 1024);
        // The socket is non-blocking (libuv): read until it is empty (EAGAIN) or closed (0).
        for (let i = 0; i < 4096; i++) {
          let n: number;
          try { n = fs.readSync(fd, buf, 0, buf.length, null); } catch { break; }
          if (n <= 0) break;
          this.run.output(Buffer.from(buf.subarray(0, n)), 'stdout');
        }
      }
      stdout.destroy();
    } finally {
      if (stopped && pid !== undefined) {
        try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
      }
    }
  }

  /** Marks the run as stopped by the user (e.g. the terminal sent Ctrl-C to the process itself). */
  markInterrupted(): void {
    this.interruptedByUser = true;
  }

  private failToStart(message: string, program: string, resolveExit: (e: ProcessExit) => void): void {
    const text = `exptrack: cannot start ${program}: ${message}${os.EOL}`;
    try { this.onOutput?.(Buffer.from(text), 'stderr'); } catch { /* the viewer's problem */ }
    this.run.output(text, 'stderr');
    resolveExit({ exitCode: 127, signal: null, error: message });
    void this.run.end({ exitCode: 127, signal: null });
  }
}

/**
 * Waits (up to ~100 ms) until `pid` shows as stopped in /proc: SIGSTOP is delivered asynchronously,
 * and a process running on another CPU could still write meanwhile.
 */
function waitStopped(pid: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 100; i++) {
    let stat: string;
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return; }
    // The state follows the command name in parentheses (which may itself hold parentheses).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't' || state === 'Z' || state === 'X') return;
    Atomics.wait(pause, 0, 0, 1);
  }
}
