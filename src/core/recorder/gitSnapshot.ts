import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitInfo } from '../model';
import { execQuiet } from './processUtil';
import { stripUrlCredentials } from './secrets';

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

/**
 * Git state of `cwd` for a run: commit, branch, remote (credentials stripped), dirty (tracked files
 * changed or staged), and a code snapshot commit kept under `refs/exptrack/runs/<runId>`. The snapshot
 * is `git stash create` (the working tree of tracked files, HEAD when clean) plus, when there are
 * untracked files that are not ignored, a commit on top of it whose tree also holds them (small text
 * files only: see {@link UntrackedLimits}), built in a throwaway index. The working tree, the index and
 * the stash list are never touched. Returns null outside git or when git is missing.
 */
export async function captureGit(cwd: string, runId: string, options: { snapshot?: boolean; untracked?: Partial<UntrackedLimits>; exclude?: readonly string[] } = {}): Promise<GitInfo | null> {
  // No optional locks: the user's own git commands must never meet an index.lock of ours.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...SNAPSHOT_IDENTITY };
  const git = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, root = cwd) => execQuiet('git', args, { cwd: root, env: { ...env, ...extraEnv }, timeoutMs: 30_000, lowPriority: true });
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
  const remote = origin ? stripUrlCredentials(origin.slice(origin.indexOf(' ') + 1).trim()) : null;

  let dirty = false;
  let snapshot: string | null = null;
  // `git stash create` rewrites the index's tree cache (taking index.lock); give it a copy instead,
  // so the real index is never written or locked while the user works.
  const indexCopy = path.join(os.tmpdir(), `exptrack-stash-index-${runId}-${process.pid}`);
  const indexPath = await git(['rev-parse', '--git-path', 'index'], {}, root);
  let onCopy: NodeJS.ProcessEnv = {};
  try {
    if (indexPath.ok) {
      try {
        const index = path.resolve(root, indexPath.stdout.trim());
        fs.copyFileSync(index, indexCopy);
        // Git trusts a file's cached stat unless the file is as new as the index ("racy git"): a copy
        // newer than the index would make a file edited within the same second as the last
        // add/commit look unchanged, and its edit would be missing from the snapshot. The copy keeps
        // the index's time (rounded down: more entries checked by content, never fewer).
        const st = fs.statSync(index);
        fs.utimesSync(indexCopy, st.atime, st.mtime);
        onCopy = { GIT_INDEX_FILE: indexCopy };
      } catch { /* no index yet: nothing staged */ }
    }
    if (commit) {
      const stash = onCopy.GIT_INDEX_FILE ? await git(['stash', 'create', `exptrack run ${runId}`], onCopy, root) : { ok: true, stdout: '' };
      const stashed = stash.ok ? stash.stdout.trim() : '';
      dirty = stashed.length > 0;
      snapshot = stashed || commit;
    } else {
      const status = await git(['status', '--porcelain', '--untracked-files=no'], onCopy, root);
      dirty = status.ok && status.stdout.trim().length > 0;
    }
  } finally {
    fs.rmSync(indexCopy, { force: true });
    fs.rmSync(`${indexCopy}.lock`, { force: true });
  }
  if (options.snapshot !== false) {
    // Folders never taken as code even when not ignored (the .exptrack folder itself).
    const exclude = (options.exclude ?? []).map((x) => path.relative(root, x).split(path.sep).join('/')).filter((r) => r && !r.startsWith('..'));
    const withUntracked = await addUntracked(root, runId, snapshot, commit === null, { ...DEFAULT_UNTRACKED_LIMITS, ...options.untracked }, git, exclude);
    if (withUntracked) snapshot = withUntracked;
    if (snapshot) {
      const ref = await git(['update-ref', snapshotRef(runId), snapshot], {}, root);
      if (!ref.ok) snapshot = null;
    }
  } else if (!commit) {
    snapshot = null;
  }
  return { commit, branch: branch.ok ? branch.stdout.trim() || null : null, remote, dirty, snapshot };
}

type Git = (args: string[], extraEnv?: NodeJS.ProcessEnv, root?: string) => ReturnType<typeof execQuiet>;

/** A commit with the untracked files on top of `base` (or of the staged files in a repo with no commit). */
async function addUntracked(root: string, runId: string, base: string | null, unborn: boolean, limits: UntrackedLimits, git: Git, exclude: readonly string[]): Promise<string | null> {
  const listed = await git(['ls-files', '--others', '--exclude-standard', '-z'], {}, root);
  if (!listed.ok) return null;
  let total = 0;
  const files: string[] = [];
  for (const rel of listed.stdout.split('\0')) {
    if (!rel || NOT_CODE_RE.test(rel) || files.length >= limits.maxFiles || exclude.some((x) => rel === x || rel.startsWith(`${x}/`))) continue;
    let size: number;
    try {
      const st = fs.lstatSync(path.join(root, rel));
      if (!st.isFile()) continue;
      size = st.size;
    } catch { continue; }
    if (size > limits.maxFileBytes || total + size > limits.maxTotalBytes) continue;
    total += size;
    files.push(rel);
  }
  if (unborn) {
    const staged = await git(['ls-files', '-z'], {}, root);
    if (staged.ok) files.push(...staged.stdout.split('\0').filter(Boolean));
  }
  if (!files.length) return null;
  const index = path.join(os.tmpdir(), `exptrack-index-${runId}-${process.pid}`);
  const onIndex = { GIT_INDEX_FILE: index };
  try {
    const read = base ? await git(['read-tree', `${base}^{tree}`], onIndex, root) : await git(['read-tree', '--empty'], onIndex, root);
    if (!read.ok) return null;
    const added = await new Promise<boolean>((resolve) => {
      // update-index reads the paths on stdin, NUL-separated: names with spaces or newlines are safe.
      const child = spawn('git', ['update-index', '--add', '-z', '--stdin'], { cwd: root, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', ...onIndex }, stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', () => resolve(false));
      child.on('close', (code) => resolve(code === 0));
      child.stdin.on('error', () => undefined);
      child.stdin.end(files.map((f) => `${f}\0`).join(''));
    });
    if (!added) return null;
    const tree = await git(['write-tree'], onIndex, root);
    if (!tree.ok) return null;
    const parents = base ? ['-p', base] : [];
    const commit = await git(['commit-tree', tree.stdout.trim(), ...parents, '-m', `exptrack run ${runId} (with untracked files)`], {}, root);
    return commit.ok ? commit.stdout.trim() : null;
  } finally {
    fs.rmSync(index, { force: true });
    fs.rmSync(`${index}.lock`, { force: true });
  }
}
