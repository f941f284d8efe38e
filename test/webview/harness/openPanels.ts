import type { RunDetail } from '../../../src/core/model';
import { PanelManager } from '../../../src/extension/panels/panelManager';
import { FixtureDataSource } from './fixtureDataSource';
import { FakeWorkbench, type FakeWebviewPanel } from './fakeWorkbench';
import type { PanelBrowser, PageWithLog } from './panelBrowser';
import type { ThemeKind } from './themes';

export interface OpenedPanel {
  readonly wb: FakeWorkbench;
  readonly data: FixtureDataSource;
  readonly manager: PanelManager;
  readonly panel: FakeWebviewPanel;
  readonly page: PageWithLog;
}

/** Waits until the webview has drawn its charts after the latest init. */
export async function waitForCharts(page: PageWithLog, count?: number): Promise<void> {
  await page.waitForFunction((n) => {
    const drawn = document.body.dataset.chartsDrawn;
    return drawn !== undefined && (n === undefined || Number(drawn) === n);
  }, count, { polling: 'raf', timeout: 30000 });
}

/** The real host classes (PanelManager) against a fake workbench whose webviews are Chromium pages. */
export async function openPanel(
  browser: PanelBrowser, kind: 'compare' | 'run', runs: readonly RunDetail[], theme: ThemeKind = 'dark', ids?: string[],
): Promise<OpenedPanel> {
  const wb = new FakeWorkbench(browser, theme);
  const data = new FixtureDataSource(runs);
  const manager = new PanelManager(wb.context(data));
  if (kind === 'compare') manager.showCompare(ids ?? runs.map((r) => r.id));
  else manager.showRun(ids?.[0] ?? runs[0].id);
  const panel = wb.lastPanel;
  const page = (await panel.webview.loaded!) as PageWithLog;
  await waitForCharts(page);
  await panel.webview.flushed();
  return { wb, data, manager, panel, page };
}

/** Polls `condition` (host-side effects arrive after a binding round trip) for up to `ms`. */
export async function until(condition: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
