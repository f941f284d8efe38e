// TensorBoard event files (`events.out.tfevents.*`): one run per folder holding them. Scalars are
// read both as `simple_value` (PyTorch, tensorboardX, Keras before TF 2.x summaries) and as tensors of
// the `scalars` plugin (tf.summary in TF2, Keras); the plugin metadata usually comes only with a tag's
// first value, so the plugin is remembered per tag. Other plugins (histograms, images, graphs, text,
// hparams) are not metrics and are counted in the skip report.
import fs from 'node:fs';
import path from 'node:path';
import { flattenParams } from '../recorder/flattenParams';
import { newImportedRun, type ImportedRun, type SkipReport } from './importedRun';
import { seriesOf } from './metricSeries';
import { WIRE_BYTES, WireReader } from './protobufWire';
import { readTfRecords } from './tfRecordReader';
import { asRecord, readYamlFile } from './yamlFile';

/** An event file's name, as every TensorBoard writer names it. */
export const TF_EVENTS_FILE = /^events\.out\.tfevents\./;

// Event, Summary, Summary.Value, SummaryMetadata and TensorProto field numbers (tensorflow/core/util/
// event.proto, framework/summary.proto, framework/tensor.proto).
const EVENT_WALL_TIME = 1, EVENT_STEP = 2, EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1, VALUE_SIMPLE = 2, VALUE_OLD_HISTOGRAM = 3, VALUE_IMAGE = 4, VALUE_HISTO = 5, VALUE_AUDIO = 6, VALUE_TENSOR = 8, VALUE_METADATA = 9;
/** Value kinds that are not tensors, by field, for the skip report. */
const OTHER_VALUES: Record<number, string> = { [VALUE_OLD_HISTOGRAM]: 'histograms', [VALUE_IMAGE]: 'images', [VALUE_HISTO]: 'histograms', [VALUE_AUDIO]: 'audio' };
const METADATA_PLUGIN_DATA = 1, METADATA_DATA_CLASS = 4, PLUGIN_NAME = 1;
const DATA_CLASS_SCALAR = 1;
const TENSOR_DTYPE = 1, TENSOR_CONTENT = 4, TENSOR_FLOAT_VAL = 5, TENSOR_DOUBLE_VAL = 6, TENSOR_INT_VAL = 7, TENSOR_INT64_VAL = 10, TENSOR_HALF_VAL = 13;
const DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_INT64 = 9, DT_HALF = 19;

/**
 * Reads the event files `files` (names in `folder`) as one run. `sourceId` keys the run across imports;
 * `name` is what it is called (its folder relative to the import root).
 */
export function readTensorBoardRun(folder: string, files: readonly string[], opts: { sourceId: string; name: string; experiment: string; skip: SkipReport }): ImportedRun {
  const run = newImportedRun('tensorboard', opts.sourceId, folder, opts.experiment);
  run.name = opts.name;
  /** tag -> plugin name, from the first value that carried metadata. */
  const plugins = new Map<string, string>();
  const otherPlugins = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  // Writers name files by creation time (seconds, then host and pid): name order is write order.
  for (const name of [...files].sort()) {
    const file = path.join(folder, name);
    let badEvents = 0;
    const problem = readTfRecords(file, (bytes, from, to) => {
      try {
        const ev = readEvent(new WireReader(bytes, from, to), plugins, otherPlugins);
        if (ev.wallTime > 0) {
          first = Math.min(first, ev.wallTime);
          last = Math.max(last, ev.wallTime);
        }
        for (const [tag, value] of ev.scalars) seriesOf(run.metrics, tag).add(ev.step, ev.wallTime * 1000, value);
      } catch {
        badEvents++;
      }
    });
    if (problem) opts.skip({ path: file, reason: `${problem}; the records before it were imported` });
    if (badEvents) opts.skip({ path: file, reason: `${badEvents} record(s) that are not Event messages` });
  }
  for (const [plugin, n] of otherPlugins) opts.skip({ path: folder, reason: `${n} value(s) of the "${plugin}" plugin (not scalars)` });
  if (Number.isFinite(first)) run.startedAt = Math.round(first * 1000);
  if (Number.isFinite(last)) run.endedAt = Math.round(last * 1000);
  readHparamsYaml(folder, run, opts.skip);
  return run;
}

interface EventScalars {
  wallTime: number;
  step: number;
  scalars: [string, number][];
}

