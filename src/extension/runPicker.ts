import * as vscode from 'vscode';
import type { RunSummary } from '../core/model';
import { shortAge } from '../core/display/runRow';
import { formatValue } from '../protocol/format';
import { headlineMetric } from '../core/metrics/headlineMetric';
import type { RunRef, RunsNode } from './trees/runsTree';
import type { WorkspaceStores } from './workspaceStores';

/**
 * The runs a command acts on: the tree selection when invoked from the tree (VS Code passes the
 * clicked node and the whole selection), else a quick pick.
 */
export async function runsFromArgs(
  stores: WorkspaceStores, args: unknown[], options: { many: boolean; title: string; min?: number },
): Promise<RunRef[] | undefined> {
  const [clicked, selection] = args as [RunsNode | undefined, RunsNode[] | undefined];
  let fromTree = runRefs(selection?.length ? selection : clicked ? [clicked] : []);
  // From the tree (arguments given) but none resolved: the view refreshed between the click and the
  // command, and VS Code's handles of the old nodes are gone; the selection still says what was meant.
  if (!fromTree.length && args.length > 0) fromTree = lastSelection;
  const unique = [...new Map(fromTree.map((r) => [r.run.id, r])).values()];
  if (unique.length >= (options.min ?? 1)) return options.many ? unique : unique.slice(0, 1);
  return pickRuns(stores, options, unique.map((r) => r.run.id));
}

let lastSelection: RunRef[] = [];

/** Remembers the Runs view's selection (see {@link runsFromArgs}). */
export function trackRunSelection(view: vscode.TreeView<RunsNode>): vscode.Disposable {
  return view.onDidChangeSelection((e) => { lastSelection = runRefs(e.selection); });
}

function runRefs(nodes: readonly (RunsNode | undefined)[]): RunRef[] {
  return nodes
    .filter((n): n is RunsNode & RunRef => !!n && (n.type === 'run' || n.type === 'section'))
    .map((n) => ({ folderStore: n.folderStore, run: n.run }));
}

async function pickRuns(
  stores: WorkspaceStores, options: { many: boolean; title: string; min?: number }, preselected: string[] = [],
): Promise<RunRef[] | undefined> {
  const all: RunRef[] = [];
  for (const folderStore of await stores.openExisting()) {
    for (const run of folderStore.store.listRuns({ limit: 5000 })) all.push({ folderStore, run });
  }
  if (!all.length) {
    void vscode.window.showInformationMessage('Experiments: no runs recorded yet.');
    return undefined;
  }
  all.sort((a, b) => b.run.startedAt - a.run.startedAt);
  const multiRoot = stores.folders().length > 1;
  const items = all.map((ref) => ({ ...runPickItem(ref.run, multiRoot ? ref.folderStore.folder.name : undefined), ref,
    picked: preselected.includes(ref.run.id) }));
  if (options.many) {
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: options.title, matchOnDescription: true, matchOnDetail: true,
      placeHolder: `Select ${options.min ?? 1} or more runs` });
    if (!picked) return undefined;
    if (picked.length < (options.min ?? 1)) {
      void vscode.window.showWarningMessage(`Experiments: select at least ${options.min} runs.`);
      return undefined;
    }
    return picked.map((p) => p.ref);
  }
  const picked = await vscode.window.showQuickPick(items, { title: options.title, matchOnDescription: true, matchOnDetail: true });
  return picked ? [picked.ref] : undefined;
}

export function runPickItem(run: RunSummary, folder?: string): vscode.QuickPickItem {
  const headline = headlineMetric(run.metrics);
  return {
    label: `$(${run.status === 'running' ? 'loading~spin' : run.status === 'finished' ? 'pass' : run.status === 'failed' ? 'error' : 'circle-slash'}) ${run.name}`,
    description: [run.experiment, headline ? `${headline[0]} ${formatValue(headline[1].last)}` : '', shortAge(run.startedAt, Date.now()), folder].filter(Boolean).join(' · '),
    detail: run.command,
  };
}
