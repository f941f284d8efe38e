import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageTarget } from '../../protocol/lineageMessages';
import type { CommandRegistry } from '../commandRegistry';
import { runsFromArgs } from '../runPicker';
import type { WorkspaceStores } from '../workspaceStores';
import type { ArtifactsNode, ArtifactsTreeProvider } from './artifactsTree';

/**
 * The Artifacts view's commands: open or reveal an artifact, refresh, and Show Lineage (from an
 * artifact path or version, or from a run in either view or the palette).
 */
export class ArtifactActions {
  constructor(
    private readonly stores: WorkspaceStores,
    private readonly tree: ArtifactsTreeProvider,
    private readonly showLineage: (target: LineageTarget) => void,
  ) {}

  registerCommands(commands: CommandRegistry): void {
    commands.register('exptrack.refreshArtifacts', () => this.tree.refresh());
    commands.register('exptrack.openArtifact', (node?: ArtifactsNode) => this.open(node, false));
    commands.register('exptrack.revealArtifact', (node?: ArtifactsNode) => this.open(node, true));
    commands.register('exptrack.showLineage', async (...args: unknown[]) => {
      const target = await this.lineageTarget(args);
      if (target) this.showLineage(target);
    });
  }

  /** Lineage around an artifact (Artifacts tree) or a run (Runs tree, palette). */
  private async lineageTarget(args: unknown[]): Promise<LineageTarget | undefined> {
    const node = args[0] as ArtifactsNode | undefined;
    if (node?.type === 'path') return { type: 'path', path: node.entry.path };
    if (node?.type === 'version') return { type: 'version', path: node.path, sha256: node.version.sha256 };
    const [ref] = (await runsFromArgs(this.stores, args, { many: false, title: 'Show Lineage' })) ?? [];
    return ref && { type: 'run', runId: ref.run.id };
  }

  private async open(node: ArtifactsNode | undefined, reveal: boolean): Promise<void> {
    if (!node || (node.type !== 'path' && node.type !== 'version')) return;
    const rel = node.type === 'path' ? node.entry.path : node.path;
    const uri = vscode.Uri.file(path.isAbsolute(rel) ? rel : path.join(node.folderStore.folder.uri.fsPath, rel));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      throw new Error(`${rel} no longer exists on disk (the recorded versions stay in the database).`);
    }
    if (reveal) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('vscode.open', uri);
  }
}
