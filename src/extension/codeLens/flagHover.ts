import * as vscode from 'vscode';
import { flagAt, flagUsage } from '../../core/editor/argparseFlags';
import { headlineMetric } from '../../core/metrics/headlineMetric';
import type { ParamValue, RunSummary } from '../../core/model';
import { formatValue } from '../../protocol/format';
import { Disposable } from '../lifecycle';
import { escapeMd } from '../trees/runsTree';
import type { ScriptRunsIndex } from './scriptRunsIndex';

/** The newest runs a hover reads params of (each is a store read). */
const MAX_RUNS = 200;
const MAX_ROWS = 12;

/**
 * A hover on a flag a script declares (`parser.add_argument('--lr', ...)`): the values the recorded
 * runs of the script used, how many runs each, and which gave the best headline metric.
 */
export class FlagHover extends Disposable implements vscode.HoverProvider {
  constructor(private readonly index: ScriptRunsIndex) {
    super();
    this.register(vscode.languages.registerHoverProvider([{ language: 'python', scheme: 'file' }], this));
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (vscode.workspace.getConfiguration('exptrack').get<boolean>('codeLens.enabled') === false) return undefined;
    // Cheap test first: a flag's option string is a quoted word starting with `-`.
    const word = document.getWordRangeAtPosition(position, /['"]-{1,2}[A-Za-z0-9][\w.-]*['"]/);
    if (!word) return undefined;
    const found = this.index.runsOf(document.uri.fsPath);
    if (!found) return undefined;
    const text = document.getText();
    const at = flagAt(text, document.offsetAt(position));
    if (!at) return undefined;
    const runs = found.runs.slice(0, MAX_RUNS).map((run) => ({ run, params: found.folderStore.store.getRun(run.id)?.params ?? ({} as Record<string, ParamValue>) }));
    const key = headlineKey(found.runs);
    const usage = flagUsage(at.flag, runs, key, found.directions);
    const name = at.flag.options.find((o) => o.startsWith('--')) ?? at.flag.options[0];
    const md = new vscode.MarkdownString();
    const counted = runs.length < found.runs.length ? `the newest ${runs.length} of ${found.runs.length} runs` : `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    md.appendMarkdown(`\`${name}\` across ${counted} of this script`);
    if (usage.best && key) {
      md.appendMarkdown(`  \nBest ${escapeMd(key)}: **${formatValue(usage.best.value)}** with \`${name}\` = \`${usage.best.flagValue ?? 'not recorded'}\` (${escapeMd(usage.best.run.name)})`);
    } else if (key && !usage.direction) {
      md.appendMarkdown(`  \n(${escapeMd(key)} has no known direction: set it in \`exptrack.metrics.directions\` to see the best)`);
    }
    const rows = usage.values.slice(0, MAX_ROWS);
    md.appendMarkdown(`\n\n| value | runs |${key ? ` best ${escapeMd(key)} |` : ''}\n|---|---:|${key ? '---:|' : ''}\n`);
    for (const v of rows) {
      const best = key ? ` ${v.best ? formatValue(v.best.value) : '—'} |` : '';
      md.appendMarkdown(`| ${v.value === null ? '*not recorded*' : `\`${v.value.replace(/`/g, "'").replace(/\|/g, '\\|')}\``} | ${v.runs} |${best}\n`);
    }
    if (usage.values.length > rows.length) md.appendMarkdown(`\n… and ${usage.values.length - rows.length} more values`);
    const start = document.positionAt(at.range.start);
    return new vscode.Hover(md, new vscode.Range(start, document.positionAt(at.range.end)));
  }
}

/** The metric the hover ranks by: the newest run's headline metric that has one. */
function headlineKey(runs: readonly RunSummary[]): string | undefined {
  for (const r of runs) {
    const h = headlineMetric(r.metrics);
    if (h) return h[0];
  }
  return undefined;
}
