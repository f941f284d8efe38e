import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
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
    private readonly server: http.Server, readonly context: BrowserContext, readonly baseUrl: string,
    private readonly userDataDir: string, private readonly pages: Map<string, string>,
    /** Bench only: typed arrays reach the page by fetch (CSP bypassed) instead of a base64 string. */
    readonly binaryTransport: boolean,
  ) {}

  static async start(options: { binaryTransport?: boolean } = {}): Promise<PanelBrowser> {
    const pages = new Map<string, string>();
    const blobs = new Map<string, Buffer>();
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/blob/')) {
        const id = url.pathname.slice('/blob/'.length);
        const blob = blobs.get(id);
        blobs.delete(id);
        if (!blob) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length }).end(blob);
      }
      if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
      if (url.pathname.startsWith('/panel/')) {
        const html = pages.get(url.pathname.slice('/panel/'.length));
        if (html === undefined) return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      }
      // Only the built extension and chart.js (for the benchmark's baseline) are served.
      const rel = decodeURIComponent(url.pathname.replace(/^\/ext\//, ''));
      const allowed = rel.startsWith('dist/') || rel === 'node_modules/chart.js/dist/chart.umd.js';
      const file = path.join(repoRoot, rel);
      if (!allowed || !file.startsWith(repoRoot + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 900 },
      bypassCSP: options.binaryTransport === true,
    });
    const browser = new PanelBrowser(server, context, baseUrl, userDataDir, pages, options.binaryTransport === true);
    browser.blobStore = blobs;
    return browser;
  }

  private blobStore!: Map<string, Buffer>;

  /** Serves `bytes` once at a fresh URL (the bench's stand-in for VS Code's ArrayBuffer transfer). */
  blob(bytes: Buffer): string {
    const id = String(this.nextBlob++);
    this.blobStore.set(id, bytes);
    return `${this.baseUrl}/blob/${id}`;
  }

  /** Serves `html` at a fresh URL and returns it. */
  host(html: string): string {
    const id = String(this.nextPage++);
    this.pages.set(id, html);
    return `${this.baseUrl}/panel/${id}`;
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
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

export type PageWithLog = Page & { __errors: string[] };

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
