/** What a CLI command handler may touch: injected so handlers run in tests without a process. */
export interface CliIo {
  readonly cwd: string;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: NodeJS.ProcessEnv;
}
