import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitInfo } from '../model';
import { execQuiet } from './processUtil';
import { credentialFileReason, secretContentReason, type LeftOutFile } from './secretFiles';
import { redactText } from './secrets';

/** Limits on the untracked files taken into a code snapshot. */
export interface UntrackedLimits {
  /** Largest untracked file taken (bytes). Default 1 MiB. */
  readonly maxFileBytes: number;
  /** Most untracked files taken. Default 500. */
  readonly maxFiles: number;
  /** Most untracked bytes in all. Default 20 MiB. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_UNTRACKED_LIMITS: UntrackedLimits = { maxFileBytes: 1024 * 1024, maxFiles: 500, maxTotalBytes: 20 * 1024 * 1024 };

// Data and model files are artifacts, not code: never copied into git objects.
const NOT_CODE_RE = /\.(pt|pth|ckpt|bin|safetensors|onnx|h5|hdf5|keras|pkl|pickle|joblib|gguf|npy|npz|parquet|arrow|feather|csv|tsv|jsonl|tfrecord|zip|tar|gz|tgz|bz2|xz|7z|png|jpe?g|gif|bmp|tiff?|webp|mp4|wav|mp3|flac|db|sqlite3?|log)$/i;

const SNAPSHOT_IDENTITY = { GIT_AUTHOR_NAME: 'exptrack', GIT_AUTHOR_EMAIL: 'exptrack@localhost', GIT_COMMITTER_NAME: 'exptrack', GIT_COMMITTER_EMAIL: 'exptrack@localhost' };

/** Where a run's snapshot commit is kept alive. */
export function snapshotRef(runId: string): string {
  return `refs/exptrack/runs/${runId}`;
}

/** A run's git state and what its code snapshot left out. */
export interface GitCapture {
  readonly git: GitInfo;
  /** Files the snapshot did not take, or took as committed, with the reason. */
  readonly leftOut: readonly LeftOutFile[];
}

/** Tracked files whose working-tree content is read for secrets up to this size; bigger ones stay as committed. */
const MAX_TRACKED_SCAN_BYTES = 16 * 1024 * 1024;
const NULL_OID_RE = /^0+$/;

/** A tracked path whose working tree differs from HEAD (`git diff-index HEAD`). */
interface TrackedChange {
  readonly path: string;
  /** git's status letter: M, A, D, T. */
  readonly status: string;
  /** HEAD's mode and blob ('000000' and a null id when the path is new). */
  readonly oldMode: string;
  readonly oldOid: string;
  readonly newMode: string;
}

/**
 * Git state of `cwd` for a run: commit, branch, remote (credentials stripped), dirty (tracked files
 * differ from HEAD), and a code snapshot commit kept under `refs/exptrack/runs/<runId>`: HEAD's tree
 * with the working tree's changes to tracked files and the untracked files that are not ignored (see
 * {@link UntrackedLimits}), built in a throwaway index, parent HEAD. A snapshot never takes credential
 * files (by name), files holding secrets, new secrets in tracked files (the file stays as committed),
 * or untracked files over the limits: each is listed in `leftOut` with its reason. Untracked data and
 * model files (by extension) are never taken either, unlisted: they are artifacts. The working tree,
 * the index and the stash list are never touched. Null outside git or without git.
 */
export async function captureGit(cwd: string, runId: string, options: { snapshot?: boolean; untracked?: Partial<UntrackedLimits>; exclude?: readonly string[] } = {}): Promise<GitCapture | null> {
  // No optional locks: the user's own git commands must never meet an index.lock of ours.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...SNAPSHOT_IDENTITY };
  const git: Git = (args, extraEnv = {}, root = cwd) => execQuiet('git', args, { cwd: root, env: { ...env, ...extraEnv }, timeoutMs: 30_000, lowPriority: true });
  const top = await git(['rev-parse', '--show-toplevel']);
  if (!top.ok) return null;
  const root = top.stdout.trim();
  const [head, branch, remotes] = await Promise.all([
    git(['rev-parse', '--verify', '-q', 'HEAD'], {}, root),
    git(['symbolic-ref', '--short', '-q', 'HEAD'], {}, root),
    git(['config', '--get-regexp', '^remote\\..*\\.url$'], {}, root),
  ]);
  const commit = head.ok ? head.stdout.trim() || null : null;
  const remoteLines = remotes.ok ? remotes.stdout.split('\n').filter(Boolean) : [];
  const origin = remoteLines.find((l) => l.startsWith('remote.origin.url ')) ?? remoteLines[0];
  const remote = origin ? redactText(origin.slice(origin.indexOf(' ') + 1).trim()) : null;

  const changes = await trackedChanges(root, runId, commit, git);
  const dirty = changes.length > 0;
  const info = (snapshot: string | null): GitInfo => ({ commit, branch: branch.ok ? branch.stdout.trim() || null : null, remote, dirty, snapshot });
  if (options.snapshot === false) return { git: info(commit), leftOut: [] };

  // Folders never taken as code even when not ignored (the .exptrack folder itself).
  const exclude = (options.exclude ?? []).map((x) => path.relative(root, x).split(path.sep).join('/')).filter((r) => r && !r.startsWith('..'));
  const leftOut: LeftOutFile[] = [];
  const tracked = await chooseTracked(root, changes, leftOut);
  const untracked = await chooseUntracked(root, { ...DEFAULT_UNTRACKED_LIMITS, ...options.untracked }, git, exclude, leftOut);
  let snapshot = commit;
  if (tracked.length || untracked.length) {
    snapshot = await commitSnapshot(root, runId, commit, [...tracked, ...untracked], changes, git, leftOut);
  }
  if (snapshot) {
    const ref = await git(['update-ref', snapshotRef(runId), snapshot], {}, root);
    if (!ref.ok) snapshot = null;
  }
  return { git: info(snapshot), leftOut: sortLeftOut(leftOut) };
}

type Git = (args: string[], extraEnv?: NodeJS.ProcessEnv, root?: string) => ReturnType<typeof execQuiet>;

/**
 * The tracked paths whose working tree differs from HEAD (all staged paths in a repository without a
 * commit), read on a refreshed *copy* of the index: refreshing the real one would take index.lock
 * under the user's feet.
 */
async function trackedChanges(root: string, runId: string, commit: string | null, git: Git): Promise<TrackedChange[]> {
  const indexPath = await git(['rev-parse', '--git-path', 'index'], {}, root);
  if (!indexPath.ok) return [];
  const indexCopy = path.join(os.tmpdir(), `exptrack-index-copy-${runId}-${process.pid}`);
  try {
    try {
      const index = path.resolve(root, indexPath.stdout.trim());
      fs.copyFileSync(index, indexCopy);
      // Git trusts a file's cached stat unless the file is as new as the index ("racy git"): a copy
      // newer than the index would make a file edited within the same second as the last
      // add/commit look unchanged, and its edit would be missing from the snapshot. The copy keeps
      // the index's time (rounded down: more entries checked by content, never fewer).
      const st = fs.statSync(index);
      fs.utimesSync(indexCopy, st.atime, st.mtime);
    } catch {
      return []; // no index yet: nothing tracked
    }
    const onCopy = { GIT_INDEX_FILE: indexCopy };
    if (!commit) {
      const staged = await git(['ls-files', '-s', '-z'], onCopy, root);
      if (!staged.ok) return [];
      return staged.stdout.split('\0').filter(Boolean).map((l) => {
        const tab = l.indexOf('\t');
        return { path: l.slice(tab + 1), status: 'A', oldMode: '000000', oldOid: '', newMode: l.slice(0, l.indexOf(' ')) };
      });
    }
    await git(['update-index', '-q', '--refresh'], onCopy, root);
    const diff = await git(['diff-index', '-z', '--no-renames', 'HEAD'], onCopy, root);
    return diff.ok ? parseRawDiff(diff.stdout) : [];
  } finally {
    fs.rmSync(indexCopy, { force: true });
    fs.rmSync(`${indexCopy}.lock`, { force: true });
  }
}

/** `git diff-index -z` raw output: `:oldmode newmode oldoid newoid status\0path\0`... */
function parseRawDiff(out: string): TrackedChange[] {
  const parts = out.split('\0');
  const changes: TrackedChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i].replace(/^:/, '').split(' ');
    if (meta.length < 5) continue;
    changes.push({ path: parts[i + 1], status: meta[4].charAt(0), oldMode: meta[0], oldOid: meta[2], newMode: meta[1] });
  }
  return changes;
}

