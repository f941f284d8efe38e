import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricParser, type ParsedMetric } from '../../src/core/metrics/metricParser';

const FIXTURES = path.join(process.cwd(), 'test', 'fixtures', 'logs');

interface ExpectedSeries {
  readonly aliases: readonly string[];
  /** Numbers, or "nan" / "inf" / "-inf" (JSON has no spelling for them). */
  readonly values: readonly (number | string)[];
  readonly steps: readonly number[] | null;
}
interface Expectation {
  readonly series: Readonly<Record<string, ExpectedSeries>>;
  readonly forbidden: readonly string[];
}

/** The fixtures README's normalisation: lower case; runs of space, `_`, `-`, `/`, `.` folded to one `_`. */
function norm(key: string): string {
  return key.toLowerCase().replace(/[\s_\-/.]+/g, '_');
}

function expectedNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  const s = v.toLowerCase();
  if (s === 'nan') return NaN;
  if (s === 'inf' || s === '+inf' || s === 'infinity') return Infinity;
  if (s === '-inf' || s === '-infinity') return -Infinity;
  return Number(v);
}

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The README's matching rule for one parsed key: the expected values (with their steps, when given)
 * are an ordered subsequence of the parsed points, and the last expected value is the last parsed one.
 */
function seriesMatches(points: readonly ParsedMetric[], expected: ExpectedSeries): boolean {
  const want = expected.values.map(expectedNumber);
  if (want.length === 0) return true;
  if (points.length === 0) return false;
  const last = points[points.length - 1];
  const lastWant = want.length - 1;
  if (!sameNumber(last.value, want[lastWant])) return false;
  if (expected.steps && last.step !== expected.steps[lastWant]) return false;
  let k = 0;
  for (let i = 0; i < points.length - 1 && k < lastWant; i++) {
    const p = points[i];
    if (sameNumber(p.value, want[k]) && (!expected.steps || p.step === expected.steps[k])) k++;
  }
  return k === lastWant;
}

/** Checks a parse against an expectation; returns the problems found (empty when it passes). */
function check(points: readonly ParsedMetric[], expect: Expectation): string[] {
  const byKey = new Map<string, ParsedMetric[]>();
  for (const p of points) {
    const list = byKey.get(p.key) ?? [];
    list.push(p);
    byKey.set(p.key, list);
  }
  const problems: string[] = [];
  for (const [name, series] of Object.entries(expect.series)) {
    const names = new Set([name, ...series.aliases].map(norm));
    const candidates = [...byKey.keys()].filter((k) => names.has(norm(k)));
    if (!candidates.some((k) => seriesMatches(byKey.get(k)!, series))) {
      const got = candidates.map((k) => `${k}=[${byKey.get(k)!.map((p) => `${p.value}@${p.step}`).join(' ')}]`).join('; ');
      problems.push(`series ${name}: want ${JSON.stringify(series.values)} steps ${JSON.stringify(series.steps)}, got ${got || 'no such key'}`);
    }
  }
  const forbidden = new Set(expect.forbidden.map(norm));
  for (const k of byKey.keys()) if (forbidden.has(norm(k))) problems.push(`forbidden key ${k}`);
  return problems;
}

function parseAll(input: string | Uint8Array, chunkSize?: number): ParsedMetric[] {
  let t = 0;
  const parser = new MetricParser({ now: () => ++t });
  const out: ParsedMetric[] = [];
  if (chunkSize === undefined) out.push(...parser.push(input));
  else for (let i = 0; i < input.length; i += chunkSize) out.push(...parser.push(input.slice(i, i + chunkSize)));
  out.push(...parser.end());
  return out;
}

const strip = (ps: readonly ParsedMetric[]): string[] => ps.map((p) => `${p.key}|${p.value}|${p.step}|${p.line}`);

