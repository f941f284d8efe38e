import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GitInfo, RunDetail, RunSummary } from '../../core/model';
import { leftOutOf } from '../../core/recorder/secretFiles';
import type { Store } from '../../core/store/store';
import { environmentRows } from '../../core/display/environmentRows';
import { ageRefreshDelayMs, importedFrom, runRowDescription, runRowLabel, visibleTags } from '../../core/display/runRow';
import { formatBytes, formatDuration, formatParam, formatValue } from '../../protocol/format';
import { headlineMetric } from '../../core/metrics/headlineMetric';
import { scriptLabelOf } from '../../core/editor/scriptRuns';
import { sortRunsByMetric, type RunOrder } from '../../core/editor/experimentTrend';
import type { DirectionOverrides } from '../../core/metrics/metricDirection';
import { statusIcon } from './statusIcon';
import { Disposable } from '../lifecycle';
import type { RunMark } from '../explain/runMarks';
import type { Logger } from '../logger';
import type { FolderStore, WorkspaceStores } from '../workspaceStores';

export type GroupBy = 'experiment' | 'commit' | 'script' | 'none';

/** A run as the tree knows it: the store it lives in plus its summary. */
export interface RunRef {
  readonly folderStore: FolderStore;
  readonly run: RunSummary;
}

/** Tags per run id, read for all runs of a store at once (a query per row is slow at 10k runs). */
type TagsByRun = ReadonlyMap<string, Readonly<Record<string, string>>>;

export type RunsNode =
  | { readonly type: 'folder'; readonly folderStore: FolderStore }
  | { readonly type: 'group'; readonly folderStore: FolderStore; readonly label: string; readonly runs: readonly RunSummary[]; readonly icon: string; readonly tags: TagsByRun }
  | ({ readonly type: 'run'; readonly tags?: Readonly<Record<string, string>>; readonly mark?: RunMark } & RunRef)
  | ({ readonly type: 'section'; readonly section: Section } & RunRef)
  | { readonly type: 'leaf'; readonly parentId: string; readonly item: vscode.TreeItem; readonly children?: readonly RunsNode[] };

/** What the Runs view says while a store is read for longer than {@link SLOW_READ_MS}. */
export const READING_MESSAGE = 'Reading the recorded runs\u2026';
const SLOW_READ_MS = 250;

type Section = 'params' | 'metrics' | 'artifacts' | 'environment' | 'code' | 'output';

const SECTIONS: readonly { section: Section; label: string; icon: string }[] = [
  { section: 'params', label: 'Params', icon: 'symbol-property' },
  { section: 'metrics', label: 'Metrics', icon: 'graph-line' },
  { section: 'artifacts', label: 'Artifacts', icon: 'package' },
  { section: 'environment', label: 'Environment', icon: 'server-environment' },
  { section: 'code', label: 'Code', icon: 'git-commit' },
];

/**
 * What the view shows, read from the open stores in one go after a change: the same node objects for
 * every call until the next change, so VS Code never gets an id twice, and getChildren answers at
 * once (an async getChildren let VS Code's own fetch for a reveal overlap the view's, which then
 * registered the same group twice: "Element with id group:... is already registered").
 */
interface Snapshot {
  readonly roots: readonly RunsNode[];
  /** Folder -> its groups (or runs); group -> its runs. */
  readonly children: ReadonlyMap<RunsNode, readonly RunsNode[]>;
  /** Parents by the child's row id: reveal() may hold a node of an earlier snapshot. */
  readonly parents: ReadonlyMap<string, RunsNode>;
  /** Run nodes by run id (the first folder holding it). */
  readonly runs: ReadonlyMap<string, RunsNode & { type: 'run' }>;
}

/**
 * Runs view: experiment -> runs (newest first) -> Params, Metrics, Artifacts, Environment, Code, Output.
 * It reads the stores {@link WorkspaceStores} opened (it opens none) into a snapshot, made again after
 * each (debounced) change; getChildren only reads.
 */