/** The changed tracked paths the snapshot takes from the working tree (deletions included). */
async function chooseTracked(root: string, changes: readonly TrackedChange[], leftOut: LeftOutFile[]): Promise<string[]> {
  const taken: string[] = [];
  const toRead: { change: TrackedChange; content: Buffer }[] = [];
  const asCommitted = (c: TrackedChange, reason: string): void => {
    leftOut.push({ path: c.path, reason: c.status === 'A' || !c.oldOid || NULL_OID_RE.test(c.oldOid) ? reason : `${reason}; kept as committed` });
  };
  for (const c of changes) {
    // Deletions, submodules and symbolic links carry no file content to judge.
    if (c.status === 'D' || c.newMode === '160000' || c.oldMode === '160000' || c.newMode === '120000') { taken.push(c.path); continue; }
    const byName = credentialFileReason(c.path);
    if (byName) { asCommitted(c, byName); continue; }
    let content: Buffer;
    try {
      const abs = path.join(root, c.path);
      const st = fs.lstatSync(abs);
      if (!st.isFile()) { taken.push(c.path); continue; }
      if (st.size > MAX_TRACKED_SCAN_BYTES) { asCommitted(c, `over ${formatBytes(MAX_TRACKED_SCAN_BYTES)}, not read for secrets`); continue; }
      content = fs.readFileSync(abs);
    } catch { taken.push(c.path); continue; } // gone meanwhile: update-index records the deletion
    toRead.push({ change: c, content });
  }
  const committed = await readBlobs(root, toRead.map((r) => r.change.oldOid).filter((o) => o && !NULL_OID_RE.test(o)));
  for (const { change, content } of toRead) {
    await breather();
    const reason = secretContentReason(change.path, content, committed.get(change.oldOid));
    if (reason) asCommitted(change, reason);
    else taken.push(change.path);
  }
  return taken;
}

