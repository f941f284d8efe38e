export interface WebviewHtmlOptions {
  readonly title: string;
  /** `webview.cspSource`: the origin the webview's own resources load from. */
  readonly cspSource: string;
  readonly nonce: string;
  /** Already webview URIs (asWebviewUri), loaded in order. */
  readonly scriptUris: readonly string[];
  readonly styleUris: readonly string[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page every panel is built on: strict CSP, nonce'd scripts, no inline script or style. The
 * webview tests serve exactly this page so they run under the same policy as VS Code.
 */
export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    // The nonce admits the one <style> element the webview toolkit (FAST) inserts to probe for
    // :focus-visible; FAST finds it in the csp-nonce meta below. Inline style attributes stay blocked.
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
    "connect-src 'none'",
  ].join('; ');
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n    ');
  const scripts = o.scriptUris.map((u) => `<script nonce="${o.nonce}" src="${escapeHtml(u)}"></script>`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta property="csp-nonce" content="${o.nonce}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(o.title)}</title>
  </head>
  <body>
    <div id="app" role="main"></div>
    ${scripts}
  </body>
</html>`;
}
