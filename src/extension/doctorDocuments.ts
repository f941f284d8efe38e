import * as vscode from 'vscode';
import { doctorLines } from '../core/store/doctorText';
import { Disposable } from './lifecycle';
import type { WorkspaceStores } from './workspaceStores';

const SCHEME = 'exptrack-doctor';

/** "Open Database Doctor": a read-only markdown report of every store's health. */
export class DoctorDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.emitter.event;

  constructor(private readonly stores: WorkspaceStores) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(SCHEME, this));
  }

  async open(): Promise<void> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: '/Experiments Database Doctor.md' });
    this.emitter.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async provideTextDocumentContent(): Promise<string> {
    const out = ['# Experiments database doctor', ''];
    const folders = this.stores.folders();
    if (!folders.length) return [...out, 'Open a folder first: runs are stored in the workspace folder.'].join('\n');
    for (const folder of folders) {
      out.push(`## ${folder.name}`, '', `Store: \`${this.stores.exptrackDirOf(folder)}\``, '');
      try {
        const { store } = await this.stores.get(folder);
        await store.refresh();
        const d = store.doctor();
        const healthy = d.integrity.length === 1 && d.integrity[0] === 'ok' && d.problems.length === 0 && !(d.lock?.stale ?? false);
        out.push(healthy ? 'Healthy.' : '**Needs attention** (see the problems below).', '', '```text', ...doctorLines(d, healthy), '```', '',
          'The same report from a terminal: `exptrack doctor` (or `exptrack doctor --json`).', '');
      } catch (e) {
        out.push(`**Cannot open the store:** ${e instanceof Error ? e.message : String(e)}`, '');
      }
    }
    return out.join('\n');
  }
}
