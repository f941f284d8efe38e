import { execFile } from 'node:child_process';

// Reading runs' code snapshots (refs/exptrack/runs/<id>) back from git: the Compare panel's code
// tab, Explain, and the snapshot documents VS Code's diff editor shows.

/** A file that differs between two snapshots, with git's status letter (A, M, D). */
export interface ChangedFile {
  readonly status: string;
  readonly path: string;
}

// Revisions come from run records, which a webview can name; only accept object ids and our refs so a
// value can never be read by git as an option.
const revisionPattern = /^(?:[0-9a-f]{4,64}|refs\/exptrack\/runs\/[\w.-]+)$/i;

export function isSafeRevision(rev: string): boolean {
  return revisionPattern.test(rev);
}

function git(cwd: string, args: readonly string[], maxBuffer = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', cwd, ...args], { encoding: 'buffer', maxBuffer, windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.toString('utf8').trim() || err.message));
      else resolve(stdout);
    });
  });
}

/** The top folder of the repository containing `cwd`, or undefined outside git. */
export async function repositoryRoot(cwd: string): Promise<string | undefined> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'])).toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Files that differ between two snapshots, with git's status letter (renames shown as delete + add). */
export async function changedFiles(repo: string, revA: string, revB: string): Promise<ChangedFile[]> {
  if (!isSafeRevision(revA) || !isSafeRevision(revB)) throw new Error('not a snapshot revision');
  const out = (await git(repo, ['diff', '--name-status', '--no-renames', '-z', revA, revB, '--'])).toString('utf8');
  const parts = out.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i]) files.push({ status: parts[i].charAt(0), path: parts[i + 1] });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** A file's content at a snapshot; empty when the file does not exist there (added or deleted). */
export async function fileAtRevision(repo: string, rev: string, path: string): Promise<string> {
  if (!isSafeRevision(rev)) throw new Error('not a snapshot revision');
  try {
    return (await git(repo, ['show', `${rev}:${path}`])).toString('utf8');
  } catch (e) {
    if (e instanceof Error && /does not exist|exists on disk, but not in/.test(e.message)) return '';
    throw e;
  }
}

/** `git diff -U3` between two snapshots for the given paths (all when none): the hunks Explain shows. */
export async function unifiedDiff(repo: string, revA: string, revB: string, paths: readonly string[] = []): Promise<string> {
  if (!isSafeRevision(revA) || !isSafeRevision(revB)) throw new Error('not a snapshot revision');
  return (await git(repo, ['diff', '--no-renames', '--no-color', '--no-ext-diff', '-U3', revA, revB, '--', ...paths])).toString('utf8');
}