describe('MetricParser on the fixture logs', () => {
  const logs = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.log')).sort();

  it('has a corpus to run', () => {
    assert.ok(logs.length >= 20, `only ${logs.length} fixture logs`);
  });

  for (const log of logs) {
    const expectFile = path.join(FIXTURES, log.replace(/\.log$/, '.expect.json'));
    describe(log, () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, log));
      const expect = JSON.parse(fs.readFileSync(expectFile, 'utf8')) as Expectation;

      it('extracts every expected series and no forbidden key', () => {
        const problems = check(parseAll(bytes), expect);
        assert.deepEqual(problems, []);
      });

      it('gives the same points whatever the chunking (bytes split anywhere)', () => {
        const whole = strip(parseAll(bytes));
        for (const size of [1, 2, 3, 7, 64, 4093]) assert.deepEqual(strip(parseAll(bytes, size)), whole, `chunk size ${size}`);
      });
    });
  }
});

describe('MetricParser streaming', () => {
  it('returns the points each chunk completes, and flushes the last line on end()', () => {
    const p = new MetricParser({ now: () => 5 });
    assert.deepEqual(p.push('loss=0.5 acc=0.9\nloss=0.'), [
      { key: 'loss', value: 0.5, step: 0, line: 1, time: 5 },
      { key: 'acc', value: 0.9, step: 0, line: 1, time: 5 },
    ]);
    assert.deepEqual(p.push('4'), []);
    assert.deepEqual(p.end(), [{ key: 'loss', value: 0.4, step: 1, line: 2, time: 5 }]);
  });

  it('reads a \\r redraw once its bar moves on or its line ends, before any newline in between', () => {
    const p = new MetricParser();
    // The redraw at 10/100 is whole, but the bar may still redraw that position (Lightning first redraws a
    // new count with the values of the one before): it is read when the bar shows another position.
    const first = p.push('Epoch 0:  10%|█         | 10/100 [00:01<00:09, 9.9it/s, loss=0.9]\rEpoch 0:  20%|██        | 20/100 [00:02<00:08, 9.9it/s, loss=0.8]');
    assert.deepEqual(first, []);
    const second = p.push('\r');
    assert.deepEqual(second, []); // a CR at a chunk's end may be half a CRLF: wait
    const third = p.push('Epoch 0:  30%|███       | 30/100 [00:03<00:07, 9.9it/s, loss=0.7]');
    // The bar names its epoch and count: the step is epoch × total + count.
    assert.deepEqual(third.map((m) => [m.key, m.value, m.step, m.line]), [['loss', 0.9, 10, 1]]);
    const fourth = p.push('\rEpoch 0: 100%|██████████| 100/100 [00:10<00:00, 9.9it/s, loss=0.6]\n');
    assert.deepEqual(fourth.map((m) => [m.key, m.value, m.step, m.line]), [['loss', 0.8, 20, 1], ['loss', 0.7, 30, 1], ['loss', 0.6, 100, 1]]);
  });

  it('treats CRLF split across chunks as one line end', () => {
    const p = new MetricParser();
    const out = [...p.push('loss: 0.5\r'), ...p.push('\nloss: 0.4\r\n'), ...p.end()];
    assert.deepEqual(out.map((m) => [m.value, m.line]), [[0.5, 1], [0.4, 2]]);
  });

  it('decodes UTF-8 split inside a multi-byte sequence, and survives invalid bytes', () => {
    const bytes = Buffer.from('│ loss │ 0.25 │\n', 'utf8');
    const p = new MetricParser();
    const out: ParsedMetric[] = [];
    for (const b of bytes) out.push(...p.push(Uint8Array.of(b)));
    out.push(...p.end());
    assert.deepEqual(out.map((m) => [m.key, m.value]), [['loss', 0.25]]);

    const bad = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' step=3 loss=1.5 \xff\n', 'latin1')]);
    assert.deepEqual(parseAll(bad).map((m) => [m.key, m.value, m.step]), [['loss', 1.5, 3]]);
  });

  it('strips ANSI colours, cursor moves and OSC sequences (VS Code shell integration)', () => {
    const text = '\x1b]633;C\x07\x1b[1m\x1b[32mloss\x1b[0m: \x1b[33m0.125\x1b[0m\x1b[K - \x1b[2Kacc: 0.5\x1b]633;D;0\x1b\\\n';
    assert.deepEqual(parseAll(text).map((m) => [m.key, m.value]), [['loss', 0.125], ['acc', 0.5]]);
  });

  it('applies backspaces the way a terminal does (Keras 2 progress bars)', () => {
    const text = 'loss: 0.9000\b\b\b\b8000 - acc: 0.5\n';
    assert.deepEqual(parseAll(text).map((m) => [m.key, m.value]), [['loss', 0.8], ['acc', 0.5]]);
  });

  it('skips and counts over-long lines without keeping them, then carries on', () => {
    const p = new MetricParser({ maxLineLength: 1000 });
    const out: ParsedMetric[] = [];
    out.push(...p.push('loss=1.0\n'));
    for (let i = 0; i < 1000; i++) out.push(...p.push('x=1 '.repeat(250)));
    out.push(...p.push('\nloss=0.5\n'));
    out.push(...p.end());
    assert.deepEqual(out.map((m) => [m.value, m.line]), [[1, 1], [0.5, 3]]);
    assert.equal(p.stats.skippedLongLines, 1);
    assert.equal(p.stats.lines, 3);
  });

  it('stays linear on pathological lines (no regex backtracking blow-up)', () => {
    const nasty = [
      'a'.repeat(60000),
      'a: '.repeat(20000),
      '='.repeat(60000),
      '1'.repeat(60000),
      'loss '.repeat(12000) + 'x',
      '- '.repeat(30000),
      '{'.repeat(30000),
      "'k': ".repeat(12000),
      '9.9e'.repeat(15000),
      ' | '.repeat(20000),
      'Epoch '.repeat(10000) + '1',
      '\x1b['.repeat(30000),
      `${'a'.repeat(50)} ${'b'.repeat(50)}: 1 `.repeat(500),
    ];
    for (const line of nasty) {
      const t0 = performance.now();
      parseAll(`${line}\n`);
      const ms = performance.now() - t0;
      // Catastrophic backtracking takes minutes: this bound only catches that, not a slow machine.
      assert.ok(ms < 5000, `${JSON.stringify(line.slice(0, 20))}... took ${ms.toFixed(0)} ms`);
    }
  });

  it('numbers lines from 1 and stamps each point with the clock', () => {
    let now = 1000;
    const p = new MetricParser({ now: () => now });
    p.push('hello\n\n');
    now = 2000;
    assert.deepEqual(p.push('acc: 0.5\n'), [{ key: 'acc', value: 0.5, step: 0, line: 3, time: 2000 }]);
  });
});

