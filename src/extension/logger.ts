import * as vscode from 'vscode';

/** One LogOutputChannel for the whole extension; each component tags its lines. */
export class Logger {
  constructor(private readonly channel: vscode.LogOutputChannel, private readonly component = 'exptrack') {}

  /** A logger whose lines start with `[component]`. */
  scoped(component: string): Logger {
    return new Logger(this.channel, component);
  }

  info(message: string): void { this.channel.info(`[${this.component}] ${message}`); }
  warn(message: string): void { this.channel.warn(`[${this.component}] ${message}`); }
  error(message: string | Error): void {
    this.channel.error(`[${this.component}] ${message instanceof Error ? message.stack ?? message.message : message}`);
  }
  show(): void { this.channel.show(true); }
}
