import * as vscode from 'vscode';
import { formatValue } from '../protocol/format';
import { headlineMetric } from '../core/metrics/headlineMetric';
import { Disposable } from './lifecycle';
import type { RunRef } from './trees/runsTree';
import type { WorkspaceStores } from './workspaceStores';

const MIN_INTERVAL_MS = 500; // at most twice a second, however fast metrics arrive

/** Live runs in the status bar (step and headline metric); a click opens the run. */
export class LiveRunsStatus extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('exptrack.liveRuns', vscode.StatusBarAlignment.Left, 50));
  private timer: NodeJS.Timeout | undefined;
  private lastUpdate = 0;
  private live: RunRef[] = [];

  constructor(private readonly stores: WorkspaceStores) {
    super();
    this.item.name = 'Experiments: Live Runs';
    this.register(stores.onDidChange(() => this.schedule()));
    this.register({ dispose: () => clearTimeout(this.timer) });
    this.schedule();
  }

  /** Live runs as last shown (used by the click command). */
  get runs(): readonly RunRef[] { return this.live; }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastUpdate + MIN_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => { this.timer = undefined; this.lastUpdate = Date.now(); void this.update(); }, wait);
  }

  private async update(): Promise<void> {
    const live: RunRef[] = [];
    for (const folderStore of await this.stores.openStores()) {
      try {
        for (const run of folderStore.store.listRuns({ filter: 'status = running', limit: 50 })) live.push({ folderStore, run });
      } catch { /* the Runs view reports store errors */ }
    }
    this.live = live;
    if (!live.length) { this.item.hide(); return; }
    const first = live[0].run;
    const headline = headlineMetric(first.metrics);
    const step = Math.max(-1, ...Object.values(first.metrics).map((m) => m.lastStep));
    const parts = [first.name, step >= 0 ? `step ${step}` : '', headline ? `${headline[0]} ${formatValue(headline[1].last)}` : ''].filter(Boolean);
    this.item.text = `$(loading~spin) ${parts.join(' · ')}${live.length > 1 ? ` (+${live.length - 1})` : ''}`;
    const tip = new vscode.MarkdownString();
    for (const { run } of live) {
      const h = headlineMetric(run.metrics);
      tip.appendText(`${run.name} — ${run.command}${h ? `\n${h[0]} = ${formatValue(h[1].last)}` : ''}\n\n`);
    }
    this.item.tooltip = tip;
    this.item.command = { command: 'exptrack.showLiveRun', title: 'Show Live Run' };
    this.item.show();
  }
}

/** The status-bar toggle that pauses and resumes capture; its state survives reloads. */
export class CaptureToggle extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('exptrack.capture', vscode.StatusBarAlignment.Left, 49));
  private readonly changeEmitter = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly state: vscode.Memento) {
    super();
    this.item.name = 'Experiments: Capture';
    this.item.command = 'exptrack.toggleCapture';
    this.render();
    this.item.show();
  }

  get enabled(): boolean { return !this.state.get<boolean>('exptrack.capturePaused', false); }

  async toggle(): Promise<void> {
    await this.state.update('exptrack.capturePaused', this.enabled);
    this.render();
    this.changeEmitter.fire(this.enabled);
  }

  private render(): void {
    const on = this.enabled;
    void vscode.commands.executeCommand('setContext', 'exptrack.capturePaused', !on);
    this.item.text = on ? '$(record) Capture' : '$(debug-pause) Capture paused';
    this.item.tooltip = on
      ? 'Experiments: training commands in terminals and tasks are recorded. Click to pause.'
      : 'Experiments: capture is paused; nothing new is recorded. Click to resume.';
    this.item.backgroundColor = on ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
  }
}

const HASH_SHOW_MIN_BYTES = 32 * 1024 * 1024; // smaller files hash in well under a second: no flicker

/** Progress of large artifact files being hashed after (or while) a run goes. */
export class HashProgressStatus extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('exptrack.hashing', vscode.StatusBarAlignment.Left, 48));
  private readonly active = new Map<string, { done: number; total: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    super();
    this.item.name = 'Experiments: Hashing Artifacts';
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  /** Called for every chunk read: cheap, the rendering is throttled to 4 a second. */
  report(p: { path: string; bytesDone: number; bytesTotal: number }): void {
    if (p.bytesTotal < HASH_SHOW_MIN_BYTES) return;
    if (p.bytesDone >= p.bytesTotal) this.active.delete(p.path);
    else this.active.set(p.path, { done: p.bytesDone, total: p.bytesTotal });
    this.timer ??= setTimeout(() => { this.timer = undefined; this.render(); }, 250);
  }

  private render(): void {
    if (!this.active.size) { this.item.hide(); return; }
    let done = 0;
    let total = 0;
    for (const a of this.active.values()) { done += a.done; total += a.total; }
    const [first] = this.active.keys();
    const name = first.split('/').pop() ?? first;
    this.item.text = `$(sync~spin) Hashing ${name}${this.active.size > 1 ? ` (+${this.active.size - 1})` : ''} ${Math.floor((done / total) * 100)}%`;
    this.item.tooltip = `Experiments: computing content hashes (sha256) so each version of these files is recorded:\n${[...this.active.keys()].join('\n')}`;
    this.item.show();
  }
}