export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<RunsNode> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<RunsNode | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private filterText = '';
  private groupBy: GroupBy = 'experiment';
  /** Undefined after a change: made again when the view next asks (a hidden view costs nothing). */
  private snapshot: Snapshot | undefined;
  /** Sections per run node, so that asking twice gives the same nodes. */
  private sectionNodes = new WeakMap<RunsNode, readonly RunsNode[]>();

  constructor(private readonly stores: WorkspaceStores, private readonly logger: Logger) {
    super();
    this.register(stores.onDidChange(() => {
      this.updateNoRuns();
      this.invalidate();
    }));
    this.register(stores.onDidStartOpening((opening) => { void this.saySlowRead(opening); }));
    this.register({ dispose: () => clearTimeout(this.ageTimer?.handle) });
  }

  private marks: { mark(folderStore: FolderStore, run: RunSummary, tags: TagsByRun): RunMark | undefined } | undefined;

  /** Baseline and regression marks on run rows (the Explain feature supplies them). */
  setMarks(marks: { mark(folderStore: FolderStore, run: RunSummary, tags: TagsByRun): RunMark | undefined }): void {
    this.marks = marks;
    this.invalidate();
  }

  get filter(): string { return this.filterText; }
  get grouping(): GroupBy { return this.groupBy; }

  setFilter(filter: string): void {
    this.filterText = filter.trim();
    void vscode.commands.executeCommand('setContext', 'exptrack.filtered', this.filterText !== '');
    this.invalidate();
  }

  setGroupBy(groupBy: GroupBy): void {
    this.groupBy = groupBy;
    this.invalidate();
  }

  refresh(): void { this.invalidate(); }

  private invalidate(): void {
    this.snapshot = undefined;
    this.changeEmitter.fire(undefined);
  }

  private order: RunOrder = { by: 'newest' };
  private directions: () => DirectionOverrides = () => ({});

  get runOrder(): RunOrder { return this.order; }

  /** Orders the runs of each group newest first, or by a metric best first (its direction from `directions`). */
  setRunOrder(order: RunOrder, directions: () => DirectionOverrides): void {
    this.order = order;
    this.directions = directions;
    this.invalidate();
  }

  private ordered(runs: RunSummary[]): RunSummary[] {
    return this.order.by === 'metric' ? sortRunsByMetric(runs, this.order.key, this.directions()) : runs;
  }

  /** The tree node of a run, from the tree's data (not the UI) so it can be revealed. */
  findRun(runId: string): RunsNode | undefined {
    return this.current().runs.get(runId);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    try {
      if (!node) return [...this.current().roots];
      switch (node.type) {
        case 'folder': {
          // A folder node of an earlier snapshot (VS Code expanding it before it refreshed) is the same folder.
          const { roots, children } = this.current();
          const same = roots.find((r) => r.type === 'folder' && r.folderStore.folder.uri.toString() === node.folderStore.folder.uri.toString());
          return [...(children.get(node) ?? (same && children.get(same)) ?? [])];
        }
        case 'group': {
          const known = this.current().children.get(node);
          // A group of an earlier snapshot: its own runs, as VS Code shows it until it refreshes.
          return known ? [...known] : node.runs.map((run) => this.runNode(node.folderStore, run, node.tags));
        }
        case 'run': return [...this.sections(node)];
        case 'section': return this.sectionChildren(node);
        case 'leaf': return [...(node.children ?? [])];
        default: return [];
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.logger.error(`Runs view: ${message}`);
      return [{ type: 'leaf', parentId: `error:${node ? this.getTreeItem(node).id : ''}`, item: Object.assign(new vscode.TreeItem(message), { iconPath: new vscode.ThemeIcon('error') }) }];
    }
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.type === 'section') return this.current().runs.get(node.run.id);
    const id = node.type === 'run' || node.type === 'group' ? this.rowId(node) : undefined;
    return id === undefined ? undefined : this.current().parents.get(id);
  }

  /** The snapshot, read from the open stores if a change made it stale. */
  private current(): Snapshot {
    this.snapshot ??= this.read();
    return this.snapshot;
  }

  private read(): Snapshot {
    const children = new Map<RunsNode, readonly RunsNode[]>();
    const parents = new Map<string, RunsNode>();
    const runs = new Map<string, RunsNode & { type: 'run' }>();
    const stores = this.stores.ready;
    const add = (parent: RunsNode | undefined, nodes: readonly RunsNode[]): readonly RunsNode[] => {
      if (parent) children.set(parent, nodes);
      for (const n of nodes) {
        if (parent && (n.type === 'run' || n.type === 'group')) parents.set(this.rowId(n), parent);
        if (n.type === 'run' && !runs.has(n.run.id)) runs.set(n.run.id, n);
        if (n.type === 'group') add(n, n.runs.map((run) => this.runNode(n.folderStore, run, n.tags)));
      }
      return nodes;
    };
    let roots: readonly RunsNode[];
    if (stores.length > 1) {
      roots = stores.map((folderStore): RunsNode => ({ type: 'folder', folderStore }));
      for (const root of roots) add(root, this.groups((root as RunsNode & { type: 'folder' }).folderStore));
    } else {
      roots = stores.length === 1 ? add(undefined, this.groups(stores[0])) : [];
    }
    this.sectionNodes = new WeakMap();
    this.scheduleAgeRefresh([...runs.values()].map((n) => n.run.startedAt));
    return { roots, children, parents, runs };
  }

  private noRuns: boolean | undefined;
  private view: { readonly view: vscode.TreeView<RunsNode>; readonly id: string } | undefined;

  /**
   * The "No runs recorded yet" welcome (context key `exptrack.noRuns`) shows only once the stores
   * were looked for and hold no run: not before the extension has read them, nor when a filter
   * hides every run.
   */
  private updateNoRuns(): void {
    if (!this.stores.settled) return;
    let none = true;
    for (const { store } of this.stores.ready) {
      try {
        if (store.listRuns({ limit: 1 }).length) { none = false; break; }
      } catch { none = false; /* the view shows the store's error */ }
    }
    if (this.noRuns === none) return;
    this.noRuns = none;
    void vscode.commands.executeCommand('setContext', 'exptrack.noRuns', none);
  }

  /** The view this provider fills (`id` as in package.json): it says there when a store takes long to read. */
  attachView(view: vscode.TreeView<RunsNode>, id: string): void {
    this.view = { view, id };
  }

  /**
   * A first read of a big store takes seconds (sql.js loads the whole file): past a moment, the view
   * says it is reading, with its progress bar, instead of staying blank. Quick reads (every refresh
   * of an open store) show nothing, so nothing flickers.
   */
  private async saySlowRead<T>(work: Promise<T>): Promise<T> {
    if (!this.view) return work;
    const { view, id } = this.view;
    const timer = setTimeout(() => {
      view.message = READING_MESSAGE;
      void vscode.window.withProgress({ location: { viewId: id } }, () => work.catch(() => undefined));
    }, SLOW_READ_MS);
    try {
      return await work;
    } finally {
      clearTimeout(timer);
      if (view.message === READING_MESSAGE) view.message = undefined;
    }
  }

  private groups(folderStore: FolderStore): RunsNode[] {
    const filterLeaf = (text: string, icon: string, tooltip: string): RunsNode =>
      ({ type: 'leaf', parentId: `filter:${folderStore.folder.uri}`, item: Object.assign(new vscode.TreeItem(text), { iconPath: new vscode.ThemeIcon(icon), tooltip }) });
    let runs: RunSummary[];
    try {
      runs = folderStore.store.listRuns(this.filterText ? { filter: this.filterText } : undefined);
    } catch (e) {
      // A bad filter says where the problem is; show it in place of the runs.
      const message = e instanceof Error ? e.message : String(e);
      return [filterLeaf(message, 'warning', message)];
    }
    if (!runs.length && this.filterText) return [filterLeaf(`No run matches "${this.filterText}"`, 'filter', 'Clear the filter from the view title bar')];
    const tags: TagsByRun = folderStore.store.tagsByRun();
    if (this.groupBy === 'none') return this.ordered(runs).map((run) => this.runNode(folderStore, run, tags));
    // Git info for every run in one query when grouping by commit (getRun per run is slow at 10k).
    const git = this.groupBy === 'commit' ? folderStore.store.gitByRun() : undefined;
    const groups = new Map<string, RunSummary[]>();
    for (const run of runs) {
      const key = this.groupKey(run, folderStore.store, git);
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(run);
    }
    const icon = this.groupBy === 'commit' ? 'git-commit' : this.groupBy === 'script' ? 'file-code' : 'beaker';
    return [...groups].map(([label, list]) => ({ type: 'group' as const, folderStore, label, runs: this.ordered(list), icon, tags }));
  }

  private groupKey(run: RunSummary, store: Store, gitByRun?: Map<string, GitInfo>): string {
    switch (this.groupBy) {
      case 'script': return scriptLabelOf(run.command);
      case 'commit': {
        const git = gitByRun ? gitByRun.get(run.id) : store.getRun(run.id)?.git;
        return git?.commit ? `${git.commit.slice(0, 8)}${git.dirty ? ' (dirty)' : ''}` : '(no commit)';
      }
      default: return run.experiment;
    }
  }

  private runNode(folderStore: FolderStore, run: RunSummary, tags: TagsByRun): RunsNode & { type: 'run' } {
    return { type: 'run' as const, folderStore, run, tags: tags.get(run.id), mark: this.marks?.mark(folderStore, run, tags) };
  }

  private ageTimer: { handle: ReturnType<typeof setTimeout>; due: number } | undefined;

  /**
   * "just now" must become "1m ago" without a store change: one timer, due when the age label of some
   * run in the view next changes, at least 10 s after the last redraw; runs older than a day set none.
   * It redraws the whole view (the descriptions are made with the time of drawing), as a store change
   * does; the snapshot stays.
   */
  private scheduleAgeRefresh(startedAts: readonly number[]): void {
    const now = Date.now();
    let delay: number | undefined;
    for (const startedAt of startedAts) {
      const d = ageRefreshDelayMs(startedAt, now);
      if (d !== undefined && (delay === undefined || d < delay)) delay = d;
    }
    if (delay === undefined || (this.ageTimer && this.ageTimer.due <= now + delay)) return;
    if (this.ageTimer) clearTimeout(this.ageTimer.handle);
    this.ageTimer = {
      due: now + delay,
      handle: setTimeout(() => {
        this.ageTimer = undefined;
        this.changeEmitter.fire(undefined);
        if (this.snapshot) this.scheduleAgeRefresh([...this.snapshot.runs.values()].map((n) => n.run.startedAt));
      }, delay),
    };
  }

  private sections(node: RunsNode & { type: 'run' }): readonly RunsNode[] {
    let sections = this.sectionNodes.get(node);
    if (!sections) {
      sections = [...SECTIONS.map(({ section }) => section), 'output' as const]
        .map((section) => ({ type: 'section' as const, section, folderStore: node.folderStore, run: node.run }));
      this.sectionNodes.set(node, sections);
    }
    return sections;
  }

  private detail(node: RunRef): RunDetail {
    const detail = node.folderStore.store.getRun(node.run.id);
    if (!detail) throw new Error(`run ${node.run.id} no longer exists`);
    return detail;
  }

  private sectionChildren(node: RunsNode & { type: 'section' }): RunsNode[] {
    const parentId = `${runItemId(node)}/${node.section}`;
    const leaf = (label: string, description?: string, icon?: string, extra: Partial<vscode.TreeItem> = {}): RunsNode => {
      const item = new vscode.TreeItem(label);
      item.description = description;
      if (icon) item.iconPath = new vscode.ThemeIcon(icon);
      Object.assign(item, extra);
      return { type: 'leaf', parentId, item };
    };
    const d = this.detail(node);
    switch (node.section) {
      case 'params': {
        const entries = Object.entries(d.params).sort(([a], [b]) => a.localeCompare(b));
        return entries.length ? entries.map(([k, v]) => leaf(k, formatParam(v), undefined, { tooltip: `${k} = ${v}`, contextValue: 'param' }))
          : [leaf('No params recorded', undefined, 'info')];
      }
      case 'metrics': {
        const entries = Object.entries(d.metrics).sort(([a], [b]) => a.localeCompare(b));
        return entries.length ? entries.map(([k, m]) => {
          const tip = new vscode.MarkdownString();
          tip.appendMarkdown(`**${escapeMd(k)}**\n\n| last | min | max | points | last step |\n|---|---|---|---|---|\n`);
          tip.appendMarkdown(`| ${formatValue(m.last)} | ${formatValue(m.min)} | ${formatValue(m.max)} | ${m.count} | ${m.lastStep} |`);
          return leaf(k, formatValue(m.last), undefined, { tooltip: tip, contextValue: 'metric' });
        }) : [leaf('No metrics recorded', undefined, 'info')];
      }
      case 'artifacts': {
        if (!d.artifacts.length) return [leaf('No artifacts recorded', undefined, 'info')];
        return d.artifacts.map((a) => {
          const abs = path.isAbsolute(a.path) ? a.path : path.join(node.folderStore.folder.uri.fsPath, a.path);
          return leaf(a.path, `${a.role}${a.sha256 ? ` · ${a.sha256.slice(0, 8)}` : ''}${a.size !== null ? ` · ${formatBytes(a.size)}` : ''}`,
            a.role === 'input' ? 'arrow-down' : 'arrow-up', {
              tooltip: `${a.role} ${a.kind}: ${a.path}\nsha256 ${a.sha256 ?? 'unknown'}`,
              resourceUri: vscode.Uri.file(abs),
              contextValue: 'artifact',
              // A run can read and write one path, or write two versions of it: role and hash keep the ids apart.
              id: `${parentId}/${a.role}/${a.sha256 ?? ''}/${a.path}`,
              command: { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(abs)] },
            });
        });
      }
      case 'environment': {
        const rows = environmentRows(d.environment);
        if (!rows.length) return [leaf('No environment recorded', undefined, 'info')];
        return rows.map((row) => {
          if ('value' in row) return leaf(row.key, row.value, undefined, { tooltip: `${row.key}: ${row.value}` });
          // pip freeze's forty lines fold under one row.
          const id = `${parentId}/${row.key}`;
          const children = row.items.map((text, i): RunsNode => ({ type: 'leaf', parentId: id, item: Object.assign(new vscode.TreeItem(text), { id: `${id}/${i}`, tooltip: text }) }));
          return { ...leaf(`${row.key} (${row.items.length})`, undefined, undefined, { collapsibleState: vscode.TreeItemCollapsibleState.Collapsed, id }), children } as RunsNode;
        });
      }
      case 'code': {
        // What the snapshot did not take (credentials, secrets, big or data files), listed in the tooltip.
        const leftOut = leftOutOf(d.tags);
        const leftOutLeaf = leftOut ? [leaf('left out', `${leftOut.count} file${leftOut.count === 1 ? '' : 's'}`, 'shield', {
          tooltip: [...leftOut.files.map((f) => `${f.path}: ${f.reason}`), ...(leftOut.count > leftOut.files.length ? [`… ${leftOut.count - leftOut.files.length} more`] : [])].join('\n'),
        })] : [];
        if (!d.git) return [leaf('Not in a git repository', undefined, 'info'), ...leftOutLeaf];
        return [
          leaf('commit', d.git.commit ? d.git.commit.slice(0, 12) : 'none', 'git-commit', { tooltip: d.git.commit ?? '' }),
          leaf('branch', d.git.branch ?? '(detached)', 'git-branch'),
          leaf('working tree', d.git.dirty ? 'dirty (uncommitted changes in the snapshot)' : 'clean', d.git.dirty ? 'diff-modified' : 'check'),
          ...(d.git.snapshot ? [leaf('snapshot', d.git.snapshot.slice(0, 12), 'archive', { tooltip: `refs/exptrack/runs/${d.id}` })] : []),
          ...leftOutLeaf,
        ];
      }
      default: return [];
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.type) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folderStore.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('root-folder');
        item.id = `folder:${node.folderStore.folder.uri}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
        item.id = this.rowId(node);
        item.contextValue = 'group';
        return item;
      }
      case 'run': return this.runItem(node);
      case 'section': {
        if (node.section === 'output') {
          const item = new vscode.TreeItem('Output', vscode.TreeItemCollapsibleState.None);
          item.iconPath = new vscode.ThemeIcon('output');
          item.id = `${runItemId(node)}/output`;
          item.command = { command: 'exptrack.openOutput', title: 'Open Output', arguments: [node] };
          item.contextValue = 'output';
          return item;
        }
        const s = SECTIONS.find((x) => x.section === node.section)!;
        const item = new vscode.TreeItem(s.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon(s.icon);
        item.id = `${runItemId(node)}/${node.section}`;
        if (node.section === 'metrics') item.description = String(Object.keys(node.run.metrics).length);
        return item;
      }
      case 'leaf': {
        const item = node.item;
        item.id ??= `${node.parentId}/${String(typeof item.label === 'string' ? item.label : item.label?.label)}`;
        return item;
      }
    }
  }

  private rowId(node: RunsNode & { type: 'run' | 'group' }): string {
    return node.type === 'run' ? runItemId(node) : `group:${node.folderStore.folder.uri}#${this.groupBy}:${node.label}`;
  }

  private runItem(node: RunsNode & { type: 'run' }): vscode.TreeItem {
    const run = node.run;
    const item = new vscode.TreeItem(runRowLabel(run.name, node.tags), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = runItemId(node);
    const icon = statusIcon[run.status] ?? statusIcon.finished;
    item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    // Sorted by a metric, the rows show that metric: the order is read from the numbers.
    const sortKey = this.order.by === 'metric' ? this.order.key : undefined;
    const headline = sortKey && run.metrics[sortKey] ? [sortKey, run.metrics[sortKey]] as const : headlineMetric(run.metrics);
    item.description = runRowDescription(headline ? [headline[0], formatValue(headline[1].last)] : undefined, run.startedAt, Date.now(), importedFrom(node.tags));
    item.contextValue = `run.${run.status}`;
    // The mark goes after the headline value and before the age: a narrow sidebar cuts the end.
    const marked = (word: string) => { const parts = String(item.description).split(' · '); parts.splice(Math.max(0, parts.length - 1), 0, word); return parts.join(' · '); };
    if (node.mark?.baseline) {
      item.description = marked('baseline');
      item.contextValue += '.baseline';
    } else if (node.mark?.regression) {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.description = marked('worse than baseline');
      item.contextValue += '.regression';
      item.accessibilityInformation = { label: `${runRowLabel(run.name, node.tags)}, ${node.mark.regression}` };
    }
    return item;
  }

  /** Tooltips are built on hover only: 10,000 markdown tables up front would slow the view down. */
  resolveTreeItem(item: vscode.TreeItem, node: RunsNode): vscode.TreeItem {
    if (node.type === 'run' && !item.tooltip) {
      const tip = this.runTooltip(node.run, node.folderStore.store.getRun(node.run.id));
      if (node.mark?.baseline) tip.appendMarkdown('\n\n$(star-full) The baseline of its experiment: runs that end are checked against it.');
      if (node.mark?.regression) tip.appendMarkdown(`\n\n$(warning) ${escapeMd(node.mark.regression)}`);
      item.tooltip = tip;
    }
    return item;
  }

  private runTooltip(run: RunSummary, detail: RunDetail | undefined): vscode.MarkdownString {
    const icon = statusIcon[run.status] ?? statusIcon.finished;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`$(${icon.icon.replace('~spin', '')}) **${escapeMd(run.name)}** — ${run.status}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}\n\n`);
    tip.appendMarkdown(`\`${escapeCode(run.command)}\`\n\n`);
    tip.appendMarkdown(`Experiment: ${escapeMd(run.experiment)}  \nStarted: ${new Date(run.startedAt).toLocaleString()}`);
    if (run.durationMs !== null) tip.appendMarkdown(`  \nDuration: ${formatDuration(run.durationMs)}`);
    const metrics = Object.entries(run.metrics).slice(0, 8);
    if (metrics.length) {
      tip.appendMarkdown('\n\n| metric | last | min | max |\n|---|---|---|---|\n');
      for (const [k, m] of metrics) tip.appendMarkdown(`| ${escapeMd(k)} | ${formatValue(m.last)} | ${formatValue(m.min)} | ${formatValue(m.max)} |\n`);
    }
    const tags = visibleTags(detail?.tags);
    if (tags.length) tip.appendMarkdown(`\n\nTags: ${tags.map(escapeMd).join(', ')}`);
    const origin = importedFrom(detail?.tags);
    if (origin) tip.appendMarkdown(`\n\nImported ${escapeMd(origin)}: ${escapeMd(detail?.tags['import.location'] ?? '')}`);
    // The note is the user's own markdown; HTML stays off (isTrusted and supportHtml are not set).
    if (detail?.note) tip.appendMarkdown(`\n\n---\n\n${detail.note}`);
    tip.appendMarkdown(`\n\n\`${run.id}\``);
    return tip;
  }
}

/** A run's row id: the folder is part of it (a store copied into another folder holds the same run ids). */
function runItemId(ref: RunRef): string {
  return `run:${ref.folderStore.folder.uri}#${ref.run.id}`;
}

/** Markdown tooltips render run-provided strings: escape them so names can't inject links or HTML. */
export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}

function escapeCode(s: string): string {
  return s.replace(/`/g, "'").slice(0, 300);
}
