import { MetricBatch, pointsOf } from '../metrics/metricBatch';
import type { ArtifactRecord, GitInfo, MetricPoint, ParamValue, RecordSink, RunEnd, RunStart } from '../model';
import { encodeFloats, encodeParam, type EncodedParam, type JournalRecord } from './journalRecord';

/** Bounds the work of one fold transaction (see the store's batching). */
const maxPointsPerRecord = 1000;
const statuses = new Set(['running', 'finished', 'failed', 'killed', 'interrupted']);

/**
 * A {@link RecordSink} that turns each call into one journal line (metric calls also hand over the
 * points as a typed array, so this process can fold them without parsing its own line back). It never throws: malformed input
 * is reported (once per kind of problem) and the usable part is kept.
 */
export function createJournalSink(append: (line: string, inMemory?: JournalRecord) => void, report: (problem: string) => void): RecordSink {
  const reported = new Set<string>();
  const problem = (kind: string, message: string): void => {
    if (reported.has(kind)) return;
    reported.add(kind);
    report(message);
  };
  const write = (rec: JournalRecord): void => {
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch (e) {
      problem(`json-${rec.t}`, `could not record ${rec.t} data: ${(e as Error).message}`);
      return;
    }
    append(line);
  };
  const validRun = (runId: unknown, what: string): runId is string => {
    if (typeof runId === 'string' && runId.length > 0) return true;
    problem(`runid-${what}`, `ignored ${what} for an invalid run id (${String(runId)})`);
    return false;
  };
  const safe = (what: string, f: () => void): void => {
    try { f(); } catch (e) { problem(`throw-${what}`, `could not record ${what}: ${(e as Error).message}`); }
  };
  /** One metric record: `keys` and four numbers per point in `f` (key index, step, value, time). */
  const appendMetrics = (runId: string, keys: readonly string[], f: Float64Array): void => {
    // Assembled by hand: JSON.stringify would scan the long base64 text for characters to escape
    // (it has none). Run id and keys are escaped to ASCII so the whole line is one byte per char.
    const line = `{"t":"m","r":${asciiJson(runId)},"k":${asciiJson(keys)},"b":"${encodeFloats(f)}"}`;
    append(line, { t: 'm', r: runId, k: [...keys], f });
  };
  const metricRecord = (runId: string, points: readonly MetricPoint[], from: number, to: number): void => {
    const batch = new MetricBatch(to - from, () => undefined);
    let skipped = 0;
    const now = Date.now();
    for (let i = from; i < to; i++) {
      const pt = points[i];
      if (!pt || typeof pt.key !== 'string' || pt.key === '' || typeof pt.step !== 'number' || !Number.isFinite(pt.step) || typeof pt.value !== 'number') {
        skipped++;
        continue;
      }
      batch.add(pt.key, pt.step, pt.value, typeof pt.time === 'number' && Number.isFinite(pt.time) ? pt.time : now);
    }
    if (skipped) problem('bad-point', `skipped ${skipped} metric point(s) without a key, a finite step or a numeric value (further ones are skipped silently)`);
    if (!batch.length) return;
    const { keys, f } = batch.drain();
    appendMetrics(runId, keys, f);
  };
  return {
    startRun(run: RunStart): void {
      safe('run start', () => {
        if (!run || !validRun(run.id, 'run start')) return;
        write({
          t: 'start',
          run: {
            id: run.id, experiment: String(run.experiment ?? 'default') || 'default', name: String(run.name ?? run.id),
            command: String(run.command ?? ''), cwd: String(run.cwd ?? ''), startedAt: finiteOr(run.startedAt, Date.now()),
            source: String(run.source ?? 'unknown'), pid: run.pid, host: run.host,
          },
        });
      });
    },
    params(runId: string, params: Readonly<Record<string, ParamValue>>): void {
      safe('params', () => {
        if (!validRun(runId, 'params') || !params || typeof params !== 'object') return;
        const p: Record<string, EncodedParam> = {};
        for (const [k, v] of Object.entries(params)) {
          if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') p[k] = encodeParam(v);
          else p[k] = v === undefined ? null : JSON.stringify(v) ?? String(v);
        }
        write({ t: 'params', r: runId, p });
      });
    },
    metrics(runId: string, points: readonly MetricPoint[]): void {
      safe('metrics', () => {
        if (!validRun(runId, 'metrics') || !Array.isArray(points) || points.length === 0) return;
        // Records of at most maxPointsPerRecord points: a fold transaction never has to swallow a
        // huge call in one go, which would stall the event loop.
        for (let from = 0; from < points.length; from += maxPointsPerRecord) metricRecord(runId, points, from, Math.min(points.length, from + maxPointsPerRecord));
      });
    },
    metricColumns(runId: string, keys: readonly string[], f: Float64Array): void {
      safe('metrics', () => {
        if (!validRun(runId, 'metrics') || !Array.isArray(keys) || !(f instanceof Float64Array) || f.length < 4) return;
        const n = f.length >> 2;
        let ok = n <= maxPointsPerRecord && keys.every((k) => typeof k === 'string' && k !== '');
        for (let o = 0; ok && o + 3 < f.length; o += 4) ok = Number.isFinite(f[o + 1]) && f[o] < keys.length && f[o] >= 0;
        if (!ok) {
          // Anything unusual (a step that is not finite, too many points): the checked path.
          this.metrics(runId, pointsOf(keys, f));
          return;
        }
        appendMetrics(runId, keys, f.length === n * 4 ? f : f.slice(0, n * 4));
      });
    },
    tags(runId: string, tags: Readonly<Record<string, string>>): void {
      safe('tags', () => {
        if (!validRun(runId, 'tags') || !tags || typeof tags !== 'object') return;
        const t: Record<string, string> = {};
        for (const [k, v] of Object.entries(tags)) t[k] = String(v);
        write({ t: 'tags', r: runId, tags: t });
      });
    },
    artifact(runId: string, artifact: ArtifactRecord): void {
      safe('artifact', () => {
        if (!validRun(runId, 'artifact')) return;
        if (!artifact || typeof artifact.path !== 'string' || !artifact.path) { problem('bad-artifact', 'ignored an artifact without a path'); return; }
        write({ t: 'art', r: runId, a: artifact, time: Date.now() });
      });
    },
    environment(runId: string, environment: Readonly<Record<string, unknown>>): void {
      safe('environment', () => {
        if (!validRun(runId, 'environment') || !environment || typeof environment !== 'object') return;
        write({ t: 'env', r: runId, e: { ...environment } });
      });
    },
    git(runId: string, git: GitInfo): void {
      safe('git', () => { if (validRun(runId, 'git') && git) write({ t: 'git', r: runId, g: git }); });
    },
    codeFiles(runId: string, files: Readonly<Record<string, string>>): void {
      safe('code files', () => {
        if (!validRun(runId, 'code files') || !files || typeof files !== 'object') return;
        const f: Record<string, string> = {};
        for (const [k, v] of Object.entries(files)) f[k] = String(v);
        write({ t: 'code', r: runId, f });
      });
    },
    endRun(runId: string, end: RunEnd): void {
      safe('run end', () => {
        if (!validRun(runId, 'run end')) return;
        const status = end && statuses.has(end.status) ? end.status : 'finished';
        if (end && !statuses.has(end.status)) problem('bad-status', `unknown run status ${String(end.status)} recorded as finished`);
        write({
          t: 'end', r: runId,
          e: { status, endedAt: finiteOr(end?.endedAt, Date.now()), exitCode: typeof end?.exitCode === 'number' ? end.exitCode : null, signal: end?.signal ?? null },
        });
      });
    },
  };
}

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** JSON text with every non-ASCII character escaped as \uXXXX (still the same JSON value). */
function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