function readEvent(r: WireReader, plugins: Map<string, string>, otherPlugins: Map<string, number>): EventScalars {
  const ev: EventScalars = { wallTime: 0, step: 0, scalars: [] };
  while (r.next()) {
    if (r.field === EVENT_WALL_TIME) ev.wallTime = r.double();
    else if (r.field === EVENT_STEP) ev.step = r.int();
    else if (r.field === EVENT_SUMMARY && r.wire === WIRE_BYTES) {
      const s = r.message();
      while (s.next()) if (s.field === SUMMARY_VALUE && s.wire === WIRE_BYTES) readValue(s.message(), ev, plugins, otherPlugins);
    }
  }
  return ev;
}

function readValue(v: WireReader, ev: EventScalars, plugins: Map<string, string>, otherPlugins: Map<string, number>): void {
  let tag = '';
  let simple: number | undefined;
  let tensor: WireReader | undefined;
  let plugin: string | undefined;
  let scalarClass = false;
  let other: string | undefined;
  while (v.next()) {
    if (v.field === VALUE_TAG) tag = v.string();
    else if (OTHER_VALUES[v.field]) other = OTHER_VALUES[v.field];
    else if (v.field === VALUE_SIMPLE) simple = v.float();
    else if (v.field === VALUE_TENSOR && v.wire === WIRE_BYTES) tensor = v.message();
    else if (v.field === VALUE_METADATA && v.wire === WIRE_BYTES) {
      const m = v.message();
      while (m.next()) {
        if (m.field === METADATA_PLUGIN_DATA && m.wire === WIRE_BYTES) {
          const p = m.message();
          while (p.next()) if (p.field === PLUGIN_NAME) plugin = p.string();
        } else if (m.field === METADATA_DATA_CLASS) scalarClass = m.uint() === DATA_CLASS_SCALAR;
      }
    }
  }
  if (plugin !== undefined && !plugins.has(tag)) plugins.set(tag, scalarClass && !plugin ? 'scalars' : plugin);
  if (simple !== undefined) { ev.scalars.push([tag, simple]); return; }
  if (!tensor) {
    if (other) otherPlugins.set(other, (otherPlugins.get(other) ?? 0) + 1);
    return;
  }
  const known = plugins.get(tag) ?? (scalarClass ? 'scalars' : undefined);
  if (known !== 'scalars') {
    const name = known ?? '(no plugin)';
    otherPlugins.set(name, (otherPlugins.get(name) ?? 0) + 1);
    return;
  }
  const value = scalarOfTensor(tensor);
  if (value !== undefined) ev.scalars.push([tag, value]);
}

/** The one number of a scalar TensorProto (in tensor_content or in the typed repeated field). */
function scalarOfTensor(t: WireReader): number | undefined {
  let dtype = 0;
  let content: Uint8Array | undefined;
  let value: number | undefined;
  while (t.next()) {
    switch (t.field) {
      case TENSOR_DTYPE: dtype = t.uint(); break;
      case TENSOR_CONTENT: content = t.bytesValue(); break;
      case TENSOR_FLOAT_VAL: value ??= t.packedNumbers('f32')[0]; break;
      case TENSOR_DOUBLE_VAL: value ??= t.packedNumbers('f64')[0]; break;
      case TENSOR_INT_VAL: case TENSOR_INT64_VAL: value ??= firstVarint(t); break;
      case TENSOR_HALF_VAL: { const h = firstVarint(t); if (h !== undefined) value ??= halfToNumber(h); break; }
      default: break;
    }
  }
  if (content && content.length) {
    const view = new DataView(content.buffer, content.byteOffset, content.length);
    if (dtype === DT_FLOAT && content.length >= 4) return view.getFloat32(0, true);
    if (dtype === DT_DOUBLE && content.length >= 8) return view.getFloat64(0, true);
    if (dtype === DT_INT32 && content.length >= 4) return view.getInt32(0, true);
    if (dtype === DT_INT64 && content.length >= 8) return Number(view.getBigInt64(0, true));
    if (dtype === DT_HALF && content.length >= 2) return halfToNumber(view.getUint16(0, true));
  }
  return value;
}

function firstVarint(t: WireReader): number | undefined {
  if (t.wire !== WIRE_BYTES) return t.int();
  // A packed run of varints: the first one is the value.
  const bytes = t.bytesValue();
  if (!bytes.length) return undefined;
  let result = 0, mul = 1;
  for (const b of bytes) { result += (b & 0x7f) * mul; if (b < 0x80) break; mul *= 128; }
  return result;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** PyTorch Lightning's TensorBoardLogger writes the hyperparameters beside the events. */
function readHparamsYaml(folder: string, run: ImportedRun, skip: SkipReport): void {
  const file = path.join(folder, 'hparams.yaml');
  if (!fs.existsSync(file)) return;
  const doc = asRecord(readYamlFile(file, skip));
  Object.assign(run.params, flattenParams(doc));
}
