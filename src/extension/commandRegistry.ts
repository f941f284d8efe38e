import * as vscode from 'vscode';
import type { Logger } from './logger';

/**
 * Registers command handlers behind one wrapper that catches, logs and shows errors, so a failing
 * command never fails silently and never takes anything else down.
 */
export class CommandRegistry {
  constructor(private readonly logger: Logger, private readonly disposables: { add<T extends vscode.Disposable>(d: T): T }) {}

  register(id: string, handler: (...args: any[]) => unknown): void {
    this.disposables.add(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.logger.error(`${id} failed: ${e instanceof Error ? e.stack ?? message : message}`);
        void vscode.window.showErrorMessage(`Experiments: ${message}`, 'Show Log').then((choice) => {
          if (choice === 'Show Log') this.logger.show();
        });
        return undefined;
      }
    }));
  }
}
