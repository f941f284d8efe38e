import type * as vscode from 'vscode';
import { fileAtRevision } from './gitSnapshots';

export const snapshotScheme = 'exptrack-snapshot';

export interface SnapshotLocation {
  /** Repository root on disk. */
  readonly repo: string;
  /** Snapshot commit (or commit when the run had no snapshot). */
  readonly rev: string;
  /** Repository-relative path with forward slashes. */
  readonly path: string;
  /** Run id or name, shown in the editor tab through the URI's path. */
  readonly label: string;
}

/** `exptrack-snapshot:/<label>/<path>?repo=…&rev=…&path=…`; the tab shows the path's file name. */
export function snapshotUri(uri: typeof vscode.Uri, loc: SnapshotLocation): vscode.Uri {
  const query = new URLSearchParams({ repo: loc.repo, rev: loc.rev, path: loc.path }).toString();
  return uri.from({ scheme: snapshotScheme, path: `/${loc.label}/${loc.path}`, query });
}

export function parseSnapshotUri(uri: vscode.Uri): Omit<SnapshotLocation, 'label'> | undefined {
  const q = new URLSearchParams(uri.query);
  const repo = q.get('repo');
  const rev = q.get('rev');
  const path = q.get('path');
  return repo && rev && path ? { repo, rev, path } : undefined;
}

/**
 * Serves file contents from runs' git snapshots so VS Code's own diff editor can show run A against
 * run B. Register with `workspace.registerTextDocumentContentProvider(snapshotScheme, provider)`.
 */
export class SnapshotContentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const loc = parseSnapshotUri(uri);
    if (!loc) throw new Error(`Not an exptrack snapshot address: ${uri.toString()}`);
    return fileAtRevision(loc.repo, loc.rev, loc.path);
  }
}
