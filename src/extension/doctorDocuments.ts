import * as vscode from 'vscode';
import { doctorLines } from '../core/store/doctorText';
import type { CliOnPathState } from './cliOnPath';
import { Disposable } from './lifecycle';
import type { WorkspaceStores } from './workspaceStores';

const SCHEME = 'exptrack-doctor';

/** "Open Database Doctor": a read-only markdown report of every store's health. */
export class DoctorDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.emitter.event;

  constructor(private readonly stores: WorkspaceStores, private readonly cli: () => CliOnPathState) {
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
    const cli = this.cli();
    const doctorCommand = cli.enabled && !cli.problem ? '`exptrack doctor`' : `\`node "${cli.cliScript}" doctor\``;
    out.push(...cliSection(cli));
    if (!folders.length) return [...out, 'Open a folder first: runs are stored in the workspace folder.'].join('\n');
    for (const folder of folders) {
      out.push(`## ${folder.name}`, '', `Store: \`${this.stores.exptrackDirOf(folder)}\``, '');
      try {
        const { store } = await this.stores.get(folder);
        await store.refresh();
        const d = store.doctor();
        const healthy = d.integrity.length === 1 && d.integrity[0] === 'ok' && d.problems.length === 0 && !(d.lock?.stale ?? false);
        out.push(healthy ? 'Healthy.' : '**Needs attention** (see the problems below).', '', '```text', ...doctorLines(d, healthy), '```', '',
          `The same report from a terminal: ${doctorCommand} (\`--json\` for JSON).`, '');
      } catch (e) {
        out.push(`**Cannot open the store:** ${e instanceof Error ? e.message : String(e)}`, '');
      }
    }
    return out.join('\n');
  }
}

/** What works in a terminal, said exactly: the first question of someone who installed the VSIX. */
function cliSection(cli: CliOnPathState): string[] {
  const out = ['## The `exptrack` command in terminals', ''];
  if (cli.enabled && !cli.problem) {
    out.push('In a **new** VS Code terminal (one opened before the extension started shows a warning to relaunch it):', '',
      '```sh', 'exptrack run -- python train.py   # records a run into this window\'s store', 'exptrack ls', 'exptrack doctor', '```', '',
      `The extension puts \`${cli.binDir}\` first on its terminals' PATH; \`exptrack\` runs \`${cli.cliScript}\` with the editor's own runtime ` +
      `(\`${cli.runtime}\`), or with \`node\` from PATH in a terminal that outlived this editor. Off: \`exptrack.cli.addToTerminalPath\`.`, '');
  } else if (cli.problem) {
    out.push(`**Not on the terminals' PATH**: ${cli.problem}. Run it as \`node "${cli.cliScript}" …\` (Node.js 20 or newer).`, '');
  } else {
    out.push(`Not on the terminals' PATH (\`exptrack.cli.addToTerminalPath\` is off). Run it as \`node "${cli.cliScript}" …\` (Node.js 20 or newer), ` +
      `or add \`${cli.binDir}\` to your PATH.`, '');
  }
  out.push(`Outside VS Code (tmux, SSH, CI) run the same file with Node.js 20 or newer: \`node "${cli.cliScript}" run -- python train.py\`.`, '');
  return out;
}