describe('MetricParser decoding', () => {
  it('decodes as one streaming UTF-8 decoder would at every chunking: ASCII, multi-byte, a truncated sequence before ASCII', () => {
    // 0xc3 starts a two-byte sequence that never completes: the decoder turns it into U+FFFD when
    // the next byte (ASCII) arrives, so "pr\ufffdcision" reads as the key "cision" after the bad byte
    // (U+FFFD is not a letter); "précision" decoded whole is one name.
    // A chunk of pure ASCII right after it must still go through the decoder, or the key changes.
    const input = Buffer.concat([
      Buffer.from('epoch 1 | pr'), Buffer.from([0xc3]), Buffer.from('cision: 0.5 | Verlust: 0.25\n'),
      Buffer.from('epoch 2 | précision: 0.6 | Verlust: 0.2 ✓\n'),
      Buffer.from([0xff, 0xfe]), Buffer.from('epoch 3 | précision: 0.7 | Verlust: 0.1\n'),
    ]);
    const whole = strip(parseAll(input));
    assert.deepEqual(whole.map((p) => p.split('|').slice(0, 3).join('|')), [
      'cision|0.5|1', 'Verlust|0.25|1', 'précision|0.6|2', 'Verlust|0.2|2', 'précision|0.7|3', 'Verlust|0.1|3',
    ]);
    for (let size = 1; size <= 40; size++) assert.deepEqual(strip(parseAll(input, size)), whole, `chunk size ${size}`);
  });
});

