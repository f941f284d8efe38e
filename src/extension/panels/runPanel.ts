import * as path from 'node:path';
import type * as vscode from 'vscode';
import {
  isFromRunWebviewMessage, type FromRunWebviewMessage, type ToRunWebviewMessage,
} from '../../protocol/runMessages';
import type { PanelContext } from './panelContext';
import { panelPayloads, touchesRuns, unsubscribe } from './panelContext';
import { type PanelPayloads, pointBudget } from '../../core/display/panelPayloads';
import { initPanelWebview } from './panelWebview';
import { WebviewConnection } from './webviewConnection';
import { LiveThrottle } from './liveThrottle';
import { trendData } from './trendPayload';
import type { TrendData } from '../../protocol/panelData';

/** A live run's trend (every run of its experiment) is read again at most this often. */
const TREND_INTERVAL_MS = 5000;

/** Updates a live run's panel at most this often (4 per second). */
export const runPanelUpdateIntervalMs = 250;

/** Host side of the Run panel: one run, live while it records. */
export class RunPanel {
  static readonly viewType = 'exptrack.run';

  private readonly connection: WebviewConnection<ToRunWebviewMessage, FromRunWebviewMessage>;
  private readonly payloads: PanelPayloads;
  private readonly live: LiveThrottle;
  private readonly subscriptions: { dispose(): void }[] = [];
  private disposed = false;
  private budget = 2000;

  constructor(
    private readonly ctx: PanelContext,
    readonly panel: vscode.WebviewPanel,
    readonly runId: string,
    private readonly onDispose: () => void,
  ) {
    this.payloads = panelPayloads(ctx);
    const run = ctx.data.getRun(runId);
    panel.title = `Run: ${run?.name ?? runId}`;
    initPanelWebview(ctx, panel.webview, 'run', 'Run');
    this.connection = new WebviewConnection(panel, isFromRunWebviewMessage, {
      onReady: (m) => {
        this.budget = pointBudget(m.type === 'ready' ? m.pointBudget : undefined);
        this.send('init');
      },
      onMessage: (m) => this.onMessage(m),
    }, ctx.log);
    this.live = new LiveThrottle(runPanelUpdateIntervalMs, () => this.send('runUpdated'));
    const sub = ctx.data.onDidChange((e) => {
      if (touchesRuns(e, [runId]).length) this.live.trigger();
    });
    this.subscriptions.push({ dispose: () => unsubscribe(sub) }, this.connection, this.live);
    this.subscriptions.push(panel.onDidDispose(() => this.dispose()));
  }

  private sending = false;
  /** A send asked for while one was being built: done after it (an init wins over an update). */
  private resend: 'init' | 'runUpdated' | undefined;

  /** One send at a time, in order: a later one never overtakes an earlier one still being built. */
  private send(type: 'init' | 'runUpdated'): void {
    if (this.sending) { this.resend = this.resend === 'init' ? 'init' : type; return; }
    this.sending = true;
    this.build(type).catch((e) => this.ctx.log(`run panel ${this.runId}: ${e instanceof Error ? e.message : String(e)}`)).finally(() => {
      this.sending = false;
      const again = this.resend;
      this.resend = undefined;
      if (again && !this.disposed) this.send(again);
    });
  }

  private async build(type: 'init' | 'runUpdated'): Promise<void> {
    if (!this.connection.isReady) return;
    const run = this.ctx.data.getRun(this.runId);
    if (!run) {
      this.connection.post({ type: 'runGone', runId: this.runId });
      return;
    }
    this.panel.title = `Run: ${run.name}`;
    const directions = this.payloads.directionsFor([run]);
    // Series read with turns of the event loop between them: a run of many metrics, or the first
    // send of a panel (cold code), must not hold the extension host for 100 ms at once.
    const series = await this.payloads.overviewSeriesOf([run], this.budget);
    if (this.disposed || !this.connection.isReady) return;
    const data = this.payloads.runDetailData(run, series, directions);
    this.connection.post({ type, run: data, directions, series, trend: this.trend(type === 'init', run) });
  }

  private lastTrend: { at: number; data: TrendData | null } | undefined;

  private trend(fresh: boolean, run: Parameters<typeof trendData>[0]): TrendData | null {
    const now = Date.now();
    if (!fresh && this.lastTrend && now - this.lastTrend.at < TREND_INTERVAL_MS) return this.lastTrend.data;
    let data: TrendData | null = null;
    try {
      const found = this.ctx.data.experimentRuns?.(run.id, run.experiment);
      if (found) data = trendData(run, found.runs, found.baselineRunId, this.ctx.metricDirections?.() ?? {});
    } catch (e) {
      this.ctx.log(`trend of ${run.experiment}: ${e instanceof Error ? e.message : e}`);
    }
    this.lastTrend = { at: now, data };
    return data;
  }

  private async onMessage(m: FromRunWebviewMessage): Promise<void> {
    const { vscode: v } = this.ctx;
    switch (m.type) {
      case 'fetchRange': {
        const ranges = m.ranges.filter((r) => r.runId === this.runId);
        this.connection.post({ type: 'seriesRange', requestId: m.requestId, key: m.key, series: this.payloads.rangeSeries(m.key, ranges, this.budget) });
        return;
      }
      case 'revealArtifact': {
        const run = this.ctx.data.getRun(this.runId);
        if (!run || !run.artifacts.some((a) => a.path === m.path)) return;
        const file = path.isAbsolute(m.path) ? m.path : path.join(run.cwd, m.path);
        const uri = v.Uri.file(file);
        try {
          const stat = await v.workspace.fs.stat(uri);
          // Directories (datasets) go to the explorer; files open in an editor.
          await v.commands.executeCommand(stat.type & 2 ? 'revealInExplorer' : 'vscode.open', uri);
        } catch {
          void v.window.showWarningMessage(`${m.path} is no longer on disk.`);
        }
        return;
      }
      case 'copyText':
        await v.env.clipboard.writeText(m.text);
        v.window.setStatusBarMessage(`Copied ${m.what.slice(0, 60)}`, 2500);
        return;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    this.onDispose();
  }
}