/** The untracked, not ignored files the snapshot takes. */
async function chooseUntracked(root: string, limits: UntrackedLimits, git: Git, exclude: readonly string[], leftOut: LeftOutFile[]): Promise<string[]> {
  const listed = await git(['ls-files', '--others', '--exclude-standard', '-z'], {}, root);
  if (!listed.ok) return [];
  let total = 0;
  const files: string[] = [];
  for (const rel of listed.stdout.split('\0')) {
    if (!rel || exclude.some((x) => rel === x || rel.startsWith(`${x}/`))) continue;
    const byName = credentialFileReason(rel);
    if (byName) { leftOut.push({ path: rel, reason: byName }); continue; }
    // Data and model files are artifacts, by design never code: not worth a line in the run.
    if (NOT_CODE_RE.test(rel)) continue;
    let content: Buffer;
    try {
      const st = fs.lstatSync(path.join(root, rel));
      if (!st.isFile()) continue;
      if (st.size > limits.maxFileBytes) { leftOut.push({ path: rel, reason: `over ${formatBytes(limits.maxFileBytes)} (untrackedLimits.maxFileBytes)` }); continue; }
      if (files.length >= limits.maxFiles) { leftOut.push({ path: rel, reason: `past ${limits.maxFiles} files (untrackedLimits.maxFiles)` }); continue; }
      if (total + st.size > limits.maxTotalBytes) { leftOut.push({ path: rel, reason: `past ${formatBytes(limits.maxTotalBytes)} in all (untrackedLimits.maxTotalBytes)` }); continue; }
      content = fs.readFileSync(path.join(root, rel));
    } catch { continue; }
    await breather();
    const reason = secretContentReason(rel, content);
    if (reason) { leftOut.push({ path: rel, reason }); continue; }
    total += content.length;
    files.push(rel);
  }
  return files;
}

/**
 * Commits HEAD's tree (empty without a commit) with `paths` taken from the working tree, in a
 * throwaway index, parent HEAD. Files changed between the check and git's read are checked again as
 * git stored them; one that now holds a secret goes back to its committed state. Null on failure.
 */
async function commitSnapshot(root: string, runId: string, base: string | null, paths: readonly string[], changes: readonly TrackedChange[], git: Git, leftOut: LeftOutFile[]): Promise<string | null> {
  const index = path.join(os.tmpdir(), `exptrack-index-${runId}-${process.pid}`);
  const onIndex = { GIT_INDEX_FILE: index };
  try {
    const read = base ? await git(['read-tree', `${base}^{tree}`], onIndex, root) : await git(['read-tree', '--empty'], onIndex, root);
    if (!read.ok) return null;
    // update-index reads the paths on stdin, NUL-separated: names with spaces or newlines are safe.
    const added = await gitStdin(root, ['update-index', '--add', '--remove', '-z', '--stdin'], paths.map((f) => `${f}\0`).join(''), onIndex);
    if (!added) return null;
    if (!(await recheckStored(root, paths, changes, onIndex, git, leftOut))) return null;
    const tree = await git(['write-tree'], onIndex, root);
    if (!tree.ok) return null;
    const parents = base ? ['-p', base] : [];
    const commit = await git(['commit-tree', tree.stdout.trim(), ...parents, '-m', `exptrack run ${runId}`], {}, root);
    return commit.ok ? commit.stdout.trim() : null;
  } finally {
    fs.rmSync(index, { force: true });
    fs.rmSync(`${index}.lock`, { force: true });
  }
}

