import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactRecord, GitInfo, MetricPoint, ParamValue, RecordSink, RunEnd, RunStart } from '../../src/core/model';
import { Recorder } from '../../src/core/recorder/recorder';
import type { RecorderOptions } from '../../src/core/recorder/recorderTypes';
import { newRunId } from '../../src/core/recorder/runId';

/** A real RecordSink that keeps every call in memory, per run. */
class MemorySink implements RecordSink {
  readonly starts: RunStart[] = [];
  readonly ends = new Map<string, RunEnd>();
  readonly paramMap = new Map<string, Record<string, ParamValue>>();
  readonly points = new Map<string, MetricPoint[]>();
  readonly tagMap = new Map<string, Record<string, string>>();
  readonly artifacts = new Map<string, ArtifactRecord[]>();
  readonly environments = new Map<string, Record<string, unknown>>();
  readonly gits = new Map<string, GitInfo>();
  readonly code = new Map<string, Record<string, string>>();
  readonly order: string[] = [];
  startRun(run: RunStart): void { this.starts.push(run); this.order.push('start'); }
  params(runId: string, params: Readonly<Record<string, ParamValue>>): void { this.paramMap.set(runId, { ...this.paramMap.get(runId), ...params }); }
  metrics(runId: string, points: readonly MetricPoint[]): void { this.order.push('metrics'); const l = this.points.get(runId) ?? []; l.push(...points); this.points.set(runId, l); }
  tags(runId: string, tags: Readonly<Record<string, string>>): void { this.tagMap.set(runId, { ...this.tagMap.get(runId), ...tags }); }
  artifact(runId: string, a: ArtifactRecord): void { const l = this.artifacts.get(runId) ?? []; l.push(a); this.artifacts.set(runId, l); }
  environment(runId: string, e: Readonly<Record<string, unknown>>): void { this.environments.set(runId, { ...this.environments.get(runId), ...e }); }
  git(runId: string, g: GitInfo): void { this.gits.set(runId, g); }
  codeFiles(runId: string, files: Readonly<Record<string, string>>): void { this.code.set(runId, { ...this.code.get(runId), ...files }); }
  endRun(runId: string, end: RunEnd): void { this.ends.set(runId, end); this.order.push('end'); }
  series(runId: string, key: string): number[] { return (this.points.get(runId) ?? []).filter((p) => p.key === key).map((p) => p.value); }
}

const makeSink = (): MemorySink => new MemorySink();
const paramsOf = (sink: MemorySink, id: string): Record<string, ParamValue> => sink.paramMap.get(id) ?? {};

/** A tiny `key=value` console parser: a real implementation of the parser port, for tests that pin it. */
class KeyValueParser {
  private partial = '';
  push(chunk: string | Uint8Array): { key: string; value: number; step: null }[] {
    this.partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (this.partial.length > 65536 && !this.partial.includes('\n')) this.partial = '';
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.flatMap((l) => this.line(l));
  }
  end(): { key: string; value: number; step: null }[] { const l = this.partial; this.partial = ''; return this.line(l); }
  private line(l: string): { key: string; value: number; step: null }[] {
    return [...l.matchAll(/\b([a-z_]+)=(-?[\d.]+(?:e-?\d+)?|nan|inf)\b/gi)].map((m) => ({ key: m[1], value: Number(m[2].replace(/^inf$/i, 'Infinity')), step: null }));
  }
}

