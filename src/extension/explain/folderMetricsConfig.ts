import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { directionOverrides, type DirectionOverrides } from '../../core/metrics/metricDirection';
import { readMetricsConfig, type MetricsConfig } from '../../core/metrics/metricsConfig';
import type { Logger } from '../logger';

/**
 * A folder's metrics config (`.exptrack/config.json`: directions, tolerances) with the
 * `exptrack.metrics.directions` setting over it, read again only when the file changes. A broken
 * file is said once (log and a warning) and the defaults used.
 */
export class FolderMetricsConfig {
  private readonly cache = new Map<string, { stamp: string; config: MetricsConfig }>();
  private readonly warned = new Set<string>();

  constructor(private readonly logger: Logger) {}

  get(exptrackDir: string, folder?: vscode.Uri): { config: MetricsConfig; overrides: DirectionOverrides } {
    const file = path.join(exptrackDir, 'config.json');
    let stamp = 'none';
    try { const st = fs.statSync(file); stamp = `${st.mtimeMs}:${st.size}`; } catch { /* no file: defaults */ }
    let entry = this.cache.get(exptrackDir);
    if (!entry || entry.stamp !== stamp) {
      const { config, problems } = readMetricsConfig(exptrackDir);
      const said = problems.join('\n');
      if (said && !this.warned.has(`${file}\n${said}`)) {
        this.warned.add(`${file}\n${said}`);
        this.logger.warn(said);
        void vscode.window.showWarningMessage(`Experiments: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more, see the log)` : ''}`);
      }
      entry = { stamp, config };
      this.cache.set(exptrackDir, entry);
    }
    const setting = directionOverrides(vscode.workspace.getConfiguration('exptrack.metrics', folder).get('directions')).directions;
    return { config: entry.config, overrides: setting };
  }
}