describe('MetricParser key names', () => {
  it('reads names in any script whole (accents, umlauts, Greek, CJK), not just their ASCII tail', () => {
    const log = 'epoch 1 | précision: 0.5 | perte: 0.25\nEpoche 2: Genauigkeit=0.9 Größe=12.5\nstep=3 损失=0.5 准确率=0.9\nstep=4 val_αcc=0.7 loss=0.2\n';
    const keys = (size?: number): string[] => parseAll(Buffer.from(log), size).map((m) => `${m.key}@${m.step}`);
    assert.deepEqual(keys(), ['précision@1', 'perte@1', 'Genauigkeit@1', 'Größe@1', '损失@3', '准确率@3', 'val_αcc@4', 'loss@4']);
    for (const size of [1, 2, 3, 5, 7]) assert.deepEqual(keys(size), keys(), `chunk size ${size}`);
  });
});

describe('MetricParser values and steps', () => {
  const read = (text: string): [string, number, number][] => parseAll(text).map((m) => [m.key, m.value, m.step]);

  it('reads nan and ±inf, scientific notation and percentages (as printed)', () => {
    assert.deepEqual(read('step 1: loss nan, grad_norm inf, val_loss -inf, lr 3e-4, acc 91.2%\n'), [
      ['loss', NaN, 1], ['grad_norm', Infinity, 1], ['val_loss', -Infinity, 1], ['lr', 3e-4, 1], ['acc', 91.2, 1],
    ]);
    assert.deepEqual(read('{"loss": NaN, "acc": Infinity, "step": 7}\n'), [['loss', NaN, 7], ['acc', Infinity, 7]]);
    assert.deepEqual(read('Accuracy: 9820/10000 (98%)\n'), [['Accuracy', 98, 0]]);
  });

  it('takes the step from the line, then the latest epoch, then a per-key counter', () => {
    assert.deepEqual(read('loss=0.3\nloss=0.2\n'), [['loss', 0.3, 0], ['loss', 0.2, 1]]);
    assert.deepEqual(read('Epoch 3/10\nloss: 0.5\nstep=40 loss=0.4\n'), [['loss', 0.5, 3], ['loss', 0.4, 40]]);
    assert.deepEqual(read("{'global_step': 12, 'epoch': 1, 'loss': 0.1}\n"), [['loss', 0.1, 12]]);
    assert.deepEqual(read('[Epoch 4] loss: 0.3\n'), [['loss', 0.3, 4]]);
  });

  it('keeps splits apart: a line naming its split prefixes keys that do not already carry one', () => {
    assert.deepEqual(read('Train: loss 0.5, acc 0.8\nValid: loss 0.6, acc 0.7\nTest set: loss 0.65\neval | loss 0.61 | val_acc 0.7\n'), [
      ['loss', 0.5, 0], ['acc', 0.8, 0], ['valid_loss', 0.6, 0], ['valid_acc', 0.7, 0], ['test_loss', 0.65, 0], ['eval_loss', 0.61, 0], ['val_acc', 0.7, 0],
    ]);
  });

  it('reads box tables and header-row tables', () => {
    const sb3 = '------------------------------\n| rollout/          |        |\n|    ep_rew_mean    | 9.5    |\n| time/             |        |\n|    total_timesteps| 2048   |\n------------------------------\n';
    assert.deepEqual(read(sb3), [['rollout/ep_rew_mean', 9.5, 2048]]);
    const table = 'epoch     train_loss  valid_loss  time\n0         0.5         0.6         00:12\n1         0.4         0.5         00:11\n';
    assert.deepEqual(read(table), [['train_loss', 0.5, 0], ['valid_loss', 0.6, 0], ['train_loss', 0.4, 1], ['valid_loss', 0.5, 1]]);
  });
});