describe('recorder', function () {
  this.timeout(60_000);
  let dir: string;
  let exptrackDir: string;
  const options = (sink: RecordSink, extra: Partial<RecorderOptions> = {}): RecorderOptions => ({
    sink, exptrackDir, workspaceDir: dir, createParser: () => new KeyValueParser(), capture: { packages: false }, ...extra,
  });
  const script = (name: string, body: string): string => { const f = path.join(dir, name); fs.writeFileSync(f, body); return f; };

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-rec-')));
    exptrackDir = path.join(dir, '.exptrack');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records a spawned process: command, params, output, metrics from stdout and the channel, exit code', async () => {
    script('train.js', `
      const fs = require('fs');
      const ch = (o) => fs.appendFileSync(process.env.EXPTRACK_METRICS_FILE, JSON.stringify(o) + '\\n');
      console.log('run ' + process.env.EXPTRACK_RUN_ID);
      for (let i = 0; i < 5; i++) console.log('loss=' + (1 / (i + 1)));
      console.error('warning on stderr');
      ch({ step: 7, val_acc: 0.5 });
      ch({ params: { optimizer: { name: 'adam' } } });
      ch({ tags: { stage: 'dev' } });
      process.stdout.write('{"params": {"from_stdout": 1}}\\n');
      fs.writeFileSync('model.pt', 'weights');
      ch({ artifact: 'model.pt', role: 'output' });
      process.exitCode = 3;
    `);
    const sink = makeSink();
    const chunks: string[] = [];
    const run = new Recorder(options(sink)).spawn({
      command: [process.execPath, 'train.js', '--lr', '3e-4', '--epochs=2', 'model.depth=4', '--fp16'],
      cwd: dir, source: 'test', tags: { who: 'me' }, onOutput: (c) => chunks.push(c.toString()),
    });
    const exit = await run.exited;
    const end = await run.done;
    assert.deepEqual([exit.exitCode, end.status, end.exitCode], [3, 'failed', 3]);
    const id = run.run.id;
    const start = sink.starts[0];
    assert.equal(start.id, id);
    assert.equal(start.experiment, 'train.js');
    assert.match(start.command, /train\.js --lr 3e-4 --epochs=2 model\.depth=4 --fp16$/);
    assert.equal(start.pid, run.pid);
    assert.deepEqual(paramsOf(sink, id), { lr: 3e-4, epochs: 2, 'model.depth': 4, fp16: true, 'optimizer.name': 'adam', from_stdout: 1 });
    assert.deepEqual(sink.tagMap.get(id), { who: 'me', stage: 'dev' });
    assert.deepEqual(sink.series(id, 'loss'), [1, 0.5, 1 / 3, 0.25, 0.2]);
    assert.deepEqual((sink.points.get(id) ?? []).filter((p) => p.key === 'loss').map((p) => p.step), [0, 1, 2, 3, 4]);
    assert.deepEqual((sink.points.get(id) ?? []).filter((p) => p.key === 'val_acc').map((p) => [p.step, p.value]), [[7, 0.5]]);
    const log = fs.readFileSync(path.join(exptrackDir, 'runs', id, 'output.log'), 'utf8');
    assert.ok(log.startsWith(`run ${id}\n`), log);
    assert.ok(log.includes('warning on stderr'));
    assert.equal(chunks.join(''), log, 'the viewer gets exactly the bytes that were logged');
    assert.deepEqual(sink.artifacts.get(id)?.map((a) => [a.path, a.role, a.kind, a.size]), [['model.pt', 'output', 'model', 7]]);
    assert.equal(sink.order[0], 'start');
    assert.equal(sink.order[sink.order.length - 1], 'end');
    const env = sink.environments.get(id) ?? {};
    assert.equal(typeof env.host, 'string');
    assert.ok((env.cpus as { count: number }).count > 0);
    assert.deepEqual(env.gpus, [], 'no nvidia-smi here: an empty list, quietly');
  });

  it('records a run stopped with interrupt() as killed, and a command that cannot start as failed', async () => {
    script('wait.js', 'console.log("waiting"); setInterval(() => {}, 1000);');
    const sink = makeSink();
    const rec = new Recorder(options(sink));
    const run = rec.spawn({ command: [process.execPath, 'wait.js'], cwd: dir, source: 'test' });
    await new Promise((r) => setTimeout(r, 300));
    run.interrupt();
    const end = await run.done;
    assert.deepEqual([end.status, end.signal, end.exitCode], ['killed', 'SIGINT', null]);

    const missing = rec.spawn({ command: ['definitely-not-a-command-xyz', '--a', '1'], cwd: dir, source: 'test' });
    const e2 = await missing.done;
    assert.deepEqual([e2.status, e2.exitCode], ['failed', 127]);
    assert.match(fs.readFileSync(missing.run.outputFile, 'utf8'), /cannot start definitely-not-a-command-xyz: command not found/);
  });

  it('passes input to the process and runs shell strings', async () => {
    const sink = makeSink();
    const rec = new Recorder(options(sink));
    const run = rec.spawn({ command: `${JSON.stringify(process.execPath)} -e "process.stdin.on('data', d => console.log('got=' + d.toString().trim()))"`, cwd: dir, source: 'task' });
    run.write('42\n');
    setTimeout(() => run.endInput(), 200);
    const end = await run.done;
    assert.equal(end.status, 'finished');
    assert.deepEqual(sink.series(run.run.id, 'got'), [42]);
  });

  it('observes a process it does not own: chunks, a shared channel file from its current end, and the exit', async () => {
    const shared = path.join(dir, 'terminal-channel.jsonl');
    fs.writeFileSync(shared, '{"step": 1, "before": 1}\n');
    const sink = makeSink();
    const rec = new Recorder(options(sink));
    const run = rec.observe({ command: 'python train.py --lr 0.1 | tee out.txt', cwd: dir, source: 'terminal', metricsFile: shared });
    run.output('epoch 1 loss=0.5\r\n');
    run.output('\x1b]633;C\x07\x1b[32m{"params": {"from_terminal": "yes"}}\x1b[0m\r\n');
    run.output('epoch 2 lo');
    run.output('ss=0.25\r\n');
    fs.appendFileSync(shared, '{"step": 2, "acc": 0.75}\n{"step": 3, "acc": NaN}\n{"step": 4, "acc": Infinity}\n{"step": 5, "acc": -Infinity}');
    const end = await run.end({ exitCode: 0 });
    assert.equal(end.status, 'finished');
    const id = run.id;
    assert.equal(sink.starts[0].experiment, 'train.py');
    assert.deepEqual(paramsOf(sink, id), { lr: 0.1, from_terminal: 'yes' });
    assert.deepEqual(sink.series(id, 'loss'), [0.5, 0.25]);
    assert.deepEqual(sink.series(id, 'acc'), [0.75, NaN, Infinity, -Infinity]);
    assert.deepEqual(sink.series(id, 'before'), [], 'lines written before the command started belong to another');
    assert.equal(run.channelEnv.EXPTRACK_RUN_ID, id);

    const lost = rec.observe({ command: 'python x.py', cwd: dir, source: 'terminal' });
    assert.equal((await lost.end({ exitCode: null })).status, 'interrupted');
    const ctrlC = rec.observe({ command: 'python x.py', cwd: dir, source: 'terminal' });
    const e3 = await ctrlC.end({ exitCode: 130 });
    assert.deepEqual([e3.status, e3.signal], ['killed', 'SIGINT']);
  });

  it('reads params from config files named on the command line, Hydra configs, and lets flags win', async () => {
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(path.join(dir, 'conf', 'big.yaml'), 'model:\n  depth: 50\n  width: 2\nlr: 0.1\n');
    fs.writeFileSync(path.join(dir, 'base.toml'), '[optim]\nname = "sgd"\nmomentum = 0.9\n');
    fs.writeFileSync(path.join(dir, 'extra.json'), '{"data": {"path": "d.csv"}}');
    fs.writeFileSync(path.join(dir, 'train.py'), '');
    const sink = makeSink();
    const rec = new Recorder(options(sink));
    const run = rec.observe({ command: 'python train.py extra.json --config-name big --cfg base.toml model.depth=18 optim.name=adam', cwd: dir, source: 'terminal' });
    await run.end({ exitCode: 0 });
    const p = paramsOf(sink, run.id);
    assert.deepEqual(
      [p['model.depth'], p['model.width'], p.lr, p['optim.name'], p['optim.momentum'], p['data.path'], p.cfg, p['config-name']],
      [18, 2, 0.1, 'adam', 0.9, 'd.csv', 'base.toml', 'big'],
    );
  });

  it('caps output.log keeping the head and the tail, and says so in the file', async () => {
    script('loud.js', `for (let i = 0; i < 20000; i++) console.log('line ' + String(i).padStart(6, '0'));`);
    const sink = makeSink();
    const run = new Recorder(options(sink, { outputLimitBytes: 20_000 })).spawn({ command: [process.execPath, 'loud.js'], cwd: dir, source: 'test' });
    await run.done;
    const log = fs.readFileSync(run.run.outputFile, 'utf8');
    assert.ok(log.startsWith('line 000000\n'));
    assert.ok(log.endsWith('line 019999\n'));
    assert.match(log, /\[exptrack\] output truncated: \d+ bytes left out here/);
    assert.ok(log.length < 21_000, `${log.length}`);
    assert.deepEqual(fs.readdirSync(path.dirname(run.run.outputFile)).sort(), ['metrics.jsonl', 'output.log']);
  });

  it('takes bad input: binary output, invalid UTF-8, a 50 MB line without newline, 10,000 keys, odd names', async () => {
    script('bad.js', `
      const fs = require('fs');
      process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]));
      process.stdout.write('x'.repeat(50 * 1024 * 1024));
      process.stdout.write('\\nloss=1\\n');
      const keys = {};
      for (let i = 0; i < 10000; i++) keys['k' + i] = i;
      const lines = [JSON.stringify({ step: 1, ...keys }), '{"step": 2, "na me \\\\"q\\\\" <b>html</b>": 1}', 'not json', '{"params": 5}', '{"artifact": 42}', '{broken', '[1,2]'];
      fs.appendFileSync(process.env.EXPTRACK_METRICS_FILE, lines.join('\\n') + '\\n');
    `);
    const sink = makeSink();
    const run = new Recorder(options(sink)).spawn({ command: [process.execPath, 'bad.js', '--name', 'a "quoted" <b>name</b>'], cwd: dir, source: 'test' });
    const end = await run.done;
    assert.equal(end.status, 'finished');
    const id = run.run.id;
    const keys = new Set((sink.points.get(id) ?? []).map((p) => p.key));
    assert.ok(keys.size >= 10_001, String(keys.size));
    assert.ok(keys.has('na me "q" <b>html</b>'));
    assert.deepEqual(sink.series(id, 'loss'), [1]);
    assert.equal(paramsOf(sink, id).name, 'a "quoted" <b>name</b>');
    const log = fs.readFileSync(run.run.outputFile);
    assert.deepEqual([...log.subarray(0, 6)], [0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]);
    assert.equal(log.length, 6 + 50 * 1024 * 1024 + 8);
  });

  it('never writes a secret under .exptrack: env, argv, params, remote URLs', async () => {
    script('sec.js', `require('fs').appendFileSync(process.env.EXPTRACK_METRICS_FILE, JSON.stringify({ params: { api_key: 'S3CR3T-4', ok: 1 } }) + '\\n');`);
    const sink = makeSink();
    const run = new Recorder(options(sink)).spawn({
      command: [process.execPath, 'sec.js', '--api-key', 'S3CR3T-1', '--db=https://u:S3CR3T-2@host/db', 'hf_token=S3CR3T-5'],
      cwd: dir, source: 'test', env: { HF_TOKEN: 'S3CR3T-3', CUDA_VISIBLE_DEVICES: '0', HF_HOME: '/x' },
    });
    await run.done;
    const id = run.run.id;
    const everything = JSON.stringify({ s: sink.starts, p: paramsOf(sink, id), e: sink.environments.get(id) });
    assert.ok(!everything.includes('S3CR3T'), everything);
    const envVars = (sink.environments.get(id) ?? {}).envVars as Record<string, string>;
    assert.deepEqual([envVars.HF_TOKEN, envVars.CUDA_VISIBLE_DEVICES, envVars.HF_HOME], ['[redacted]', '0', '/x']);
    assert.equal(paramsOf(sink, id).ok, 1);
    const files = fs.readdirSync(exptrackDir, { recursive: true }).map(String).filter((f) => !f.endsWith('metrics.jsonl'));
    for (const f of files) {
      const p = path.join(exptrackDir, f);
      if (fs.statSync(p).isFile()) assert.ok(!fs.readFileSync(p, 'utf8').includes('S3CR3T'), f);
    }
  });

  it('ends a run soon after its process exits even when a grandchild keeps the output pipe open', async function () {
    if (process.platform === 'win32') this.skip();
    const sink = makeSink();
    const t0 = Date.now();
    const run = new Recorder(options(sink)).spawn({ command: 'echo started; sleep 10 & exit 3', cwd: dir, source: 'test' });
    const end = await run.done;
    assert.deepEqual([end.status, end.exitCode], ['failed', 3]);
    assert.ok(Date.now() - t0 < 8000, `${Date.now() - t0} ms`);
    assert.ok(fs.readFileSync(run.run.outputFile, 'utf8').includes('started'));
  });

  it('still runs the command when the run folder cannot be written', async () => {
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file where the .exptrack folder would go');
    const sink = makeSink();
    const warnings: string[] = [];
    const rec = new Recorder({ ...options(sink), exptrackDir: path.join(dir, 'blocker', '.exptrack'), logger: { warn: (m) => warnings.push(m) } });
    const run = rec.spawn({ command: [process.execPath, '-e', 'console.log("loss=0.5")'], cwd: dir, source: 'test' });
    const end = await run.done;
    assert.equal(end.status, 'finished');
    assert.deepEqual(sink.series(run.run.id, 'loss'), [0.5]);
    assert.ok(warnings.some((w) => w.includes('cannot write the run folder')), warnings.join('\n'));
  });

  it('on dispose, stops the processes it started (killed) and ends observed runs (interrupted)', async () => {
    script('wait.js', 'console.log("waiting"); setInterval(() => {}, 1000);');
    const sink = makeSink();
    const rec = new Recorder(options(sink));
    const spawned = rec.spawn({ command: [process.execPath, 'wait.js'], cwd: dir, source: 'task' });
    const observed = rec.observe({ command: 'python t.py', cwd: dir, source: 'terminal' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rec.activeRuns.length, 2);
    await rec.dispose();
    assert.equal(sink.ends.get(spawned.run.id)?.status, 'killed');
    assert.equal(sink.ends.get(observed.id)?.status, 'interrupted');
    assert.equal(rec.activeRuns.length, 0);
  });

  it('makes sortable unique run ids', () => {
    const ids = Array.from({ length: 2000 }, () => newRunId(4_102_444_800_000));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    assert.match(ids[0], /^[0-9a-hjkmnp-tv-z]{16}$/);
    assert.ok(ids[0].slice(0, 10) < ids[1].slice(0, 10), 'never the same millisecond twice in a process: the time part tells them apart');
  });
});
