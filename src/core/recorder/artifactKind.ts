import type { ArtifactKind } from '../model';

const DATASET_EXT = new Set(['csv', 'tsv', 'parquet', 'jsonl', 'ndjson', 'arrow', 'feather', 'npy', 'npz', 'tfrecord', 'tfrecords', 'avro', 'orc', 'hdf5', 'zarr', 'lmdb', 'libsvm', 'arff', 'xlsx', 'xls']);
const MODEL_EXT = new Set(['pt', 'pth', 'ckpt', 'bin', 'safetensors', 'onnx', 'h5', 'keras', 'pkl', 'pickle', 'joblib', 'gguf', 'ggml', 'pb', 'tflite', 'mlmodel', 'mar', 'engine', 'msgpack']);
const MEDIA_EXT = new Set(['png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff', 'webp', 'wav', 'mp3', 'flac', 'mp4', 'avi', 'txt']);

function ext(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** dataset | model | file for a file, by extension. */
export function artifactKindOfFile(path: string): ArtifactKind {
  const e = ext(path);
  if (DATASET_EXT.has(e)) return 'dataset';
  if (MODEL_EXT.has(e)) return 'model';
  return 'file';
}

/**
 * dataset | model | file for a directory, from the files it holds: any model file makes a model (a
 * checkpoint folder), mostly data or media files (an image folder) a dataset.
 */
export function artifactKindOfDirectory(files: readonly string[]): ArtifactKind {
  let data = 0;
  for (const f of files) {
    const e = ext(f);
    if (MODEL_EXT.has(e)) return 'model';
    if (DATASET_EXT.has(e) || MEDIA_EXT.has(e)) data++;
  }
  return files.length > 0 && data * 2 >= files.length ? 'dataset' : 'file';
}