describe('MetricParser on more shapes', () => {
  const read = (text: string): string[] => parseAll(text).map((m) => `${m.key}=${m.value}@${m.step}`);

  it('carries a split named inside a spaced label to the measured names after it', () => {
    assert.deepEqual(read('Average test loss: 0.3321, accuracy: 90.12%\nTrain Loss: 0.5 Acc: 0.81 | Val Loss: 0.43 Acc: 0.84\n'), [
      'Average_test_loss=0.3321@0', 'test_accuracy=90.12@0', 'Train_Loss=0.5@0', 'train_Acc=0.81@0', 'Val_Loss=0.43@0', 'val_Acc=0.84@0',
    ]);
  });

  it('reads pipe tables with and without outer bars', () => {
    const text = '  epoch  |  train_loss  |  accuracy\n    1    |    0.5123    |   0.8812\n| epoch | loss | acc |\n|-------|------|-----|\n| 3 | 0.31 | 0.92 |\n';
    assert.deepEqual(read(text), ['train_loss=0.5123@1', 'accuracy=0.8812@1', 'loss=0.31@3', 'acc=0.92@3']);
  });

  it('reads mmengine, detectron2 and DeepSpeed lines without their times of day, ETAs, durations and memory', () => {
    const text = [
      '11/22 12:00:00 - mmengine - INFO - Epoch(train)  [2][  50/7330]  lr: 2.0000e-02  eta: 1 day, 3:06:28  time: 0.5123  memory: 3823  loss: 1.1835',
      '[11/22 10:00:30 d2.utils.events]:  eta: 1:23:45  iter: 19  total_loss: 2.345  lr: 0.00039962  max_mem: 2345M',
      '[2024-05-01 12:00:00,000] [INFO] [logging.py:96:log_dist] [Rank 0] step=10, skipped=0, lr=[0.0001], mom=[(0.9, 0.999)]',
    ].join('\n');
    assert.deepEqual(read(text), ['lr=0.02@2', 'loss=1.1835@2', 'total_loss=2.345@19', 'lr=0.00039962@19', 'lr=0.0001@10']);
  });

  it('reads single-spaced and CSV header tables, and forgets a header once other output follows', () => {
    const text = 'epoch train_loss val_loss\n1 0.52 0.48\nTraining loss went down\n1 2 3\nepoch,loss,acc\n3,0.5,0.8\n';
    assert.deepEqual(read(text), ['train_loss=0.52@1', 'val_loss=0.48@1', 'loss=0.5@3', 'acc=0.8@3']);
  });

  it('reads rich and loguru handler lines without their source locations', () => {
    const text = '[11/22/26 10:00:00] INFO     epoch=1 loss=0.5                     train.py:42\n2026-11-22 10:00:00.123 | INFO     | __main__:train:42 - Epoch 2 | loss: 0.4 | acc: 0.9\n';
    assert.deepEqual(read(text), ['loss=0.5@1', 'loss=0.4@2', 'acc=0.9@2']);
  });

  it('reads a dict printed right after a progress bar on the same line', () => {
    const text = "100%|██████████| 157/157 [00:05<00:00, 30.1it/s]\x1b[A{'eval_loss': 0.34, 'epoch': 0.86}\n";
    assert.deepEqual(read(text), ['eval_loss=0.34@0.86']);
  });

  it('keeps the nesting of nested dict reprs in names', () => {
    assert.deepEqual(read("{'eval': {'loss': 0.3, 'acc': nan}, 'step': 10, 'ok': True}\n"), ['eval/loss=0.3@10', 'eval/acc=NaN@10']);
  });

  it('reads error metrics but skips error messages', () => {
    const text = 'Epoch 1\nMean Squared Error: 0.123\nRuntimeError: CUDA error: out of memory at 12\nERROR: 12 files failed\nLoss (train): 0.5\n';
    assert.deepEqual(read(text), ['Mean_Squared_Error=0.123@1', 'Loss_train=0.5@1']);
  });

  it('reads numbers quoted as strings, and numeric vectors are not one value', () => {
    assert.deepEqual(read("{'loss': '0.5763', 'epoch': '0.29'}\nbbox_mAP: 0.374 copypaste: 0.211 0.382 0.215\n"), ['loss=0.5763@0.29', 'bbox_mAP=0.374@0.29']);
  });
});

