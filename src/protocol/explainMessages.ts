// Messages between the extension host and the Explain panel webview, and the report they carry: what
// differs between a run and its baseline, ranked (src/core/explain/explainRun.ts builds it).
import type { MetricDirection, ParamValueData } from './panelData';
import { arrayOf, isRecord, isString, messageGuard, nullable, oneOf, shape, type Check } from './validate';

/** The tag marking an experiment's baseline run (written by src/core/explain/baseline.ts, which names it too). */
export const EXPERIMENT_BASELINE_TAG = 'exptrack.baseline';

export interface ExplainRunRefData { readonly id: string; readonly name: string; readonly experiment: string }
export interface ArtifactVersionData { readonly sha256: string | null; readonly size: number | null }
export interface ValueChangeData { readonly key: string; readonly baseline: string | null; readonly run: string | null }

interface ItemBaseData { readonly score: number; readonly evidence: string; readonly title: string }

export type ExplainItemData =
  | (ItemBaseData & {
    readonly kind: 'data';
    readonly input: { readonly path: string; readonly change: 'changed' | 'added' | 'removed'; readonly baseline: ArtifactVersionData | null; readonly run: ArtifactVersionData | null };
  })
  | (ItemBaseData & {
    readonly kind: 'param';
    readonly param: { readonly key: string; readonly baseline?: ParamValueData; readonly run?: ParamValueData };
    readonly sweep: { readonly method: string; readonly rho: number; readonly runs: number } | null;
  })
  | (ItemBaseData & {
    readonly kind: 'code';
    readonly code: {
      readonly source: 'git' | 'stored';
      readonly files: readonly { readonly path: string; readonly status: string; readonly added: number; readonly removed: number; readonly hunks: readonly string[]; readonly truncated: boolean }[];
    };
  })
  | (ItemBaseData & {
    readonly kind: 'environment';
    readonly environment: {
      readonly python: ValueChangeData | null;
      readonly packages: readonly { readonly name: string; readonly change: string; readonly baseline: string | null; readonly run: string | null }[];
      readonly gpus: ValueChangeData | null;
      readonly variables: readonly ValueChangeData[];
      readonly machine: readonly ValueChangeData[];
    };
  })
  | (ItemBaseData & {
    readonly kind: 'command';
    readonly command: { readonly baseline: string; readonly run: string; readonly launcher: { readonly baseline: string; readonly run: string } | null };
  });

export interface CurvePartData {
  readonly key: string;
  readonly direction: MetricDirection | null;
  readonly divergence: { readonly step: number; readonly value: number; readonly baselineValue: number; readonly band: number; readonly side: string } | null;
}

export interface ExplainReportData {
  readonly run: ExplainRunRefData;
  readonly baseline: ExplainRunRefData;
  readonly metric: string | null;
  readonly metricDirection: MetricDirection | null;
  readonly regressions: readonly string[];
  readonly metricValues: { readonly run: number | null; readonly baseline: number | null };
  readonly items: readonly ExplainItemData[];
  readonly curves: readonly CurvePartData[];
  readonly codeUnavailable: string | null;
  readonly method: string;
}

/** Where a metric's direction comes from: its name, or an override (config.json or the setting). */
export type DirectionSource = 'name' | 'override' | 'unknown';

export interface ExplainReportMessage {
  readonly type: 'report';
  readonly report: ExplainReportData;
  /** Each compared metric's direction and where it comes from, for the panel's direction control. */
  readonly directions: readonly { readonly key: string; readonly direction: MetricDirection | null; readonly source: DirectionSource }[];
}
export interface ExplainComputingMessage { readonly type: 'computing'; readonly runName: string; readonly baselineName: string }
export interface ExplainErrorMessage { readonly type: 'error'; readonly message: string }

export type ToExplainWebviewMessage = ExplainReportMessage | ExplainComputingMessage | ExplainErrorMessage;

export interface ExplainReadyMessage { readonly type: 'ready' }
/** Open an input file of the run (the file on disk now) or its versions in the Lineage panel. */
export interface OpenInputMessage { readonly type: 'openInput'; readonly path: string; readonly lineage: boolean }
/** The file as it was in the baseline's snapshot against the run's, in VS Code's diff editor. */
export interface OpenCodeDiffMessage { readonly type: 'openCodeDiff'; readonly path: string }
/** The run and its baseline in the Compare panel. */
export interface OpenCompareMessage { readonly type: 'openCompare' }
export interface OpenRunPanelMessage { readonly type: 'openRun'; readonly runId: string }
/** Set (or with null, remove) a metric's direction in .exptrack/config.json. */
export interface SetDirectionMessage { readonly type: 'setDirection'; readonly key: string; readonly direction: MetricDirection | null }

export type FromExplainWebviewMessage =
  | ExplainReadyMessage | OpenInputMessage | OpenCodeDiffMessage | OpenCompareMessage | OpenRunPanelMessage | SetDirectionMessage;

const isRunRef = shape({ id: isString, name: isString, experiment: isString });
const isItem: Check = (v) => isRecord(v) && oneOf('data', 'param', 'code', 'environment', 'command')(v.kind)
  && typeof v.score === 'number' && isString(v.title) && isString(v.evidence);
const isCurve = shape({ key: isString, direction: nullable(oneOf('lower', 'higher')), divergence: nullable(isRecord) });
const isReport = shape({
  run: isRunRef, baseline: isRunRef, metric: nullable(isString), metricDirection: nullable(oneOf('lower', 'higher')),
  regressions: arrayOf(isString), metricValues: isRecord, items: arrayOf(isItem), curves: arrayOf(isCurve),
  codeUnavailable: nullable(isString), method: isString,
});
const isDirectionRow = shape({ key: isString, direction: nullable(oneOf('lower', 'higher')), source: oneOf('name', 'override', 'unknown') });

const toExplainChecks: Readonly<Record<ToExplainWebviewMessage['type'], Check>> = {
  report: shape({ report: isReport, directions: arrayOf(isDirectionRow) }),
  computing: shape({ runName: isString, baselineName: isString }),
  error: shape({ message: isString }),
};

const fromExplainChecks: Readonly<Record<FromExplainWebviewMessage['type'], Check>> = {
  ready: isRecord,
  openInput: shape({ path: isString, lineage: (v) => typeof v === 'boolean' }),
  openCodeDiff: shape({ path: isString }),
  openCompare: isRecord,
  openRun: shape({ runId: isString }),
  setDirection: shape({ key: isString, direction: nullable(oneOf('lower', 'higher')) }),
};

export const isToExplainWebviewMessage = messageGuard<ToExplainWebviewMessage>(toExplainChecks);

export const isFromExplainWebviewMessage = messageGuard<FromExplainWebviewMessage>(fromExplainChecks);

/** What the Explain panel keeps through a reload. */
export interface ExplainViewState {
  readonly panel: 'explain';
  readonly runId: string;
  readonly baselineId: string | null;
}

export function readExplainViewState(v: unknown): ExplainViewState | undefined {
  if (!isRecord(v) || v.panel !== 'explain' || typeof v.runId !== 'string') return undefined;
  return { panel: 'explain', runId: v.runId, baselineId: typeof v.baselineId === 'string' ? v.baselineId : null };
}
