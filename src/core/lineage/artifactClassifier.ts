import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactKind } from '../model';

const datasetExtensions = new Set([
  'csv', 'tsv', 'parquet', 'pq', 'jsonl', 'ndjson', 'arrow', 'feather', 'ipc', 'npy', 'npz', 'tfrecord', 'tfrecords',
  'avro', 'orc', 'hdf5', 'lmdb', 'libsvm', 'svmlight', 'arff', 'xlsx', 'xls', 'sqlite', 'duckdb', 'zarr', 'mds', 'records',
]);
const modelExtensions = new Set([
  'pt', 'pth', 'ckpt', 'bin', 'safetensors', 'onnx', 'h5', 'keras', 'pkl', 'pickle', 'joblib', 'gguf', 'ggml', 'pb',
  'tflite', 'mlmodel', 'mlpackage', 'mar', 'engine', 'plan', 'msgpack', 'pdparams', 'params', 'caffemodel', 'model', 'cbm', 'ubj',
]);
/** Files that make a folder a dataset when they are most of it (an image folder, an audio corpus). */
const sampleExtensions = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff', 'webp', 'ppm', 'pgm', 'dcm', 'nii', 'wav', 'mp3', 'flac', 'ogg', 'mp4',
  'avi', 'mov', 'txt', 'json', 'xml', 'gz', 'zst',
]);
/** Names that only a model folder holds (Hugging Face, TF SavedModel, MLflow, TorchScript, sklearn). */
const modelMarkers = new Set([
  'saved_model.pb', 'saved_model.pbtxt', 'mlmodel', 'model.safetensors', 'pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack',
  'model.safetensors.index.json', 'pytorch_model.bin.index.json', 'adapter_model.safetensors', 'adapter_config.json',
  'generation_config.json', 'tokenizer_config.json', 'model.onnx',
]);
/** Names that only a dataset folder holds (Hugging Face datasets, TFDS, DVC-style manifests). */
const datasetMarkers = new Set(['dataset_info.json', 'dataset_dict.json', 'state.json', 'features.json', 'data-00000-of-00001.arrow', '_SUCCESS', '_common_metadata', '_metadata']);

function extensionOf(p: string): string {
  const base = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1).toLowerCase();
  // Compressed data keeps its kind: train.csv.gz is a dataset.
  const stripped = base.replace(/\.(gz|bz2|xz|zst|lz4|zip)$/, '');
  const dot = stripped.lastIndexOf('.');
  return dot > 0 ? stripped.slice(dot + 1) : '';
}

/** dataset | model | file for a file, by its extension (`.gz` and friends looked through). */
export function classifyFile(filePath: string): ArtifactKind {
  const e = extensionOf(filePath);
  if (datasetExtensions.has(e)) return 'dataset';
  if (modelExtensions.has(e)) return 'model';
  return 'file';
}

/**
 * dataset | model | file for a directory from its layout: `files` are paths relative to it (forward
 * slashes). A model marker (Hugging Face weights, a SavedModel, a checkpoint) makes a model; a dataset
 * marker, shards of data files, or a class-per-folder image tree makes a dataset.
 */
export function classifyDirectory(files: readonly string[]): ArtifactKind {
  if (!files.length) return 'file';
  let data = 0;
  let model = 0;
  let samples = 0;
  const sampleDirs = new Set<string>();
  for (const f of files) {
    const base = f.slice(f.lastIndexOf('/') + 1);
    if (modelMarkers.has(base) || f.startsWith('variables/variables.')) return 'model';
    if (datasetMarkers.has(base)) return 'dataset';
    const kind = classifyFile(f);
    if (kind === 'model') model++;
    else if (kind === 'dataset') data++;
    else if (sampleExtensions.has(extensionOf(f))) {
      samples++;
      const slash = f.lastIndexOf('/');
      if (slash > 0) sampleDirs.add(f.slice(0, slash));
    }
  }
  // A checkpoint folder may hold a few arrays beside the weights; weights decide.
  if (model > 0 && model >= data) return 'model';
  if (data > 0 && data * 2 >= files.length) return 'dataset';
  // ImageFolder layout: one folder per class, mostly samples.
  if ((data + samples) * 2 >= files.length && (samples >= 10 || sampleDirs.size >= 2)) return 'dataset';
  if (data > 0 && data + samples >= files.length / 2) return 'dataset';
  return 'file';
}

/** How many files {@link classifyPath} looks at inside a directory. */
const classifyScanLimit = 2000;

/** Classifies a path on disk, file or directory (looking at up to 2,000 of its files). */
export async function classifyPath(absPath: string): Promise<ArtifactKind> {
  const st = await fs.promises.stat(absPath);
  if (!st.isDirectory()) return classifyFile(absPath);
  const files: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (files.length >= classifyScanLimit) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), r);
      else if (e.isFile()) files.push(r);
    }
  };
  await walk(absPath, '');
  return classifyDirectory(files);
}
