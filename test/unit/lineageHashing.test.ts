import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyDirectory, classifyFile, classifyPath } from '../../src/core/lineage/artifactClassifier';
import { hashDirectory, hashFile, hashPath } from '../../src/core/lineage/contentHash';

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

describe('content hashes', () => {
  it('streams a file and reports progress, matching a one-shot sha256', async () => {
    const root = tempDir();
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    write(root, 'big.bin', data);
    const seen: number[] = [];
    const h = await hashFile(path.join(root, 'big.bin'), { onProgress: (d, t) => { assert.equal(t, data.length); seen.push(d); } });
    assert.equal(h.sha256, createHash('sha256').update(data).digest('hex'));
    assert.equal(h.size, data.length);
    assert.deepEqual(seen, [1048576, 2097152, 3145728, data.length]);
  });

  it('hashes a folder as a tree of file hashes: stable, and changed by any edit, rename or addition', async () => {
    const root = tempDir();
    write(root, 'd/a.csv', '1,2\n');
    write(root, 'd/sub/b.csv', '3,4\n');
    write(root, 'd/.git/HEAD', 'ignored');
    const first = await hashDirectory(path.join(root, 'd'));
    assert.equal(first.files, 2);
    assert.equal(first.exact, true);
    const manifest = `a.csv\0${createHash('sha256').update('1,2\n').digest('hex')}\nsub/b.csv\0${createHash('sha256').update('3,4\n').digest('hex')}\n`;
    assert.equal(first.sha256, createHash('sha256').update(manifest).digest('hex'));
    assert.equal((await hashPath(path.join(root, 'd'))).sha256, first.sha256);
    write(root, 'd/sub/b.csv', '3,5\n');
    const edited = await hashDirectory(path.join(root, 'd'));
    assert.notEqual(edited.sha256, first.sha256);
    fs.renameSync(path.join(root, 'd/sub/b.csv'), path.join(root, 'd/sub/c.csv'));
    assert.notEqual((await hashDirectory(path.join(root, 'd'))).sha256, edited.sha256);
  });

  it('caps the content hashed and says the result is not exact', async () => {
    const root = tempDir();
    for (let i = 0; i < 5; i++) write(root, `d/${i}.npy`, `x${i}`);
    const capped = await hashDirectory(path.join(root, 'd'), { maxFiles: 2 });
    assert.equal(capped.exact, false);
    assert.equal(capped.files, 5);
    const byBytes = await hashDirectory(path.join(root, 'd'), { maxBytes: 4 });
    assert.equal(byBytes.exact, false);
  });
});
