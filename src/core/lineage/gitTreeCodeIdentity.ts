import { execFileSync } from 'node:child_process';
import { plainCodeIdentity, type CodeIdentity } from './lineageQueries';

/**
 * Code identity by git tree: a clean commit and a dirty run's `git stash create` snapshot of the same
 * files resolve to the same tree id, while two snapshots of the same dirty tree (different commit ids,
 * since they carry a time) do too. Falls back to {@link plainCodeIdentity} when git cannot answer.
 * Results are cached per revision, so duplicate checks over many runs stay cheap.
 */
export function gitTreeCodeIdentity(): CodeIdentity {
  const trees = new Map<string, string | null>();
  const treeOf = (cwd: string, rev: string): string | null => {
    const key = `${cwd}\n${rev}`;
    if (trees.has(key)) return trees.get(key)!;
    let tree: string | null = null;
    try {
      tree = execFileSync('git', ['rev-parse', '--verify', '-q', `${rev}^{tree}`], {
        cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000, windowsHide: true,
      }).trim() || null;
    } catch { /* not a repository any more, or the ref was pruned */ }
    trees.set(key, tree);
    return tree;
  };
  return (run) => {
    const rev = run.snapshot ?? (run.commit && !run.dirty ? run.commit : null);
    const tree = rev ? treeOf(run.cwd, rev) : null;
    return tree ? `tree:${tree}` : plainCodeIdentity(run);
  };
}
