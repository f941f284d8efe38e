import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ArtifactKind } from '../../core/model';
import { LineageQueries, type ArtifactPathEntry, type ArtifactVersionEntry, type RunRef } from '../../core/lineage/lineageQueries';
import { storeSqlReader } from '../../core/lineage/storeSqlReader';
import { shortAge } from '../../core/display/runRow';
import { formatBytes } from '../../protocol/format';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';

export type ArtifactsNode =
  | { readonly type: 'kind'; readonly folderStore: FolderStore; readonly kind: ArtifactKind; readonly paths: readonly ArtifactPathEntry[] }
  | { readonly type: 'path'; readonly folderStore: FolderStore; readonly entry: ArtifactPathEntry }
  | { readonly type: 'version'; readonly folderStore: FolderStore; readonly path: string; readonly version: ArtifactVersionEntry }
  | { readonly type: 'runs'; readonly folderStore: FolderStore; readonly role: 'producedBy' | 'usedBy'; readonly version: ArtifactVersionEntry; readonly path: string }
  | { readonly type: 'run'; readonly folderStore: FolderStore; readonly run: RunRef; readonly parentId: string }
  | { readonly type: 'message'; readonly text: string };

const KIND_LABEL: Record<ArtifactKind, { label: string; icon: string }> = {
  dataset: { label: 'Datasets', icon: 'database' },
  model: { label: 'Models', icon: 'circuit-board' },
  file: { label: 'Files', icon: 'file' },
};

/** Artifacts view: kind -> path -> versions (hash, size, time) -> produced by / used by runs. */
export class ArtifactsTreeProvider extends Disposable implements vscode.TreeDataProvider<ArtifactsNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<ArtifactsNode | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly stores: WorkspaceStores, private readonly logger: Logger) {
    super();
    this.register(stores.onDidChange(() => this.changeEmitter.fire(undefined)));
  }

  refresh(): void { this.changeEmitter.fire(undefined); }

  getChildren(node?: ArtifactsNode): ArtifactsNode[] {
    try {
      if (!node) {
        const out: ArtifactsNode[] = [];
        for (const folderStore of this.stores.ready) {
          const listing = new LineageQueries(storeSqlReader(folderStore.store)).listArtifacts();
          for (const l of listing) if (l.paths.length) out.push({ type: 'kind', folderStore, kind: l.kind, paths: l.paths });
        }
        return out;
      }
      switch (node.type) {
        case 'kind': return node.paths.map((entry) => ({ type: 'path', folderStore: node.folderStore, entry }));
        case 'path': return node.entry.versions.map((version) => ({ type: 'version', folderStore: node.folderStore, path: node.entry.path, version }));
        case 'version': return [
          ...(node.version.producedBy.length ? [{ type: 'runs' as const, folderStore: node.folderStore, role: 'producedBy' as const, version: node.version, path: node.path }] : []),
          ...(node.version.usedBy.length ? [{ type: 'runs' as const, folderStore: node.folderStore, role: 'usedBy' as const, version: node.version, path: node.path }] : []),
        ];
        case 'runs': return node.version[node.role].map((run) => ({ type: 'run', folderStore: node.folderStore, run, parentId: `${node.version.nodeId}/${node.role}` }));
        default: return [];
      }
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      this.logger.error(`Artifacts view: ${text}`);
      return [{ type: 'message', text }];
    }
  }

  getTreeItem(node: ArtifactsNode): vscode.TreeItem {
    switch (node.type) {
      case 'kind': {
        const k = KIND_LABEL[node.kind];
        const item = new vscode.TreeItem(k.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(k.icon);
        item.description = String(node.paths.length);
        item.id = `kind:${node.folderStore.folder.uri}:${node.kind}`;
        return item;
      }
      case 'path': {
        const abs = this.absolute(node.folderStore, node.entry.path);
        const item = new vscode.TreeItem(path.basename(node.entry.path) || node.entry.path, vscode.TreeItemCollapsibleState.Collapsed);
        item.resourceUri = vscode.Uri.file(abs);
        item.description = `${path.dirname(node.entry.path) === '.' ? '' : `${path.dirname(node.entry.path)} · `}${node.entry.versions.length} version${node.entry.versions.length === 1 ? '' : 's'}`;
        item.tooltip = node.entry.path;
        item.id = `path:${node.folderStore.folder.uri}:${node.entry.path}`;
        item.contextValue = 'artifactPath';
        return item;
      }
      case 'version': {
        const v = node.version;
        const item = new vscode.TreeItem(`v${v.version} · ${v.sha256 ? v.sha256.slice(0, 10) : 'unhashed'}`,
          v.producedBy.length || v.usedBy.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('versions');
        item.description = [v.size !== null ? formatBytes(v.size) : '', shortAge(v.mtime ?? v.createdAt, Date.now())].filter(Boolean).join(' · ');
        item.tooltip = `${node.path}\nsha256 ${v.sha256 || 'unknown'}\n${v.producedBy.length} producing run(s), ${v.usedBy.length} consuming run(s)`;
        item.id = `version:${node.folderStore.folder.uri}:${v.nodeId}`;
        item.contextValue = 'artifactVersion';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(this.absolute(node.folderStore, node.path))] };
        return item;
      }
      case 'runs': {
        const runs = node.version[node.role];
        const item = new vscode.TreeItem(node.role === 'producedBy' ? 'Produced by' : 'Used by', vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(node.role === 'producedBy' ? 'arrow-up' : 'arrow-down');
        item.description = String(runs.length);
        item.id = `${node.folderStore.folder.uri}:${node.version.nodeId}/${node.role}`;
        return item;
      }
      case 'run': {
        const item = new vscode.TreeItem(node.run.name, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.run.status === 'running' ? 'loading~spin' : 'beaker');
        item.description = `${node.run.status} · ${shortAge(node.run.startedAt, Date.now())}`;
        item.id = `${node.folderStore.folder.uri}:${node.parentId}/${node.run.id}`;
        item.contextValue = 'artifactRun';
        item.command = { command: 'exptrack.revealRun', title: 'Reveal Run', arguments: [node.run.id] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon('error');
        return item;
      }
    }
  }

  private absolute(folderStore: FolderStore, p: string): string {
    return path.isAbsolute(p) ? p : path.join(folderStore.folder.uri.fsPath, p);
  }
}
