// Re-running a run's recorded code: its snapshot commit checked out in a temporary git worktree
// (`git worktree add --detach`), the user's working tree untouched, removed after the run.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { snapshotRef } from '../recorder/gitSnapshot';
import { execQuiet } from '../recorder/processUtil';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** A checked-out snapshot: where to run, and how to remove it. */
export interface SnapshotWorktree {
  /** The worktree's folder (the repository root as the snapshot has it). */
  readonly dir: string;
  /** The run's cwd inside the worktree. */
  readonly cwd: string;
  /** The commit checked out. */
  readonly commit: string;
  /** Top-level names linked to the repository's own (untracked data, venvs, output folders). */
  readonly linked: readonly string[];
  /**
   * Moves the files the run created or changed in the worktree (outside the linked folders) into
   * `keepDir`, then removes the worktree. Returns the kept paths (relative to the worktree).
   */
  remove(keepDir: string | null): Promise<string[]>;
}

/**
 * Checks out the snapshot of run `runId` (its ref `refs/exptrack/runs/<id>`, else `commit`) in a new
 * temporary worktree of the repository holding `cwd`. What the snapshot has no copy of at the top
 * level (untracked data, `.venv`, output folders) is linked to the repository's own, so the recorded
 * command finds its inputs and interpreter and writes its outputs where a normal run would. Throws
 * with git's message when the snapshot cannot be checked out.
 */
export async function addSnapshotWorktree(runId: string, cwd: string, commit: string | null): Promise<SnapshotWorktree> {
  const git = (args: string[], dir: string) => execQuiet('git', args, { cwd: dir, env: GIT_ENV, timeoutMs: 120_000 });
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (!top.ok) throw new Error(`${cwd} is not in a git repository any more`);
  const root = top.stdout.trim();
  const ref = await git(['rev-parse', '--verify', '-q', `${snapshotRef(runId)}^{commit}`], root);
  const rev = ref.ok ? ref.stdout.trim() : commit;
  if (!rev) throw new Error(`run ${runId} kept no code snapshot`);
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-snapshot-')));
  const added = await git(['worktree', 'add', '--detach', dir, rev], root);
  if (!added.ok) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`git worktree add failed: ${(added.stderr || added.error || '').trim()}`);
  }
  const linked: string[] = [];
  for (const name of fs.readdirSync(root)) {
    if (name === '.git' || name === '.exptrack' || fs.existsSync(path.join(dir, name))) continue;
    try {
      const target = path.join(root, name);
      fs.symlinkSync(target, path.join(dir, name), fs.statSync(target).isDirectory() ? 'junction' : 'file');
      linked.push(name);
    } catch { /* a name that cannot be linked: the run may miss it, as it would on another machine */ }
  }
  const runCwd = path.join(dir, path.relative(root, path.resolve(cwd)));
  return {
    dir, cwd: runCwd, commit: rev, linked,
    remove: async (keepDir) => {
      const kept: string[] = [];
      const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], dir);
      if (status.ok && keepDir) {
        for (const entry of status.stdout.split('\0')) {
          const rel = entry.slice(3);
          if (!rel || entry.startsWith(' D') || linked.includes(rel.split('/')[0])) continue;
          const from = path.join(dir, rel);
          try {
            if (!fs.lstatSync(from).isFile()) continue;
            const to = path.join(keepDir, rel);
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(from, to);
            kept.push(rel);
          } catch { /* gone meanwhile */ }
        }
      }
      // Our links first, so nothing can follow them into the user's folders.
      for (const name of linked) { try { fs.unlinkSync(path.join(dir, name)); } catch { /* already gone */ } }
      const removed = await git(['worktree', 'remove', '--force', dir], root);
      if (!removed.ok) {
        fs.rmSync(dir, { recursive: true, force: true });
        await git(['worktree', 'prune'], root);
      }
      return kept;
    },
  };
}
