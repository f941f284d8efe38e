import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { Page } from 'playwright-core';
import type { PanelContext, PanelDataSource, PanelVscode } from '../../../src/extension/panels/panelContext';
import { type PanelBrowser, repoRoot } from './panelBrowser';
import type { ThemeKind } from './themes';

type Listener<T> = (e: T) => void;

function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    event: (l: Listener<T>) => {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    fire: (e: T) => { for (const l of [...listeners]) l(e); },
  };
}

export class FakeUri {
  constructor(readonly scheme: string, readonly path: string, readonly query = '') {}
  get fsPath(): string { return this.path; }
  toString(): string { return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`; }
}

const Uri = {
  file: (p: string) => new FakeUri('file', p),
  joinPath: (u: FakeUri, ...p: string[]) => new FakeUri(u.scheme, path.posix.join(u.path, ...p), u.query),
  from: (c: { scheme: string; path?: string; query?: string }) => new FakeUri(c.scheme, c.path ?? '', c.query ?? ''),
};

function encodeMessage(message: unknown): { json: string; bytes: Buffer } {
  const arrays: Float64Array[] = [];
  let offset = 0;
  const json = JSON.stringify(message, (_k, v: unknown) => {
    if (v instanceof Float64Array) {
      arrays.push(v);
      const ref = { __f64: offset, length: v.length };
      offset += v.length;
      return ref;
    }
    // JSON has no NaN/Infinity; numbers outside typed arrays are rare (summaries) but legal.
    if (typeof v === 'number' && !Number.isFinite(v)) return { __num: String(v) };
    return v;
  });
  const all = new Float64Array(offset);
  let at = 0;
  for (const a of arrays) { all.set(a, at); at += a.length; }
  return { json, bytes: Buffer.from(all.buffer) };
}

/** Runs in the page (bench): fetches the bytes, then decodes like decodeAndPost. */
async function fetchAndPost(arg: { json: string; url: string }): Promise<void> {
  const all = new Float64Array(await (await fetch(arg.url)).arrayBuffer());
  const message = JSON.parse(arg.json, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__f64' in v) {
      const r = v as { __f64: number; length: number };
      return all.subarray(r.__f64, r.__f64 + r.length);
    }
    if (v && typeof v === 'object' && '__num' in v) return Number((v as { __num: string }).__num);
    return v;
  });
  window.postMessage(message, '*');
}

/** Runs in the page: rebuilds the message with Float64Array views on one buffer and posts it. */
function decodeAndPost(arg: { json: string; base64: string }): void {
  const bytes = (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(arg.base64);
  const all = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const message = JSON.parse(arg.json, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__f64' in v) {
      const r = v as { __f64: number; length: number };
      return all.slice(r.__f64, r.__f64 + r.length);
    }
    if (v && typeof v === 'object' && '__num' in v) return Number((v as { __num: string }).__num);
    return v;
  });
  window.postMessage(message, '*');
}

/** A webview whose content is a Chromium page; messages cross through page.evaluate and a binding. */
export class FakeWebview {
  options: unknown = {};
  readonly cspSource: string;
  private readonly received = emitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;
  private chain: Promise<unknown> = Promise.resolve();
  page: Page | undefined;
  loaded: Promise<Page> | undefined;
  readonly sent: unknown[] = [];

  constructor(private readonly browser: PanelBrowser, private readonly theme: ThemeKind) {
    this.cspSource = browser.baseUrl;
  }

  asWebviewUri(uri: FakeUri): FakeUri {
    return { toString: () => `${this.browser.baseUrl}/ext/${path.relative(repoRoot, uri.path)}` } as FakeUri;
  }

  set html(html: string) {
    const url = this.browser.host(html);
    const warm = this.page ? undefined : this.browser.takeWarm((m) => this.received.fire(m));
    if (warm) {
      // Navigate synchronously, before the host's next task can run.
      this.page = warm;
      this.loaded = warm.goto(url).then(() => warm);
      return;
    }
    this.loaded = (async () => {
      if (!this.page) {
        this.page = await this.browser.newPage(this.theme);
        await this.page.exposeBinding('__exptrackToHost', (_src, m: unknown) => this.received.fire(m));
      }
      await this.page.goto(url);
      return this.page;
    })();
  }

  postMessage(message: unknown): Promise<boolean> {
    this.sent.push(message);
    // Like VS Code, typed arrays travel as raw bytes, not as JSON numbers: all of a message's arrays
    // go as one base64 string (native encode here, native Uint8Array.fromBase64 in the page).
    const { json, bytes } = encodeMessage(message);
    this.chain = this.chain.then(async () => {
      const page = await this.loaded;
      if (this.browser.binaryTransport) await page?.evaluate(fetchAndPost, { json, url: this.browser.blob(bytes) });
      else await page?.evaluate(decodeAndPost, { json, base64: bytes.toString('base64') });
    }).catch(() => undefined);
    return this.chain.then(() => true);
  }

  /** Resolves when every message posted so far has been delivered to the page. */
  flushed(): Promise<unknown> {
    return this.chain;
  }
}

export class FakeWebviewPanel {
  title = '';
  visible = true;
  readonly webview: FakeWebview;
  private readonly disposed = emitter<void>();
  private readonly viewState = emitter<unknown>();
  readonly onDidDispose = this.disposed.event;
  readonly onDidChangeViewState = this.viewState.event;
  isDisposed = false;
  revealed = 0;

  constructor(readonly viewType: string, browser: PanelBrowser, theme: ThemeKind) {
    this.webview = new FakeWebview(browser, theme);
  }

  reveal(): void { this.revealed++; }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposed.fire();
    void this.webview.page?.close();
  }
}

/** The slice of `vscode` the panels use, recording what they ask the workbench to do. */
export class FakeWorkbench {
  readonly panels: FakeWebviewPanel[] = [];
  readonly executed: { command: string; args: unknown[] }[] = [];
  readonly clipboard: string[] = [];
  readonly written: { path: string; text: string }[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  /** The default path each save dialog offered; `saveTo` is what the user picks (else the default). */
  readonly saveDialogs: string[] = [];
  saveTo: string | undefined;
  readonly serializers = new Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }>();
  readonly contentProviders = new Map<string, { provideTextDocumentContent(uri: unknown): Promise<string> | string }>();
  readonly log: string[] = [];
  readonly vscode: PanelVscode;

  constructor(private readonly browser: PanelBrowser, public theme: ThemeKind = 'dark') {
    const self = this;
    const api = {
      ViewColumn: { Beside: -2, Active: -1, One: 1 },
      Uri,
      window: {
        createWebviewPanel(viewType: string) {
          const p = new FakeWebviewPanel(viewType, self.browser, self.theme);
          self.panels.push(p);
          return p;
        },
        registerWebviewPanelSerializer(viewType: string, s: { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }) {
          self.serializers.set(viewType, s);
          return { dispose: () => self.serializers.delete(viewType) };
        },
        async showSaveDialog(o: { defaultUri?: FakeUri }) {
          self.saveDialogs.push(o.defaultUri?.path ?? '');
          return self.saveTo ? new FakeUri('file', self.saveTo) : o.defaultUri ?? new FakeUri('file', '/tmp/export.csv');
        },
        async showErrorMessage(m: string) { self.errors.push(m); return undefined; },
        async showWarningMessage(m: string) { self.warnings.push(m); return undefined; },
        setStatusBarMessage() { return { dispose() {} }; },
      },
      commands: {
        async executeCommand(command: string, ...args: unknown[]) { self.executed.push({ command, args }); },
      },
      env: { clipboard: { async writeText(t: string) { self.clipboard.push(t); } } },
      workspace: {
        workspaceFolders: [{ uri: new FakeUri('file', '/work/demo'), name: 'demo', index: 0 }],
        registerTextDocumentContentProvider(scheme: string, p: { provideTextDocumentContent(uri: unknown): Promise<string> }) {
          self.contentProviders.set(scheme, p);
          return { dispose: () => self.contentProviders.delete(scheme) };
        },
        fs: {
          async writeFile(u: FakeUri, data: Uint8Array) { self.written.push({ path: u.path, text: new TextDecoder().decode(data) }); },
          async stat() { return { type: 1 }; },
        },
      },
    };
    this.vscode = api as unknown as PanelVscode;
  }

  context(data: PanelDataSource): PanelContext {
    return { vscode: this.vscode, extensionUri: Uri.file(repoRoot) as unknown as vscode.Uri, data, log: (m) => this.log.push(m) };
  }

  /** A new panel object as VS Code hands one to a serializer after a reload. */
  restoredPanel(viewType: string): FakeWebviewPanel {
    const p = new FakeWebviewPanel(viewType, this.browser, this.theme);
    this.panels.push(p);
    return p;
  }

  get lastPanel(): FakeWebviewPanel {
    return this.panels[this.panels.length - 1];
  }
}
