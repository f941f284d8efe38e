interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

/** The webview end of the connection: typed posts, validated receipt, persisted state. */
export class HostConnection<TOut, TIn> {
  private readonly api = acquireVsCodeApi();

  constructor(private readonly isInbound: (v: unknown) => v is TIn, private readonly onMessage: (m: TIn) => void) {
    window.addEventListener('message', (e: MessageEvent) => {
      // Anything else (stale protocol, a stray extension) is dropped rather than half-applied.
      if (this.isInbound(e.data)) this.onMessage(e.data);
      else console.warn('[exptrack] ignored an invalid message', typeof e.data === 'object' && e.data ? (e.data as { type?: unknown }).type : e.data);
    });
  }

  post(message: TOut): void {
    this.api.postMessage(message);
  }

  get state(): unknown {
    return this.api.getState();
  }

  saveState(state: unknown): void {
    this.api.setState(state);
  }
}
