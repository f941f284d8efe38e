import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactRecord, RecordSink } from '../../src/core/model';
import { classifyDirectory, classifyFile } from '../../src/core/lineage/artifactClassifier';
import { FileHasher, streamSha256 } from '../../src/core/recorder/fileHasher';
import { compileGlob } from '../../src/core/recorder/globMatch';
import { Recorder } from '../../src/core/recorder/recorder';

const sha = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

describe('artifacts', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-art-'))); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function record(command: string[], extra: { outputGlobs?: string[] } = {}): Promise<ArtifactRecord[]> {
    const artifacts: ArtifactRecord[] = [];
    const sink: RecordSink = {
      startRun() {}, params() {}, metrics() {}, tags() {}, environment() {}, git() {}, codeFiles() {}, endRun() {},
      artifact(_id, a) { artifacts.push(a); },
    };
    const rec = new Recorder({ sink, exptrackDir: path.join(dir, '.exptrack'), workspaceDir: dir, createParser: null, capture: { environment: false, git: false }, ...extra });
    await rec.spawn({ command, cwd: dir, source: 'test' }).done;
    return artifacts.sort((a, b) => a.path.localeCompare(b.path));
  }

  it('tells inputs (named, unchanged) from outputs (named and written, or matching the globs)', async () => {
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'train.csv'), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(dir, 'old.pt'), 'old');
    fs.writeFileSync(path.join(dir, 'cfg.yaml'), 'lr: 1\n');
    // Files from before the run: an hour old.
    for (const f of ['data/train.csv', 'old.pt', 'cfg.yaml']) fs.utimesSync(path.join(dir, f), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    fs.writeFileSync(path.join(dir, 'job.js'), `
      const fs = require('fs');
      fs.readFileSync('data/train.csv');
      fs.writeFileSync('out model.pt', 'new weights');
      fs.mkdirSync('checkpoints/epoch1', { recursive: true });
      fs.writeFileSync('checkpoints/epoch1/state.json', '{}');
      fs.writeFileSync('report.txt', 'named output');
      fs.writeFileSync('scratch.txt', 'not named, not matching: ignored');
    `);
    const arts = await record([process.execPath, 'job.js', '--data', 'data/train.csv', '--out', 'out model.pt', '--report=report.txt', '--config', 'cfg.yaml', '--missing', 'nothing/here.csv']);
    const rows = arts.map((a) => [a.path, a.role, a.kind]);
    assert.deepEqual(rows, [
      ['cfg.yaml', 'input', 'file'],
      ['checkpoints/epoch1/state.json', 'output', 'file'],
      ['data/train.csv', 'input', 'dataset'],
      ['out model.pt', 'output', 'model'],
      ['report.txt', 'output', 'file'],
    ]);
    const csv = arts.find((a) => a.path === 'data/train.csv');
    assert.equal(csv?.sha256, sha('x,y\n1,2\n'));
    assert.equal(csv?.size, 8);
    assert.ok(typeof csv?.mtime === 'number');
    assert.equal(arts.find((a) => a.path === 'out model.pt')?.sha256, sha('new weights'));
  });

  it('takes roles declared on the structured channel, and a named directory as one artifact with a tree hash', async () => {
    // An ImageFolder tree (a folder per class) is a dataset.
    for (const cls of ['cats', 'dogs']) fs.mkdirSync(path.join(dir, 'images', cls), { recursive: true });
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dir, 'images', i < 2 ? 'cats' : 'dogs', `${i}.png`), `png${i}`);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), 'a b c');
    fs.writeFileSync(path.join(dir, 'job.js'), `
      const fs = require('fs');
      const say = (o) => fs.appendFileSync(process.env.EXPTRACK_METRICS_FILE, JSON.stringify(o) + '\\n');
      say({ artifact: 'vocab.txt', role: 'input' });
      fs.writeFileSync('summary.md', '# done');
      say({ artifact: 'summary.md', type: 'output' });
      say({ artifact: 'does/not/exist.bin' });
    `);
    const arts = await record([process.execPath, 'job.js', '--images', 'images']);
    assert.deepEqual(arts.map((a) => [a.path, a.role, a.kind]), [['images', 'input', 'dataset'], ['summary.md', 'output', 'file'], ['vocab.txt', 'input', 'file']]);
    const tree = ['cats/0.png', 'cats/1.png', 'dogs/2.png'].map((f, i) => `${f}\0${sha(`png${i}`)}\n`).join('');
    assert.equal(arts[0].sha256, sha(tree));
  });

  it('hashes big files streamed, in constant memory, and remembers the hash', async () => {
    const big = path.join(dir, 'big.bin');
    const fd = fs.openSync(big, 'w');
    const block = Buffer.alloc(8 * 1024 * 1024, 7);
    const whole = crypto.createHash('sha256');
    for (let i = 0; i < 24; i++) { fs.writeSync(fd, block); whole.update(block); }
    fs.closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    assert.equal(await streamSha256(big), whole.digest('hex'));
    assert.ok(process.memoryUsage().rss - rssBefore < 100 * 1024 * 1024, 'not read into memory whole');
    const cache = path.join(dir, 'hashes.jsonl');
    const h1 = await new FileHasher(cache).hash(big);
    assert.ok(fs.readFileSync(cache, 'utf8').includes(h1 as string));
    // A stale cache entry (same path, other size) is not trusted.
    fs.appendFileSync(big, 'x');
    assert.notEqual(await new FileHasher(cache).hash(big), h1);
    assert.equal(await new FileHasher(null, 10).hash(big), null, 'over the size limit: no hash');
  });

  it('reports hashing progress of a large output file, ending at its size', async () => {
    const progress: { runId: string; path: string; bytesDone: number; bytesTotal: number }[] = [];
    const sink: RecordSink = {
      startRun() {}, params() {}, metrics() {}, tags() {}, environment() {}, git() {}, codeFiles() {}, endRun() {}, artifact() {},
    };
    const rec = new Recorder({ sink, exptrackDir: path.join(dir, '.exptrack'), workspaceDir: dir, createParser: null,
      capture: { environment: false, git: false }, onHashProgress: (p) => progress.push(p) });
    const script = "require('fs').mkdirSync('outputs',{recursive:true});require('fs').writeFileSync('outputs/model.pt',Buffer.alloc(40*1024*1024,1))";
    const run = rec.spawn({ command: [process.execPath, '-e', script], cwd: dir, source: 'test' });
    await run.done;
    const mine = progress.filter((p) => p.path === 'outputs/model.pt');
    assert.ok(mine.length >= 10, `several reports while 40 MB is read (${mine.length})`);
    assert.ok(mine.every((p, i) => p.runId === run.run.id && p.bytesTotal === 40 * 1024 * 1024 && (i === 0 || p.bytesDone > mine[i - 1].bytesDone)));
    assert.equal(mine[mine.length - 1].bytesDone, 40 * 1024 * 1024);
  });

  it('looks at a huge named folder within bounds: the run starts at once, the tree is too big to hash', async () => {
    const big = path.join(dir, 'frames');
    fs.mkdirSync(big);
    for (let i = 0; i < 20_000; i++) fs.writeFileSync(path.join(big, `${i}.jpg`), '');
    fs.writeFileSync(path.join(dir, 'job.js'), 'console.log(Date.now())');
    let startedAt = 0;
    const artifacts: ArtifactRecord[] = [];
    const sink: RecordSink = {
      startRun(r) { startedAt = r.startedAt; }, params() {}, metrics() {}, tags() {}, environment() {}, git() {}, codeFiles() {}, endRun() {},
      artifact(_id, a) { artifacts.push(a); },
    };
    const rec = new Recorder({ sink, exptrackDir: path.join(dir, '.exptrack'), workspaceDir: dir, createParser: null, capture: { environment: false, git: false } });
    const t0 = Date.now();
    const run = rec.spawn({ command: [process.execPath, 'job.js', '--frames', 'frames'], cwd: dir, source: 'test' });
    // Listing a million entries whole takes minutes; a bounded walk is far under this.
    assert.ok(Date.now() - t0 < 10_000, `spawned after ${Date.now() - t0} ms`);
    await run.done;
    assert.ok(startedAt >= t0);
    const frames = artifacts.find((a) => a.path === 'frames');
    assert.deepEqual([frames?.role, frames?.kind, frames?.sha256], ['input', 'dataset', null]);
  });

  it('classifies kinds and matches globs', () => {
    // The recorder and the lineage views share one classifier.
    assert.deepEqual(['a.parquet', 'b.safetensors', 'c.txt', 'd.CSV', 'e.ckpt', 'f.npz'].map((f) => classifyFile(f)), ['dataset', 'model', 'file', 'dataset', 'model', 'dataset']);
    assert.equal(classifyDirectory(['config.json', 'model.safetensors']), 'model');
    assert.equal(classifyDirectory([...Array.from({ length: 12 }, (_, i) => `${i}.jpg`), 'labels.txt']), 'dataset');
    assert.equal(classifyDirectory(['loss.png', 'acc.png', 'log.txt']), 'file', 'a folder of a few plots is not a dataset');
    assert.equal(classifyDirectory(['a.py', 'b.md']), 'file');
    const g = compileGlob('**/*.{pt,onnx}');
    assert.ok(g('m.pt') && g('a/b/m.onnx') && !g('m.pth'));
    assert.ok(compileGlob('outputs/**')('outputs/x/y.txt') && !compileGlob('outputs/**')('a/outputs/y.txt'));
    assert.ok(compileGlob('*.csv')('deep/dir/x.csv'));
  });
});