describe('MetricParser never invents a metric', () => {
  const keys = (text: string): string[] => parseAll(text).map((m) => m.key);
  const cases: [string, string][] = [
    ['timestamps and dates', '2024-05-01 12:01:01,123 INFO started\n[10:00:01] ready\nI1122 10:00:00.123456 140234 x.py:12] go\ntime: 2024-05-01\nat 12:30:45.123\n'],
    ['versions', 'Python 3.10.12\ntorch version: 2.1.0+cu121\nCUDA Version: 12.1\nDriver Version: 535.104.05\nVersion: 1.2.3\ntransformers==4.36.0\n'],
    ['download and progress sizes and rates', 'model.safetensors: 100%|██████████| 9.91M/9.91M [00:02<00:00, 7.12MB/s]\n 45%|████▌     | 450/1000 [00:05<00:06, 88.2it/s]\n     ━━━━━━━━━━━━━━━━ 670.2/670.2 MB 12.3 MB/s eta 0:00:00\nDownloaded: 512.0MB\nspeed: 7.12MB/s\n'],
    ['prose counts', 'Found 50000 files belonging to 10 classes.\nLoading 50000 training images\nNumber of training samples: 50000\nnum_workers: 4\nTotal params: 11,689,512\nTrain samples: 50000\ndataset size: 60000\n'],
    ['ids, ports, PIDs', 'pid=12345\nListening on port 6006\nMASTER_PORT=29500 MASTER_ADDR=127.0.0.1\nrun id: 42\nrank: 0, local_rank: 0, world_size: 8\nlocalhost:8080\nseed: 1234\n'],
    ['paths and file:line', 'Saved to /ckpt/run_42/epoch_3-step_1200.ckpt\n  File "/home/u/train.py", line 142, in <module>\n    at train.py:120\nsrc/learner.cc:767: warning\nloading /data/img_2024/batch_12/x.png\n'],
    ['clock readings', 'Epoch 1\n{"time": 1716550000.12, "_timestamp": 1716550001, "created": 1716550000123}\nstarted_at=1716550000 elapsed=12:00\n'],
    ['config echoed before training', "{'lr': 0.001, 'batch_size': 32, 'epochs': 10}\nlr = 0.001\ndropout: 0.1\nNamespace(lr=0.001, batch_size=32)\n"],
  ];
  for (const [name, text] of cases) {
    it(name, () => assert.deepEqual(keys(text), []));
  }
});

describe('MetricParser configuration', () => {
  it('tries user patterns first, with key/value/step groups or a fixed key', () => {
    const p = new MetricParser({
      patterns: [
        { name: 'custom', regex: String.raw`^METRIC (?<key>\w+) @(?<step>\d+) = (?<value>\S+)` },
        { name: 'throughput', regex: String.raw`(?<value>[\d.]+)it/s`, key: 'it_per_sec' },
      ],
    });
    const out = [...p.push('METRIC bleu @5 = 27.3\n 10%|█| 10/100 [00:01<00:09, 9.5it/s]\n'), ...p.end()];
    assert.deepEqual(out.map((m) => [m.key, m.value, m.step]), [['bleu', 27.3, 5], ['it_per_sec', 9.5, 0]]);
    assert.equal(p.stats.userPatternHits, 2);
  });

  it('counts invalid patterns instead of throwing', () => {
    const p = new MetricParser({ patterns: [{ name: 'bad', regex: '(?<value>[' }, { name: 'nokey', regex: '(?<value>\\d+)' }], ignore: ['('] });
    assert.equal(p.stats.invalidPatterns, 3);
    assert.deepEqual(p.push('loss=0.5\n').map((m) => m.key), ['loss']);
  });

  it('drops ignored keys, by name (normalised) or by regex', () => {
    const p = new MetricParser({ ignore: ['grad.norm', '^eval_'] });
    const out = [...p.push("{'loss': 0.5, 'grad_norm': 1.2, 'eval_loss': 0.4, 'eval_acc': 0.9}\n"), ...p.end()];
    assert.deepEqual(out.map((m) => m.key), ['loss']);
  });
});
