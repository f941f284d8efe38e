import * as vscode from 'vscode';
import { metricKeysOf } from '../../core/editor/experimentTrend';
import { inferMetricDirection, type DirectionOverrides } from '../../core/metrics/metricDirection';
import type { RunsTreeProvider } from './runsTree';
import type { WorkspaceStores } from '../workspaceStores';

/**
 * "Sort Runs By…": newest first, or by a metric's last value, best first by its direction. The
 * metrics offered are those of the recorded runs, most common first.
 */
export async function pickRunOrder(stores: WorkspaceStores, tree: RunsTreeProvider, directions: () => DirectionOverrides): Promise<void> {
  const runs = (await stores.openExisting()).flatMap((s) => s.store.listRuns());
  const current = tree.runOrder;
  const dirs = directions();
  const items: (vscode.QuickPickItem & { key?: string })[] = [
    { label: '$(history) Newest first', description: current.by === 'newest' ? 'current' : undefined },
    ...metricKeysOf(runs).map((key) => {
      const d = inferMetricDirection(key, dirs);
      return {
        label: `$(graph-line) ${key}`, key,
        description: [d === 'lower' ? 'lowest first' : d === 'higher' ? 'highest first' : 'highest first (direction unknown)', current.by === 'metric' && current.key === key ? 'current' : ''].filter(Boolean).join(' · '),
      };
    }),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Sort Runs By', placeHolder: 'Best first by the metric\'s direction; runs without it last' });
  if (!picked) return;
  tree.setRunOrder(picked.key ? { by: 'metric', key: picked.key } : { by: 'newest' }, directions);
}
