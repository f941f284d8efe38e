import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunDetail } from '../../../src/core/model';
import { downsampleMinMax, type Series } from '../../../src/core/store/downsample';
import type { PanelDataSource } from '../../../src/extension/panels/panelContext';

type Listener = (e: { runs: string[] }) => void;

/** Loads a fixture snapshot (RunDetail[] with series; null values stand for NaN). */
export function loadSnapshot(name: string): RunDetail[] {
  const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'snapshots', name);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunDetail[];
}

/**
 * The panels' data source over in-memory runs, downsampling with the store's own min/max function, so
 * tests and the benchmark exercise the same pipeline as the Store without a database.
 */
export class FixtureDataSource implements PanelDataSource {
  private readonly runs = new Map<string, RunDetail>();
  private readonly columns = new Map<string, Series>();
  private readonly listeners = new Set<Listener>();
  readonly seriesCalls: { runId: string; key: string; fromStep?: number; toStep?: number }[] = [];
  /** Code kept outside git, per run (path -> content). */
  readonly codeFiles = new Map<string, Record<string, string>>();

  constructor(runs: readonly RunDetail[]) {
    for (const r of runs) this.put(r);
  }

  put(run: RunDetail): void {
    const { series, ...rest } = run;
    this.runs.set(run.id, rest as RunDetail);
    for (const [key, pts] of Object.entries(series ?? {})) {
      const n = pts.length;
      const c = { steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) };
      pts.forEach((p, i) => { c.steps[i] = p[0]; c.values[i] = p[1] ?? NaN; c.times[i] = p[2]; });
      this.columns.set(`${run.id}\0${key}`, c);
    }
  }

  /** Sets columns directly (the benchmark's 100k-point series). */
  putColumns(runId: string, key: string, c: Series): void {
    this.columns.set(`${runId}\0${key}`, c);
  }

  getRun(id: string): RunDetail | undefined {
    return this.runs.get(id);
  }

  series(runId: string, key: string, o: { maxPoints?: number; fromStep?: number; toStep?: number } = {}): Series {
    this.seriesCalls.push({ runId, key, fromStep: o.fromStep, toStep: o.toStep });
    const c = this.columns.get(`${runId}\0${key}`);
    if (!c) return { steps: new Float64Array(0), values: new Float64Array(0), times: new Float64Array(0) };
    let s = c;
    if (o.fromStep !== undefined || o.toStep !== undefined) {
      const lo = lowerBound(c.steps, o.fromStep ?? -Infinity);
      const hi = upperBound(c.steps, o.toStep ?? Infinity);
      s = { steps: c.steps.subarray(lo, hi), values: c.values.subarray(lo, hi), times: c.times.subarray(lo, hi) };
    }
    const d = o.maxPoints ? downsampleMinMax(s, o.maxPoints) : s;
    // Typed-array views would drag their whole buffer across; copy to exact size like the Store does.
    return { steps: d.steps.slice(), values: d.values.slice(), times: d.times.slice() };
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The runs of an experiment; its baseline is the run tagged `exptrack.baseline` = 1 (the store's contract). */
  experimentRuns(_runId: string, experiment: string): { runs: RunDetail[]; baselineRunId: string | undefined } {
    const runs = [...this.runs.values()].filter((r) => r.experiment === experiment);
    return { runs, baselineRunId: runs.find((r) => r.tags['exptrack.baseline'] === '1')?.id };
  }

  getCodeFiles(runId: string): Record<string, string> | undefined {
    return this.codeFiles.get(runId);
  }

  fire(runs: string[]): void {
    for (const l of this.listeners) l({ runs });
  }

  outputTail(runId: string): string | undefined {
    // As a terminal capture recorded it before OSC 633 was left out: a shell-integration mark, colours, a tqdm redraw.
    return this.runs.has(runId)
      ? `\x1b]633;C\x07epoch 1 loss=2.31\nepoch 2 \x1b[32mloss=1.02\x1b[0m\n 50%|#####     | 1/2\r100%|##########| 2/2\n<b>not bold</b> done for ${runId}`
      : undefined;
  }
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0; let hi = a.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m] < x) lo = m + 1; else hi = m; }
  return lo;
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0; let hi = a.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m] <= x) lo = m + 1; else hi = m; }
  return lo;
}
