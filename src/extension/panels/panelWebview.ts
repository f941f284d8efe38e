import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';
import type { PanelContext } from './panelContext';
import { renderWebviewHtml } from './webviewHtml';

/** Options for a panel's webview: scripts on, resources only from the built webview and codicons. */
export function panelWebviewOptions(ctx: Pick<PanelContext, 'vscode' | 'extensionUri'>): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  const { Uri } = ctx.vscode;
  return {
    enableScripts: true,
    enableFindWidget: true,
    retainContextWhenHidden: false,
    localResourceRoots: [Uri.joinPath(ctx.extensionUri, 'dist', 'webview'), Uri.joinPath(ctx.extensionUri, 'dist', 'codicons')],
  };
}

/** Sets options and HTML for `dist/webview/<bundle>.js|css`; also used on restore, since the old extension folder may be gone. */
export function initPanelWebview(ctx: Pick<PanelContext, 'vscode' | 'extensionUri'>, webview: vscode.Webview, bundle: string, title: string): void {
  const { Uri } = ctx.vscode;
  webview.options = panelWebviewOptions(ctx);
  const asUri = (...p: string[]) => webview.asWebviewUri(Uri.joinPath(ctx.extensionUri, 'dist', ...p)).toString();
  webview.html = renderWebviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    scriptUris: [asUri('webview', `${bundle}.js`)],
    styleUris: [asUri('codicons', 'codicon.css'), asUri('webview', `${bundle}.css`)],
  });
}
