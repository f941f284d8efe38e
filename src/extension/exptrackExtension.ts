import * as vscode from 'vscode';
import { CommandRegistry } from './commandRegistry';
import { Disposable, DisposableStore } from './lifecycle';
import { Logger } from './logger';

/**
 * The composition root: builds every service by constructor injection and registers what it
 * creates. Nothing heavy happens here (no database is opened) so activation stays fast.
 */
export class ExptrackExtension extends Disposable {
  readonly logger: Logger;

  constructor(readonly context: vscode.ExtensionContext, channel: vscode.LogOutputChannel) {
    super();
    this.logger = new Logger(channel);
    const disposables = this.register(new DisposableStore());
    const commands = new CommandRegistry(this.logger, disposables);
    commands.register('exptrack.showLog', () => this.logger.show());
  }

  async shutdown(): Promise<void> {
    this.dispose();
  }
}
