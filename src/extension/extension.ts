import * as vscode from 'vscode';
import { ExptrackExtension } from './exptrackExtension';

let extension: ExptrackExtension | undefined;

/** What `activate` returns: used by the integration tests and by other extensions. */
export interface ExptrackApi {
  /** From the first line of dist/extension.js being evaluated to the end of activate(). */
  readonly activationMs: number;
  readonly extension: ExptrackExtension;
}

export function activate(context: vscode.ExtensionContext): ExptrackApi | undefined {
  // From the bundle's first line (esbuild banner): loading the code counts as activation too.
  const t0 = (globalThis as { __exptrackLoadStart?: number }).__exptrackLoadStart ?? performance.now();
  const log = vscode.window.createOutputChannel('Experiments', { log: true });
  context.subscriptions.push(log);
  try {
    extension = new ExptrackExtension(context, log);
    context.subscriptions.push(extension);
    const activationMs = performance.now() - t0;
    log.info(`[exptrack] activated in ${activationMs.toFixed(1)} ms`);
    return { activationMs, extension };
  } catch (e) {
    // VS Code hides activation errors; say it where the user looks.
    const message = e instanceof Error ? e.stack ?? e.message : String(e);
    log.error(`[exptrack] activation failed: ${message}`);
    void vscode.window.showErrorMessage(`Experiments failed to start: ${e instanceof Error ? e.message : e}`);
    return undefined;
  }
}

export async function deactivate(): Promise<void> {
  // Flush journals and fold them so the database file holds everything when no one is recording.
  await extension?.shutdown();
  extension = undefined;
}
