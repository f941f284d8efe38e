import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyDirectory, classifyFile, classifyPath } from '../../src/core/lineage/artifactClassifier';
import type { ArtifactRecord, RecordSink } from '../../src/core/model';
import { FileHasher, MAX_TREE_FILES } from '../../src/core/recorder/fileHasher';
import { Recorder } from '../../src/core/recorder/recorder';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-lineage-hash-'));
}

function write(root: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

describe('artifact kinds', () => {
  it('classifies files by extension, looking through compression', () => {
    for (const f of ['a.csv', 'b.TSV', 'c.parquet', 'd.jsonl', 'e.arrow', 'f.npy', 'g.npz', 'h.tfrecord', 'train.csv.gz']) assert.equal(classifyFile(f), 'dataset', f);
    for (const f of ['m.pt', 'm.pth', 'm.ckpt', 'pytorch_model.bin', 'm.safetensors', 'm.onnx', 'm.h5', 'm.keras', 'm.pkl', 'm.joblib', 'm.gguf']) assert.equal(classifyFile(f), 'model', f);
    for (const f of ['train.py', 'README', 'config.yaml', 'notes.txt', '.csv']) assert.equal(classifyFile(f), 'file', f);
  });

  it('classifies folders by layout', () => {
    assert.equal(classifyDirectory(['config.json', 'model.safetensors', 'tokenizer.json']), 'model', 'Hugging Face model');
    assert.equal(classifyDirectory(['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001']), 'model', 'SavedModel');
    assert.equal(classifyDirectory(['dataset_info.json', 'state.json', 'data-00000-of-00003.arrow']), 'dataset', 'HF dataset');
    assert.equal(classifyDirectory(['part-0.parquet', 'part-1.parquet', '_SUCCESS']), 'dataset', 'parquet shards');
    const images = [...Array(12).keys()].flatMap((i) => [`cat/${i}.jpg`, `dog/${i}.png`]);
    assert.equal(classifyDirectory(images), 'dataset', 'ImageFolder');
    assert.equal(classifyDirectory(['main.py', 'utils.py', 'README.md']), 'file');
    assert.equal(classifyDirectory([]), 'file');
  });

  it('classifies a real folder on disk', async () => {
    const root = tempDir();
    for (let i = 0; i < 6; i++) { write(root, `imgs/a/${i}.png`, 'x'); write(root, `imgs/b/${i}.png`, 'y'); }
    write(root, 'ckpt/model.pt', 'w');
    assert.equal(await classifyPath(path.join(root, 'imgs')), 'dataset');
    assert.equal(await classifyPath(path.join(root, 'ckpt')), 'model');
    assert.equal(await classifyPath(path.join(root, 'ckpt', 'model.pt')), 'model');
  });
});

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Records one run of `command` in `root` and returns its artifacts. */
async function recordArtifacts(root: string, command: string[], maxHashBytes?: number): Promise<ArtifactRecord[]> {
  const artifacts: ArtifactRecord[] = [];
  const sink: RecordSink = {
    startRun() {}, params() {}, metrics() {}, tags() {}, environment() {}, git() {}, codeFiles() {}, endRun() {},
    artifact(_id, a) { artifacts.push(a); },
  };
  const rec = new Recorder({ sink, exptrackDir: path.join(root, '.exptrack'), workspaceDir: root, createParser: null,
    capture: { environment: false, git: false }, maxHashBytes });
  await rec.spawn({ command, cwd: root, source: 'test' }).done;
  return artifacts;
}

describe('the artifact hasher', function () {
  this.timeout(60_000);

  it('streams a file and reports progress, matching a one-shot sha256', async () => {
    const root = tempDir();
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    write(root, 'big.bin', data);
    const seen: number[] = [];
    const h = await new FileHasher(null).hash(path.join(root, 'big.bin'), (d, t) => { assert.equal(t, data.length); seen.push(d); });
    assert.equal(h, sha(data));
    assert.deepEqual(seen, [1048576, 2097152, 3145728, data.length]);
  });

  it('hashes a folder as a tree of file hashes: stable, and changed by any edit, rename or addition', async () => {
    const root = tempDir();
    write(root, 'd/a.csv', '1,2\n');
    write(root, 'd/sub/b.csv', '3,4\n');
    const hasher = new FileHasher(null);
    const first = await hasher.hash(path.join(root, 'd'));
    assert.equal(first, sha(`a.csv\0${sha('1,2\n')}\nsub/b.csv\0${sha('3,4\n')}\n`));
    write(root, 'd/sub/b.csv', '3,5\n');
    const edited = await hasher.hash(path.join(root, 'd'));
    assert.notEqual(edited, first);
    fs.renameSync(path.join(root, 'd/sub/b.csv'), path.join(root, 'd/sub/c.csv'));
    const renamed = await hasher.hash(path.join(root, 'd'));
    assert.notEqual(renamed, edited);
    write(root, 'd/e.csv', '');
    assert.notEqual(await hasher.hash(path.join(root, 'd')), renamed);
  });

  it('hashes the same folder identically through every path that records or checks it', async () => {
    const root = fs.realpathSync(tempDir());
    // A dataset folder holding what each former hasher treated differently: OS metadata, tool folders,
    // a file big enough for the hash cache, and a symlinked data file (as DVC and the HF cache make).
    const big = Buffer.alloc(2 * 1024 * 1024 + 3, 1);
    write(root, 'data/train.csv', 'x,y\n1,2\n');
    write(root, 'data/images/cat/0.png', 'png0');
    write(root, 'data/big.npy', big);
    write(root, 'blobs/val.csv', 'x,y\n3,4\n');
    fs.symlinkSync(path.join(root, 'blobs/val.csv'), path.join(root, 'data/val.csv'));
    fs.symlinkSync(path.join(root, 'blobs'), path.join(root, 'data/linked-folder'));
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'data/dangling'));
    for (const noise of ['.DS_Store', 'images/Thumbs.db', 'node_modules/x/index.js', '.exptrack/cache/h.jsonl', '__pycache__/m.pyc', '.git/HEAD', '.ipynb_checkpoints/a.ipynb']) {
      write(root, `data/${noise}`, 'noise');
    }
    const old = new Date(Date.now() - 3600_000);
    for (const f of ['data/train.csv', 'data/images/cat/0.png', 'data/big.npy', 'blobs/val.csv']) fs.utimesSync(path.join(root, f), old, old);
    const expected = sha([
      `big.npy\0${sha(big)}\n`, `images/cat/0.png\0${sha('png0')}\n`, `train.csv\0${sha('x,y\n1,2\n')}\n`, `val.csv\0${sha('x,y\n3,4\n')}\n`,
    ].join(''));

    // The Lineage panel's check of what is on disk.
    assert.equal(await new FileHasher(null).hash(path.join(root, 'data')), expected, 'panel');
    // The recorder with its cache, cold then warm.
    const cache = path.join(root, 'cache.jsonl');
    assert.equal(await new FileHasher(cache).hash(path.join(root, 'data')), expected, 'recorder, cold cache');
    assert.ok(fs.readFileSync(cache, 'utf8').includes(sha(big)), 'the big file went through the cache');
    assert.equal(await new FileHasher(cache).hash(path.join(root, 'data')), expected, 'recorder, warm cache');
    // A run that reads it (an input, hashed while the run goes) ...
    const input = (await recordArtifacts(root, [process.execPath, '-e', '0', 'data'])).find((a) => a.path === 'data');
    assert.equal(input?.role, 'input');
    assert.equal(input?.sha256, expected, 'recorded input');
    // ... and a run that writes a copy of it (an output, hashed at the end).
    const copy = "const fs=require('fs');fs.cpSync('data','out/copy',{recursive:true,verbatimSymlinks:true})";
    const output = (await recordArtifacts(root, [process.execPath, '-e', copy, 'out/copy'])).find((a) => a.path === 'out/copy');
    assert.equal(output?.role, 'output');
    assert.equal(output?.sha256, expected, 'recorded output');
  });

  it('gives no hash past the caps, in the hasher and in the stored artifact (size still recorded)', async () => {
    const root = fs.realpathSync(tempDir());
    for (let i = 0; i < 4; i++) write(root, `d/${i}.npy`, `x${i}`);
    assert.equal(await new FileHasher(null, 7).hash(path.join(root, 'd')), null, 'a folder over the byte cap');
    assert.equal(await new FileHasher(null, 7).hash(path.join(root, 'd/0.npy')), sha('x0'), 'a file under it');
    assert.equal(await new FileHasher(null, 1).hash(path.join(root, 'd/0.npy')), null, 'a file over it');
    const [stored] = await recordArtifacts(root, [process.execPath, '-e', '0', 'd'], 7);
    assert.equal(stored.path, 'd');
    assert.equal(stored.sha256, null, 'stored unhashed');
    assert.equal(stored.size, 8);

    for (let i = 4; i <= MAX_TREE_FILES; i++) fs.writeFileSync(path.join(root, 'd', `${i}.npy`), '');
    assert.equal(await new FileHasher(null).hash(path.join(root, 'd')), null, `more than ${MAX_TREE_FILES} files`);
    fs.rmSync(path.join(root, 'd', `${MAX_TREE_FILES}.npy`));
    assert.ok(await new FileHasher(null).hash(path.join(root, 'd')), `${MAX_TREE_FILES} files are hashed`);
  });
});