/**
 * Checks the blobs git stored for `paths` against what was read: a file rewritten in between (or
 * changed by a clean filter) is judged again on the stored content, and put back as committed (or
 * dropped) when it now holds a secret.
 */
async function recheckStored(root: string, paths: readonly string[], changes: readonly TrackedChange[], onIndex: NodeJS.ProcessEnv, git: Git, leftOut: LeftOutFile[]): Promise<boolean> {
  const staged = await git(['ls-files', '-s', '-z', '--', ...(paths.length <= 1000 ? paths.map((p) => `:(literal)${p}`) : [])], onIndex, root);
  if (!staged.ok) return false;
  const entries = new Map<string, { mode: string; oid: string }>();
  for (const l of staged.stdout.split('\0')) {
    const tab = l.indexOf('\t');
    if (tab < 0) continue;
    const [mode, oid] = l.slice(0, tab).split(' ');
    entries.set(l.slice(tab + 1), { mode, oid });
  }
  const byPath = new Map(changes.map((c) => [c.path, c]));
  const toCheck = paths.map((p) => ({ path: p, entry: entries.get(p) })).filter((x): x is { path: string; entry: { mode: string; oid: string } } => !!x.entry && /^100/.test(x.entry.mode));
  const stored = await readBlobs(root, toCheck.map((x) => x.entry.oid));
  const committed = await readBlobs(root, toCheck.map((x) => byPath.get(x.path)?.oldOid ?? '').filter((o) => o && !NULL_OID_RE.test(o)));
  const undo: string[] = [];
  for (const { path: p, entry } of toCheck) {
    const content = stored.get(entry.oid);
    if (!content) continue;
    const change = byPath.get(p);
    await breather();
    const reason = secretContentReason(p, content, change ? committed.get(change.oldOid) : undefined);
    if (!reason) continue;
    const old = change && change.oldOid && !NULL_OID_RE.test(change.oldOid) ? change : null;
    leftOut.push({ path: p, reason: old ? `${reason}; kept as committed` : reason });
    undo.push(old ? `${old.oldMode} ${old.oldOid}\t${p}\0` : `0 ${'0'.repeat(entry.oid.length)}\t${p}\0`);
  }
  return !undo.length || gitStdin(root, ['update-index', '-z', '--index-info'], undo.join(''), onIndex);
}

/** Blob contents by object id (`git cat-file --batch`); missing ones are left out of the map. */
async function readBlobs(root: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const unique = [...new Set(oids)];
  if (!unique.length) return out;
  const raw = await gitOutput(root, ['cat-file', '--batch'], unique.map((o) => `${o}\n`).join(''));
  if (!raw) return out;
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf(10, at);
    if (nl < 0) break;
    const [oid, type, size] = raw.subarray(at, nl).toString('latin1').split(' ');
    if (type === 'missing' || size === undefined) { at = nl + 1; continue; }
    const n = Number(size);
    if (type === 'blob') out.set(oid, raw.subarray(nl + 1, nl + 1 + n));
    at = nl + 1 + n + 1;
  }
  return out;
}

function gitProcess(root: string, args: string[], extraEnv: NodeJS.ProcessEnv) {
  return spawn('git', args, { cwd: root, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', ...extraEnv }, stdio: ['pipe', 'pipe', 'ignore'] });
}

/** Runs git with `input` on stdin; true when it exits 0. */
function gitStdin(root: string, args: string[], input: string, extraEnv: NodeJS.ProcessEnv): Promise<boolean> {
  return gitOutput(root, args, input, extraEnv).then((b) => b !== null);
}

/** Runs git with `input` on stdin; its stdout as bytes, or null when it fails. */
function gitOutput(root: string, args: string[], input: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const child = gitProcess(root, args, extraEnv);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks) : null));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Credentials and secrets first (what a reader must see), then the limits. */
function sortLeftOut(list: LeftOutFile[]): LeftOutFile[] {
  const rank = (r: string): number => (/credential|secret|private key/.test(r) ? 0 : 1);
  return list.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.reason) - rank(b.f.reason) || a.i - b.i).map((x) => x.f);
}

/**
 * Lets other work run between two files' secret checks (up to ~0.2 s of regular expressions for a
 * 1 MiB file): in the editor the recorder shares the extension host's thread.
 */
function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}
