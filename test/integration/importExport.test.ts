// "Experiments: Import Runs…" and the Runs view's "Export Runs…" in a real VS Code: the pickers are
// answered by the commands' optional argument; the import and the export run in a worker thread.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImportJobResult } from '../../src/core/import/importJob';
import type { ExptrackApi } from '../../src/extension/extension';
import type { ExportJobResult } from '../../src/extension/importExport/workerMessages';
import type { RunsNode } from '../../src/extension/trees/runsTree';
import { waitFor } from './waitFor';

const root = path.resolve(__dirname, '..', '..', '..');
const yolo = path.resolve(root, '..', 'shared', 'fixtures', 'import', 'mlflow-mlruns', 'v2-ultralytics-yolov8');
const EXPERIMENT = 'imported-in-editor';
const label = (item: vscode.TreeItem): string => (typeof item.label === 'string' ? item.label : item.label?.label ?? '');

describe('Import and export runs from the editor', function () {
  this.timeout(180_000);

  async function importedRuns(api: ExptrackApi): Promise<(RunsNode & { type: 'run' })[]> {
    const tree = api.extension.runsTree;
    const group = (await tree.getChildren()).find((g) => g.type === 'group' && g.label === EXPERIMENT);
    return group ? (await tree.getChildren(group)).filter((n): n is RunsNode & { type: 'run' } => n.type === 'run') : [];
  }

  it('imports an MLflow folder store through "Import Runs…" and shows the runs in the tree, marked with their source', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    assert.ok(fs.existsSync(yolo), `the shared fixture ${yolo}`);
    // How long the host's event loop is held while the import runs (printed; the work is in a worker thread).
    let worstLag = 0;
    let last = performance.now();
    const ticker = setInterval(() => { const now = performance.now(); worstLag = Math.max(worstLag, now - last - 20); last = now; }, 20);
    const t0 = performance.now();
    let result: ImportJobResult | undefined;
    try {
      result = await vscode.commands.executeCommand<ImportJobResult>('exptrack.importRuns', { path: yolo, experiment: EXPERIMENT });
    } finally {
      clearInterval(ticker);
    }
    console.log(`      import: ${((performance.now() - t0) / 1000).toFixed(1)} s, longest stall of the extension host's event loop ${worstLag.toFixed(0)} ms`);
    assert.ok(result, 'the command returns its result');
    assert.equal(result.cancelled, false);
    assert.equal(result.runs.length, 4, JSON.stringify(result.skipped));
    assert.ok(result.pointsWritten > 0);
    const rows = await waitFor('the imported runs in the tree', async () => {
      const runs = await importedRuns(api);
      return runs.length === 4 ? runs : undefined;
    });
    const tree = api.extension.runsTree;
    const names = rows.map((r) => label(tree.getTreeItem(r))).sort();
    assert.deepEqual(names, ['adamaxtest', 'adamtest', 'sgdtest3', 'testrun1'], 'names only: MLflow\'s and the import\'s bookkeeping tags stay off the row');
    for (const r of rows) assert.match(String(tree.getTreeItem(r).description), /from MLflow/);

    // Again: nothing new, nothing duplicated.
    const again = await vscode.commands.executeCommand<ImportJobResult>('exptrack.importRuns', { path: yolo, experiment: EXPERIMENT });
    assert.deepEqual(again?.runs.map((r) => r.outcome), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    assert.equal((await importedRuns(api)).length, 4);
  });

  it('exports the runs selected in the tree with "Export Runs…", as Parquet and as DVCLive folders', async () => {
    const api = (await vscode.extensions.getExtension<ExptrackApi>('exptrack.exptrack')!.activate())!;
    const rows = await waitFor('the imported runs', async () => { const r = await importedRuns(api); return r.length === 4 ? r : undefined; });
    const selected = rows.slice(0, 2);
    const points = selected.reduce((n, r) => n + Object.values(r.run.metrics).reduce((m, s) => m + s.count, 0), 0);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-export-'));

    // As the tree calls it: the clicked node, then the whole selection.
    const parquet = path.join(out, 'parquet');
    const [p] = (await vscode.commands.executeCommand<ExportJobResult[]>('exptrack.exportRuns', selected[0], selected, { format: 'parquet', folder: parquet }))!;
    assert.deepEqual([p.runs, p.points, p.missing], [2, points, []]);
    assert.deepEqual(fs.readdirSync(parquet).sort(), ['points.parquet', 'runs.parquet']);
    assert.equal(fs.readFileSync(path.join(parquet, 'runs.parquet')).subarray(0, 4).toString(), 'PAR1');

    const dvclive = path.join(out, 'dvclive');
    const [d] = (await vscode.commands.executeCommand<ExportJobResult[]>('exptrack.exportRuns', selected[0], selected, { format: 'dvclive', folder: dvclive }))!;
    assert.deepEqual([d.runs, d.points], [2, points]);
    const experiment = fs.readdirSync(dvclive);
    assert.deepEqual(experiment, [EXPERIMENT]);
    assert.deepEqual(fs.readdirSync(path.join(dvclive, EXPERIMENT)).sort(), selected.map((r) => r.run.name).sort());
    for (const r of selected) assert.ok(fs.existsSync(path.join(dvclive, EXPERIMENT, r.run.name, 'plots', 'metrics')), `${r.run.name}: plots/metrics`);

    // A folder that is not empty is refused, and said so (the command's error wrapper shows it).
    const refused = await vscode.commands.executeCommand('exptrack.exportRuns', selected[0], selected, { format: 'dvclive', folder: dvclive });
    assert.equal(refused, undefined);
  });
});
