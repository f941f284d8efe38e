// Real frameworks' console output, captured through a pseudo-terminal at 80 and 200 columns by
// scripts/frameworks/capture.py, against what each generating script logged (its expect file, written
// from the values it handed to the framework, never from the parser's output).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricParser, type ParsedMetric } from '../../src/core/metrics/metricParser';

const DIR = path.join(process.cwd(), 'test', 'fixtures', 'frameworks');

interface Series {
  readonly values: readonly number[];
  readonly steps: readonly number[];
  /** false: logged but no measure of the model (a duration, a throughput): optional. */
  readonly metric?: boolean;
  /**
   * false: the console never shows a value of it whole (a narrow terminal cut the bar before it):
   * optional. capture.py decides it from the bytes printed, not from the parser.
   */
  readonly shown?: boolean;
  /**
   * [step, value] as the console shows them, when the step is the bar's position (epoch x total +
   * count): a point read with one of these values must be at a step where it was shown.
   */
  readonly points?: readonly (readonly [number, number])[];
}
interface Expectation {
  readonly framework: string;
  readonly columns: number;
  readonly series: Readonly<Record<string, Series>>;
}

/** Lower case; runs of space, `_`, `-`, `/`, `.` folded to one `_` (as the fixture logs' rule). */
function norm(key: string): string {
  return key.toLowerCase().replace(/[\s_\-/.]+/g, '_');
}

function sameNumber(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function parse(bytes: Buffer, chunk: number, fastPath = true): ParsedMetric[] {
  const p = new MetricParser({ now: () => 0, fastPath });
  const out: ParsedMetric[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...p.push(bytes.subarray(i, i + chunk)));
  out.push(...p.end());
  return out;
}

/** What is wrong with a parse against what the script logged; empty when nothing is. */
export function problems(points: readonly ParsedMetric[], expect: Expectation): string[] {
  const truth = new Map(Object.entries(expect.series).map(([k, s]) => [norm(k), { name: k, ...s }]));
  const found = new Set<string>();
  const out: string[] = [];
  for (const p of points) {
    const t = truth.get(norm(p.key));
    if (t === undefined) {
      out.push(`${p.key}=${p.value} (line ${p.line}): the script logged no such name`);
      continue;
    }
    found.add(t.name);
    if (!t.values.some((v) => sameNumber(v, p.value))) out.push(`${p.key}=${p.value} (line ${p.line}): the script never logged this value`);
    else if (t.points !== undefined && t.points.some(([, v]) => sameNumber(v, p.value))) {
      // A value the bar showed: read at a step where the bar showed it (a results table's value has no bar position).
      if (!t.points.some(([step, v]) => step === p.step && sameNumber(v, p.value))) out.push(`${p.key}=${p.value} at step ${p.step} (line ${p.line}): shown at steps ${t.points.filter(([, v]) => sameNumber(v, p.value)).map(([step]) => step).join(',')}`);
    } else if (t.points === undefined && t.steps.length > 0 && !t.steps.includes(p.step)) out.push(`${p.key}=${p.value} at step ${p.step} (line ${p.line}): logged at steps ${t.steps.join(',')}`);
  }
  for (const [name, s] of Object.entries(expect.series)) if (s.metric !== false && s.shown !== false && !found.has(name)) out.push(`${name}: logged and shown whole, not read`);
  return out;
}

describe('MetricParser on Lightning\'s progress bars (real captures)', () => {
  const lightning = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => /^lightning_.*\.log$/.test(f)).sort() : [];

  for (const log of lightning) {
    it(`${log}: one point per key and step, and no redraw repeats a value as a new point`, () => {
      const bytes = fs.readFileSync(path.join(DIR, log));
      const lines = bytes.toString('utf8').split('\n');
      // Points from the bars' lines and the lines under them (the results tables printed after fit are another source).
      const points = parse(bytes, 4093).filter((p) => !/[│┃]/.test(lines[p.line - 1]));
      const seen = new Set<string>();
      const last = new Map<string, number>();
      for (const p of points) {
        const at = `${p.key}@${p.step}`;
        assert.ok(!seen.has(at), `${at} twice (line ${p.line})`);
        seen.add(at);
        assert.notEqual(last.get(p.key), p.value, `${p.key}=${p.value} again at step ${p.step} (line ${p.line})`);
        last.set(p.key, p.value);
      }
    });
  }

  for (const [log, nextEpoch] of [['lightning_tqdm.200.log', 'Epoch 2:'], ['lightning_rich.200.log', 'Epoch 2/4']]) {
    it(`${log}: the batches of an epoch are points at epoch × batches + batch while the epoch runs`, () => {
      const bytes = fs.readFileSync(path.join(DIR, log));
      // Everything up to the first redraw of epoch 2: epoch 1 (batches 9-16) has not been summed up yet.
      const cut = bytes.indexOf(Buffer.from(nextEpoch));
      assert.ok(cut > 0);
      const p = new MetricParser({ now: () => 0 });
      const live: ParsedMetric[] = [];
      for (let i = 0; i < cut; i += 512) live.push(...p.push(bytes.subarray(i, Math.min(cut, i + 512))));
      const steps = live.filter((m) => m.key === 'train_loss_step').map((m) => m.step);
      assert.ok(steps.filter((s) => s > 8 && s < 16).length >= 5, `train_loss_step within epoch 1 at steps ${steps.join(',')}`);
      assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'steps only go forward');
    });
  }
});

describe('MetricParser on real frameworks at two terminal widths', () => {
  const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.expect.json')).sort() : [];

  it('has captures of each framework at 80 and 200 columns', () => {
    const names = new Set(files.map((f) => f.replace(/\.\d+\.expect\.json$/, '')));
    assert.ok(names.size >= 4, `frameworks captured: ${[...names].join(', ')}`);
    for (const n of names) for (const cols of [80, 200]) assert.ok(files.includes(`${n}.${cols}.expect.json`), `${n} at ${cols} columns`);
  });

  for (const file of files) {
    const log = file.replace(/\.expect\.json$/, '.log');
    it(`${log}: every logged series, only logged values, no name the script did not log`, () => {
      const expect = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Expectation;
      const bytes = fs.readFileSync(path.join(DIR, log));
      const whole = parse(bytes, bytes.length || 1);
      assert.deepEqual(problems(whole, expect), []);
      // Chunked as a terminal delivers it, and without the fast path: the same points.
      const same = whole.map((p) => `${p.key}=${p.value}@${p.step}`);
      assert.deepEqual(parse(bytes, 4093).map((p) => `${p.key}=${p.value}@${p.step}`), same);
      assert.deepEqual(parse(bytes, bytes.length || 1, false).map((p) => `${p.key}=${p.value}@${p.step}`), same);
    });
  }
});
