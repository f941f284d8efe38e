// Messages between the extension host and the Lineage panel webview, and the state the panel keeps
// through a reload. Imports only the protocol's own validators.
import { arrayOf, isBoolean, isNumber, isRecord, isString, messageGuard, nullable, oneOf, shape, type Check } from './validate';

export type LineageDirectionData = 'up' | 'down' | 'both';

/** A run in the graph. */
export interface LineageRunData {
  readonly type: 'run';
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  readonly status: 'running' | 'finished' | 'failed' | 'killed' | 'interrupted';
  readonly startedAt: number;
  /** The entry script (as the command names it), when there is one to open. */
  readonly script: string | null;
  /** Set when an earlier run had the same command, code, params and inputs. */
  readonly duplicateOf: { readonly id: string; readonly name: string } | null;
}

/** An artifact version in the graph. */
export interface LineageArtifactData {
  readonly type: 'artifact';
  readonly id: string;
  readonly path: string;
  readonly sha256: string;
  readonly kind: 'dataset' | 'model' | 'file';
  readonly size: number | null;
  readonly createdAt: number;
  readonly version: number;
  readonly versions: number;
}

export type LineageNodeData = LineageRunData | LineageArtifactData;

export interface LineageEdgeData {
  readonly from: string;
  readonly to: string;
  readonly type: 'input' | 'output';
}

/** What the panel shows lineage around. */
export type LineageTarget =
  | { readonly type: 'run'; readonly runId: string }
  | { readonly type: 'path'; readonly path: string }
  | { readonly type: 'version'; readonly path: string; readonly sha256: string };

export interface LineageQueryData {
  readonly direction: LineageDirectionData;
  /** null = no limit. */
  readonly hops: number | null;
}

/** The one snapshot the host sends after `ready` and again whenever the graph changes. */
export interface LineageGraphMessage {
  readonly type: 'graph';
  readonly target: LineageTarget;
  /** A short description of the target for the toolbar ("run train-3", "data/train.csv, 2 versions"). */
  readonly title: string;
  readonly query: LineageQueryData;
  readonly nodes: readonly LineageNodeData[];
  readonly edges: readonly LineageEdgeData[];
  readonly roots: readonly string[];
  readonly truncated: boolean;
}

/** Nothing recorded for the target (deleted run, path never seen). */
export interface LineageEmptyMessage {
  readonly type: 'empty';
  readonly target: LineageTarget;
  readonly message: string;
}

export type ToLineageWebviewMessage = LineageGraphMessage | LineageEmptyMessage;

export interface LineageReadyMessage { readonly type: 'ready' }
/** Reveal the run in the Runs tree (and offer to compare it with the target run). */
export interface LineageOpenRunMessage { readonly type: 'openRun'; readonly runId: string }
export interface LineageCompareRunsMessage { readonly type: 'compareRuns'; readonly runIds: readonly string[] }
/** Open the artifact's file; the host says when it changed or vanished since this version. */
export interface LineageOpenArtifactMessage { readonly type: 'openArtifact'; readonly path: string; readonly sha256: string }
/** Open the run's entry script as it was when the run started. */
export interface LineageOpenScriptMessage { readonly type: 'openScript'; readonly runId: string }
/** Change direction or hop limit; the host answers with a new `graph`. */
export interface LineageSetQueryMessage { readonly type: 'setQuery'; readonly query: LineageQueryData }
/** Re-centre the panel on a node (double-click). */
export interface LineageRetargetMessage { readonly type: 'retarget'; readonly target: LineageTarget }

export type FromLineageWebviewMessage =
  | LineageReadyMessage | LineageOpenRunMessage | LineageCompareRunsMessage | LineageOpenArtifactMessage
  | LineageOpenScriptMessage | LineageSetQueryMessage | LineageRetargetMessage;

/** Pan and zoom of the graph: screen = graph * k + (x, y). */
export interface LineageViewport { readonly x: number; readonly y: number; readonly k: number }

/** What the webview keeps with setState and the host's serializer reads back. */
export interface LineageViewState {
  readonly panel: 'lineage';
  readonly target: LineageTarget | null;
  readonly query: LineageQueryData;
  readonly viewport: LineageViewport | null;
  readonly selected: string | null;
}

const isDirection = oneOf('up', 'down', 'both');
const isRunStatus = oneOf('running', 'finished', 'failed', 'killed', 'interrupted');
const isKind = oneOf('dataset', 'model', 'file');

export const isLineageTarget: Check = (v) => isRecord(v) && (
  (v.type === 'run' && isString(v.runId))
  || (v.type === 'path' && isString(v.path))
  || (v.type === 'version' && isString(v.path) && isString(v.sha256)));

const isHops: Check = (v) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1000);
export const isLineageQuery = shape({ direction: isDirection, hops: isHops });

const isRunNode = shape({
  type: oneOf('run'), id: isString, name: isString, experiment: isString, status: isRunStatus, startedAt: isNumber,
  script: nullable(isString), duplicateOf: nullable(shape({ id: isString, name: isString })),
});
const isArtifactNode = shape({
  type: oneOf('artifact'), id: isString, path: isString, sha256: isString, kind: isKind, size: nullable(isNumber),
  createdAt: isNumber, version: isNumber, versions: isNumber,
});
const isNode: Check = (v) => isRunNode(v) || isArtifactNode(v);
const isEdge = shape({ from: isString, to: isString, type: oneOf('input', 'output') });

const toChecks: Readonly<Record<ToLineageWebviewMessage['type'], Check>> = {
  graph: shape({
    target: isLineageTarget, title: isString, query: isLineageQuery, nodes: arrayOf(isNode), edges: arrayOf(isEdge),
    roots: arrayOf(isString), truncated: isBoolean,
  }),
  empty: shape({ target: isLineageTarget, message: isString }),
};

const fromChecks: Readonly<Record<FromLineageWebviewMessage['type'], Check>> = {
  ready: () => true,
  openRun: shape({ runId: isString }),
  compareRuns: (v) => isRecord(v) && arrayOf(isString)(v.runIds) && (v.runIds as unknown[]).length >= 2 && (v.runIds as unknown[]).length <= 50,
  openArtifact: shape({ path: isString, sha256: isString }),
  openScript: shape({ runId: isString }),
  setQuery: shape({ query: isLineageQuery }),
  retarget: shape({ target: isLineageTarget }),
};

export const isToLineageWebviewMessage = messageGuard<ToLineageWebviewMessage>(toChecks);

export const isFromLineageWebviewMessage = messageGuard<FromLineageWebviewMessage>(fromChecks);

export const defaultLineageQuery: LineageQueryData = { direction: 'both', hops: null };

/** Reads persisted state defensively: state from an older version must never break the panel. */
export function readLineageViewState(raw: unknown): LineageViewState {
  const r = isRecord(raw) ? raw : {};
  const vp = isRecord(r.viewport) ? r.viewport : undefined;
  const viewport = vp && [vp.x, vp.y, vp.k].every((n) => typeof n === 'number' && Number.isFinite(n)) && (vp.k as number) > 0
    ? { x: vp.x as number, y: vp.y as number, k: vp.k as number } : null;
  return {
    panel: 'lineage',
    target: isLineageTarget(r.target) ? r.target as LineageTarget : null,
    query: isLineageQuery(r.query) ? r.query as LineageQueryData : defaultLineageQuery,
    viewport,
    selected: typeof r.selected === 'string' ? r.selected : null,
  };
}
