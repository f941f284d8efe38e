// W&B run folders (`wandb/offline-run-<time>-<id>/`, `wandb/run-<time>-<id>/`). The `run-<id>.wandb`
// file is the record of the run: protobuf `Record` messages (wandb/proto/wandb_internal.proto) in a
// LevelDB-style log (levelDbLog.ts). History rows give the metrics (`_step`, `_timestamp` in seconds),
// config records the params, the run record name, project, notes, tags, git and start time, the exit
// record the status. `files/` (config.yaml, wandb-summary.json, wandb-metadata.json) fills what the
// binary lacks, and is all there is for a run whose .wandb file is gone.
import fs from 'node:fs';
import path from 'node:path';
import type { ParamValue } from '../model';
import { flattenParams } from '../recorder/flattenParams';
import { newImportedRun, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { WIRE_BYTES, WireReader } from './protobufWire';
import { readLevelDbLog, WANDB_MAGIC } from './levelDbLog';
import { asRecord, readYamlFile } from './yamlFile';

/** A run folder's name: `run-` or `offline-run-`, date_time, run id. */
export const WANDB_RUN_DIR = /^(?:offline-)?run-\d{8}_\d{6}-([A-Za-z0-9]+)$/;

// Field numbers of wandb_internal.proto.
const RECORD_HISTORY = 2, RECORD_SUMMARY = 3, RECORD_CONFIG = 5, RECORD_RUN = 17, RECORD_EXIT = 18;
const ITEM_KEY = 1, ITEM_NESTED_KEY = 2, ITEM_VALUE_JSON = 16;
const HISTORY_ITEM = 1, HISTORY_STEP = 2, HISTORY_STEP_NUM = 1;
const UPDATE = 1, REMOVE = 2;
const RUN_ID = 1, RUN_ENTITY = 2, RUN_PROJECT = 3, RUN_CONFIG = 4, RUN_SUMMARY = 5, RUN_GROUP = 6, RUN_JOB_TYPE = 7, RUN_DISPLAY_NAME = 8,
  RUN_NOTES = 9, RUN_TAGS = 10, RUN_HOST = 13, RUN_START_TIME = 17, RUN_GIT = 21;
const GIT_REMOTE = 1, GIT_COMMIT = 2;
const EXIT_CODE = 1, EXIT_RUNTIME = 2;

interface Item { key: string; value: unknown }

export function readWandbRun(dir: string, opts: { experiment?: string; skip: SkipReport }): ImportedRun {
  const skip = opts.skip;
  const folderId = WANDB_RUN_DIR.exec(path.basename(dir))?.[1] ?? path.basename(dir);
  const run = newImportedRun('wandb', folderId, path.resolve(dir), opts.experiment ?? 'wandb');
  run.status = 'running';
  const config: Record<string, unknown> = {};
  const summary: Record<string, unknown> = {};
  let project: string | null = null;
  let runtime: number | null = null;
  let lastTimestamp = -Infinity;
  const skippedValues = new Map<string, number>();
  let badRecords = 0;
  let names: string[] = [];
  try { names = fs.readdirSync(dir); } catch (e) { skip({ path: dir, reason: `cannot read: ${(e as Error).message}` }); }
  const binary = names.find((f) => f.endsWith('.wandb'));
  if (binary) {
    const file = path.join(dir, binary);
    let headerOk = false;
    try {
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(7);
      fs.readSync(fd, head, 0, 7, 0);
      fs.closeSync(fd);
      headerOk = head.toString('latin1', 0, 4) === WANDB_MAGIC;
    } catch { /* reported below */ }
    if (!headerOk) skip({ path: file, reason: `no ${WANDB_MAGIC} header: not a W&B run file` });
    else {
      const problems = readLevelDbLog(file, 7, (data) => {
        try {
          const r = new WireReader(data);
          while (r.next()) {
            if (r.wire !== WIRE_BYTES) continue;
            if (r.field === RECORD_HISTORY) history(r.message());
            else if (r.field === RECORD_CONFIG) applyItems(r.message(), config);
            else if (r.field === RECORD_SUMMARY) applyItems(r.message(), summary);
            else if (r.field === RECORD_RUN) runRecord(r.message());
            else if (r.field === RECORD_EXIT) exitRecord(r.message());
          }
        } catch {
          badRecords++;
        }
      });
      for (const p of problems) skip({ path: file, reason: `${p}; the records around it were imported` });
      if (badRecords) skip({ path: file, reason: `${badRecords} record(s) that are not W&B Record messages` });
    }
  } else {
    skip({ path: dir, reason: 'no .wandb file: only files/ was read (no metric history)' });
  }

  function history(h: WireReader): void {
    const items: Item[] = [];
    let step: number | undefined;
    while (h.next()) {
      if (h.field === HISTORY_ITEM && h.wire === WIRE_BYTES) { const it = item(h.message()); if (it) items.push(it); }
      else if (h.field === HISTORY_STEP && h.wire === WIRE_BYTES) {
        const s = h.message();
        while (s.next()) if (s.field === HISTORY_STEP_NUM) step = s.int();
      }
    }
    let time = NaN;
    for (const it of items) {
      if (it.key === '_step' && typeof it.value === 'number') step ??= it.value;
      if (it.key === '_timestamp' && typeof it.value === 'number') time = it.value * 1000;
    }
    if (Number.isFinite(time)) lastTimestamp = Math.max(lastTimestamp, time);
    for (const it of items) {
      if (it.key.startsWith('_')) continue;
      for (const [k, v] of numbersOf(it.key, it.value, skippedValues)) seriesOf(run.metrics, k).add(step ?? 0, time, v);
    }
  }

  function runRecord(m: WireReader): void {
    while (m.next()) {
      switch (m.field) {
        case RUN_ID: run.tags['wandb.run_id'] = m.string(); break;
        case RUN_ENTITY: { const v = m.string(); if (v) run.tags['wandb.entity'] = v; break; }
        case RUN_PROJECT: project = m.string() || project; break;
        case RUN_CONFIG: applyItems(m.message(), config); break;
        case RUN_SUMMARY: applyItems(m.message(), summary); break;
        case RUN_GROUP: { const v = m.string(); if (v) run.tags['wandb.group'] = v; break; }
        case RUN_JOB_TYPE: { const v = m.string(); if (v) run.tags['wandb.job_type'] = v; break; }
        case RUN_DISPLAY_NAME: { const v = m.string(); if (v) run.name = v; break; }
        case RUN_NOTES: { const v = m.string(); if (v) run.note = v; break; }
        case RUN_TAGS: run.tags[`wandb.tag.${m.string()}`] = ''; break;
        case RUN_HOST: { const v = m.string(); if (v) run.tags['wandb.host'] = v; break; }
        case RUN_START_TIME: {
          const t = m.message();
          let seconds = 0, nanos = 0;
          while (t.next()) { if (t.field === 1) seconds = t.int(); else if (t.field === 2) nanos = t.int(); }
          if (seconds) run.startedAt = seconds * 1000 + Math.floor(nanos / 1e6);
          break;
        }
        case RUN_GIT: {
          const g = m.message();
          while (g.next()) {
            if (g.field === GIT_REMOTE) run.gitRemote = g.string() || run.gitRemote;
            else if (g.field === GIT_COMMIT) run.gitCommit = g.string() || run.gitCommit;
          }
          break;
        }
        default: break;
      }
    }
  }

  function exitRecord(m: WireReader): void {
    let code = 0;
    while (m.next()) {
      if (m.field === EXIT_CODE) code = m.int() | 0;
      else if (m.field === EXIT_RUNTIME) runtime = m.int();
    }
    run.exitCode = code;
    run.status = code === 0 ? 'finished' : 'failed';
  }

  readFilesFolder(dir, run, config, summary, skip);
  if (project) run.experiment = opts.experiment ?? project;
  else if (opts.experiment === undefined) run.experiment = path.basename(path.dirname(path.resolve(dir, '..'))) || 'wandb';
  const wandbTags = Object.keys(run.tags).filter((k) => k.startsWith('wandb.tag.'));
  if (wandbTags.length) { for (const k of wandbTags) delete run.tags[k]; run.tags['wandb.tags'] = wandbTags.map((k) => k.slice('wandb.tag.'.length)).join(','); }
  for (const [k, v] of Object.entries(config)) if (k !== '_wandb') Object.assign(run.params, flattenParams(v, k) as Record<string, ParamValue>);
  // Summary values never logged to history (run.summary["x"] = ...): one point at the last step.
  const lastStep = typeof summary._step === 'number' ? summary._step : 0;
  for (const [k, v] of Object.entries(summary)) {
    if (k.startsWith('_')) continue;
    for (const [key, value] of numbersOf(k, v, skippedValues)) if (!run.metrics.has(key)) seriesOf(run.metrics, key).add(lastStep, Number.isFinite(lastTimestamp) ? lastTimestamp : NaN, value);
  }
  for (const [type, n] of skippedValues) skip({ path: dir, reason: `${n} logged value(s) of type ${type} (not numbers)` });
  if (run.endedAt === null) {
    if (run.startedAt !== null && runtime !== null) run.endedAt = run.startedAt + runtime * 1000;
    else if (Number.isFinite(lastTimestamp)) run.endedAt = Math.round(lastTimestamp);
  }
  if (run.status !== 'running' && run.endedAt === null) run.endedAt = run.startedAt;
  return run;
}

/** files/: config.yaml ({key: {value}}), wandb-summary.json, wandb-metadata.json. The binary wins where both have a value. */
function readFilesFolder(dir: string, run: ImportedRun, config: Record<string, unknown>, summary: Record<string, unknown>, skip: SkipReport): void {
  const files = path.join(dir, 'files');
  const cfg = asRecord(readYamlFile(path.join(files, 'config.yaml'), skip));
  for (const [k, v] of Object.entries(cfg)) {
    if (k in config) continue;
    const rec = asRecord(v);
    config[k] = 'value' in rec ? rec.value : v;
  }
  const json = (name: string): Record<string, unknown> => {
    const file = path.join(files, name);
    try { return asRecord(parseWandbJson(fs.readFileSync(file, 'utf8'))); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') skip({ path: file, reason: `not readable JSON: ${(e as Error).message}` });
      return {};
    }
  };
  for (const [k, v] of Object.entries(json('wandb-summary.json'))) if (!(k in summary)) summary[k] = v;
  const meta = json('wandb-metadata.json');
  if (run.startedAt === null && typeof meta.startedAt === 'string') {
    const t = Date.parse(meta.startedAt);
    if (!Number.isNaN(t)) run.startedAt = t;
  }
  const git = asRecord(meta.git);
  if (!run.gitCommit && typeof git.commit === 'string') run.gitCommit = git.commit;
  if (!run.gitRemote && typeof git.remote === 'string') run.gitRemote = git.remote;
  const program = typeof meta.codePath === 'string' ? meta.codePath : typeof meta.program === 'string' ? meta.program : null;
  if (program) {
    const args = Array.isArray(meta.args) ? meta.args.map(String) : [];
    run.command = ['python', program, ...args].map((a) => (/^[\w./=:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
  }
  if (typeof meta.host === 'string' && !run.tags['wandb.host']) run.tags['wandb.host'] = meta.host;
  if (typeof meta.username === 'string') run.user = meta.username;
  if (typeof summary._runtime === 'number' && run.startedAt !== null && run.endedAt === null) run.endedAt = Math.round(run.startedAt + summary._runtime * 1000);
}

function applyItems(m: WireReader, into: Record<string, unknown>): void {
  while (m.next()) {
    if ((m.field !== UPDATE && m.field !== REMOVE) || m.wire !== WIRE_BYTES) continue;
    const remove = m.field === REMOVE;
    const it = item(m.message());
    if (!it) continue;
    if (remove) delete into[it.key];
    else into[it.key] = it.value;
  }
}

function item(m: WireReader): Item | undefined {
  let key = '';
  const nested: string[] = [];
  let json: string | undefined;
  while (m.next()) {
    if (m.field === ITEM_KEY) key = m.string();
    else if (m.field === ITEM_NESTED_KEY) nested.push(m.string());
    else if (m.field === ITEM_VALUE_JSON) json = m.string();
  }
  const k = key || nested.join('.');
  if (!k || json === undefined) return undefined;
  try { return { key: k, value: parseWandbJson(json) }; } catch { return { key: k, value: json }; }
}

/** W&B writes NaN and ±Infinity into its JSON as bare words, as Python's json module does. */
function parseWandbJson(text: string): unknown {
  try { return JSON.parse(text); } catch { /* bare NaN / Infinity */ }
  const marked = text.replace(/(?<=^|[\s,:[])(-?Infinity|NaN)(?=$|[\s,\]}])/g, '"\u0000$1"');
  return JSON.parse(marked, (_k, v: unknown) => (typeof v === 'string' && v.startsWith('\u0000') ? Number(v.slice(1)) : v));
}

/** The numbers in a logged value: a number, or a dict of them (flattened with '.'); media objects are counted as skipped. */
function numbersOf(key: string, value: unknown, skipped: Map<string, number>): [string, number][] {
  if (typeof value === 'number') return [[key, value]];
  if (typeof value === 'boolean') return [[key, value ? 1 : 0]];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const type = (value as Record<string, unknown>)._type;
    if (typeof type === 'string') { skipped.set(type, (skipped.get(type) ?? 0) + 1); return []; }
    const out: [string, number][] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.push(...numbersOf(`${key}.${k}`, v, skipped));
    return out;
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
  skipped.set(type, (skipped.get(type) ?? 0) + 1);
  return [];
}
