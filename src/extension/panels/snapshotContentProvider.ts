import type * as vscode from 'vscode';
import { fileAtRevision } from '../../core/gitSnapshots';

export const snapshotScheme = 'exptrack-snapshot';

/** A file kept in the store for a run recorded outside git. */
export interface StoredFileLocation {
  readonly run: string;
  readonly path: string;
  readonly label: string;
}

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

/** `exptrack-snapshot:/<label>/<path>?run=…&path=…` for code the store kept outside git. */
export function storedFileUri(uri: typeof vscode.Uri, loc: StoredFileLocation): vscode.Uri {
  const query = new URLSearchParams({ run: loc.run, path: loc.path }).toString();
  return uri.from({ scheme: snapshotScheme, path: `/${loc.label}/${loc.path}`, query });
}

export function parseSnapshotUri(uri: vscode.Uri):
  | ({ readonly kind: 'git' } & Omit<SnapshotLocation, 'label'>)
  | ({ readonly kind: 'stored' } & Omit<StoredFileLocation, 'label'>)
  | undefined {
  const q = new URLSearchParams(uri.query);
  const repo = q.get('repo');
  const rev = q.get('rev');
  const run = q.get('run');
  const path = q.get('path');
  if (!path) return undefined;
  if (repo && rev) return { kind: 'git', repo, rev, path };
  return run ? { kind: 'stored', run, path } : undefined;
}

/**
 * Serves file contents from runs' git snapshots (or, outside git, the code files the store kept) so
 * VS Code's own diff editor can show run A against run B. Register with `workspace.registerTextDocumentContentProvider(snapshotScheme, provider)`.
 */
export class SnapshotContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly codeFiles: (runId: string) => Readonly<Record<string, string>> | undefined = () => undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const loc = parseSnapshotUri(uri);
    if (!loc) throw new Error(`Not an exptrack snapshot address: ${uri.toString()}`);
    if (loc.kind === 'stored') return this.codeFiles(loc.run)?.[loc.path] ?? '';
    return fileAtRevision(loc.repo, loc.rev, loc.path);
  }
}
