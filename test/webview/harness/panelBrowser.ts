import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { type ThemeKind, themes } from './themes';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

const types: Record<string, string> = {
  '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html', '.map': 'application/json',
};

/**
 * Real headless Chromium plus a tiny 127.0.0.1 server that plays the webview resource host: it serves
 * the panel HTML the host produced and the built files under dist/. Pages get a stand-in
 * `acquireVsCodeApi` that records posted messages, keeps setState in sessionStorage (so a reload
 * restores like VS Code does) and forwards messages to the Node-side host through a binding.
 */
export class PanelBrowser {
  private nextPage = 1;
  private nextBlob = 1;

  private constructor(
    private readonly server: Worker, readonly context: BrowserContext, readonly baseUrl: string,
    private readonly userDataDir: string,
    /** Bench only: typed arrays reach the page by fetch (CSP bypassed) instead of a base64 string. */
    readonly binaryTransport: boolean,
  ) {}

  static async start(options: { binaryTransport?: boolean } = {}): Promise<PanelBrowser> {
    // The server runs on its own thread: the host code under test computes on the main thread, and
    // in VS Code that never delays the webview loading its files.
    const server = new Worker(serverSource, { eval: true, workerData: { root: repoRoot, types } });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('message', (m: { port: number }) => resolve(m.port));
      server.once('error', reject);
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 900 },
      bypassCSP: options.binaryTransport === true,
    });
    return new PanelBrowser(server, context, baseUrl, userDataDir, options.binaryTransport === true);
  }

  /** Serves `bytes` once at a fresh URL (the bench's stand-in for VS Code's ArrayBuffer transfer). */
  blob(bytes: Buffer): string {
    const id = String(this.nextBlob++);
    const copy = new Uint8Array(bytes).buffer;
    this.server.postMessage({ type: 'blob', id, bytes: copy }, [copy]);
    return `${this.baseUrl}/blob/${id}`;
  }

  /** Serves `html` at a fresh URL and returns it. */
  host(html: string): string {
    const id = String(this.nextPage++);
    this.server.postMessage({ type: 'page', id, html });
    return `${this.baseUrl}/panel/${id}`;
  }

  private warm: WarmPage | undefined;

  /**
   * Opens a tab with the stub and the host binding installed, for the next webview to navigate at once
   * (the bench's "renderer already running" case: VS Code creates a webview's frame in a running
   * renderer the moment the host sets its HTML, while the extension host keeps computing).
   */
  async prewarm(theme: ThemeKind = 'dark'): Promise<void> {
    if (this.warm) return;
    const page = await this.newPage(theme);
    const warm: WarmPage = { page, receive: () => undefined };
    await page.exposeBinding('__exptrackToHost', (_src, m: unknown) => warm.receive(m));
    this.warm = warm;
  }

  /** The prewarmed page, if any; its binding now delivers to `receive`. */
  takeWarm(receive: (m: unknown) => void): Page | undefined {
    const w = this.warm;
    this.warm = undefined;
    if (w) w.receive = receive;
    return w?.page;
  }

  /** A page with the theme's --vscode-* variables and the stand-in webview API installed. */
  async newPage(theme: ThemeKind = 'dark'): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (e) => (page as PageWithLog).__errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') (page as PageWithLog).__errors.push(m.text());
    });
    (page as PageWithLog).__errors = [];
    await page.addInitScript(stubScript, { vars: themes[theme], kind: theme });
    return page;
  }

  async close(): Promise<void> {
    await this.context.close();
    await this.server.terminate();
    fs.rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

export type PageWithLog = Page & { __errors: string[] };

/** The resource server, as worker source: panel HTML by id, built files under dist/, one-shot blobs. */
const serverSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { root, types } = workerData;
const pages = new Map();
const blobs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'page') pages.set(m.id, m.html);
  else if (m.type === 'blob') blobs.set(m.id, Buffer.from(m.bytes));
});
const server = http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/blob/')) {
    const id = url.pathname.slice(6);
    const blob = blobs.get(id);
    blobs.delete(id);
    if (!blob) return void res.writeHead(404).end();
    return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length }).end(blob);
  }
  if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
  if (url.pathname.startsWith('/panel/')) {
    const html = pages.get(url.pathname.slice(7));
    if (html === undefined) return void res.writeHead(404).end();
    return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  }
  // Only the built extension and chart.js (for the benchmark's baseline) are served.
  const rel = decodeURIComponent(url.pathname.replace(/^\\/ext\\//, ''));
  const allowed = rel.startsWith('dist/') || rel === 'node_modules/chart.js/dist/chart.umd.js';
  const file = path.join(root, rel);
  if (!allowed || !file.startsWith(root + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

interface WarmPage { readonly page: Page; receive: (m: unknown) => void }

/** Runs in the page before any of its scripts (init scripts are not subject to the page's CSP). */
function stubScript(arg: { vars: Record<string, string>; kind: string }): void {
  const w = window as unknown as Record<string, unknown>;
  w.__posted = [];
  w.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => (w.__csp as string[]).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
  // Timings for the benchmark: when each message arrived and when charts were reported drawn.
  w.__timeline = [];
  window.addEventListener('message', (e) => (w.__timeline as unknown[]).push([`message:${(e.data as { type?: string })?.type}`, performance.now()]), true);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.attributeName !== 'data-charts-drawn') continue;
      (w.__timeline as unknown[]).push(['charts-drawn', performance.now()]);
      // The frame after the charts were drawn is when they are on screen.
      requestAnimationFrame(() => {
        (w.__timeline as unknown[]).push(['next-frame', performance.now()]);
        requestAnimationFrame(() => (w.__timeline as unknown[]).push(['second-frame', performance.now()]));
      });
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-charts-drawn'] });
  const key = 'exptrack-webview-state';
  w.acquireVsCodeApi = () => ({
    postMessage: (m: unknown) => {
      (w.__posted as unknown[]).push(m);
      (w.__timeline as unknown[]).push([`posted:${(m as { type?: string })?.type}`, performance.now()]);
      if ((m as { type?: string })?.type === 'ready') requestAnimationFrame(() => (w.__timeline as unknown[]).push(['frame-after-ready', performance.now()]));
      const toHost = w.__exptrackToHost as ((m: unknown) => void) | undefined;
      if (toHost) toHost(m);
    },
    getState: () => JSON.parse(sessionStorage.getItem(key) ?? 'null'),
    setState: (s: unknown) => sessionStorage.setItem(key, JSON.stringify(s)),
  });
  const applyTheme = (vars: Record<string, string>, kind: string) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    if (document.body) {
      document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
      document.body.classList.add(`vscode-${kind}`);
      document.body.dataset.vscodeThemeKind = `vscode-${kind}`;
    }
  };
  w.__applyTheme = applyTheme;
  // VS Code writes the variables into the page before its scripts run; do the same as soon as the
  // parser has created <html> and <body>.
  const observer = new MutationObserver(() => {
    if (document.documentElement) {
      applyTheme(arg.vars, arg.kind);
      if (document.body) observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', () => applyTheme(arg.vars, arg.kind));
}
