import type * as vscode from 'vscode';

/**
 * The host end of one webview: nothing is posted before the webview says `ready` (a hidden webview is
 * torn down and comes back with a new `ready`, so every `ready` gets a full snapshot), and every inbound
 * message is validated before dispatch.
 */
export class WebviewConnection<TOut, TIn extends { type: string }> {
  private ready = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    isInbound: (v: unknown) => v is TIn,
    private readonly handlers: { onReady(m: TIn): void; onMessage(m: TIn): void | Promise<void> },
    private readonly log: (message: string) => void,
  ) {
    this.subscriptions.push(panel.webview.onDidReceiveMessage((raw: unknown) => {
      if (!isInbound(raw)) {
        const type = typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type) : typeof raw;
        this.log(`ignored an invalid message from the ${panel.viewType} webview (type ${type.slice(0, 40)})`);
        return;
      }
      if (raw.type === 'ready') {
        this.ready = true;
        this.handlers.onReady(raw);
        return;
      }
      Promise.resolve(this.handlers.onMessage(raw)).catch((e: unknown) => {
        this.log(`${panel.viewType}: ${raw.type} failed: ${e instanceof Error ? e.message : String(e)}`);
      });
    }));
    this.subscriptions.push(panel.onDidChangeViewState(() => {
      // A hidden webview is destroyed (retainContextWhenHidden is off); wait for its next `ready`.
      if (!panel.visible) this.ready = false;
    }));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Posts when the webview is listening; otherwise drops, since the next `ready` gets a full snapshot. */
  post(message: TOut): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}
