import fs from 'node:fs';
import path from 'node:path';

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the old or the new file:
 * temp file in the same folder, fsync, rename over, fsync the folder. On failure (ENOSPC...) the temp
 * file is removed, the old file is untouched, and the error is rethrown.
 */
export function writeFileAtomic(file: string, data: Uint8Array, tmpSuffix: string): fs.Stats {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${tmpSuffix}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    renameWithRetry(tmp, file);
  } catch (e) {
    if (fd !== undefined) { try { fs.closeSync(fd); } catch { /* reported by the caller */ } }
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
  fsyncDir(path.dirname(file));
  return fs.statSync(file);
}

/**
 * {@link writeFileAtomic} off the event loop (the writes and fsyncs run in libuv's thread pool): a
 * save of several MB on a busy disk blocked the extension host for 100-200 ms in fsync alone.
 * `data` may be pieces, written in order with gathering writes.
 */
export async function writeFileAtomicAsync(file: string, data: Uint8Array | readonly Uint8Array[], tmpSuffix: string): Promise<fs.Stats> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${tmpSuffix}`);
  const parts = data instanceof Uint8Array ? [data] : data;
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(tmp, 'w');
    const pieces = parts.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    for (let i = 0; i < pieces.length;) {
      // writev takes at most IOV_MAX (1024) pieces; a short write resumes where it stopped.
      const batch = pieces.slice(i, i + 512);
      let { bytesWritten } = await fh.writev(batch);
      for (const piece of batch) {
        if (bytesWritten >= piece.length) { bytesWritten -= piece.length; i++; continue; }
        pieces[i] = piece.subarray(bytesWritten);
        break;
      }
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await renameWithRetryAsync(tmp, file);
  } catch (e) {
    if (fh !== undefined) { try { await fh.close(); } catch { /* reported by the caller */ } }
    try { await fs.promises.unlink(tmp); } catch { /* never created */ }
    throw e;
  }
  await fsyncDirAsync(path.dirname(file));
  return fs.promises.stat(file);
}

async function fsyncDirAsync(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch { /* EISDIR / EPERM on some platforms */ } finally {
    if (fh !== undefined) await fh.close().catch(() => undefined);
  }
}

async function renameWithRetryAsync(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.promises.rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

/** Makes a rename durable. Not possible on every platform (Windows): best effort. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch { /* EISDIR / EPERM on some platforms */ } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * On Windows a rename over a file that another process has open for a moment (a reader, an
 * antivirus scan) fails with EPERM/EBUSY/EACCES; a few short retries get past it.
 */
function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * (attempt + 1));
    }
  }
}
