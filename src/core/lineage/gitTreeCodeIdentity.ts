import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { classifyFile } from './artifactClassifier';
import { plainCodeIdentity, type CodeIdentity } from './lineageQueries';

/**
 * Code identity from git: the files of the run's snapshot (or clean commit) minus data and model
 * files, as (path, blob id) pairs. A clean commit and a dirty run's `git stash create` snapshot of the
 * same files agree, two snapshots of the same dirty tree (different commit ids, since they carry a
 * time) agree, and a dataset a run wrote into the tree (snapshots keep untracked files) does not make
 * the next run's code look different. Falls back to {@link plainCodeIdentity} when git cannot answer.
 * Results are cached per revision, so duplicate checks over many runs stay cheap.
 */
export function gitTreeCodeIdentity(): CodeIdentity {
  const cache = new Map<string, string | null>();
  const codeOf = (cwd: string, rev: string): string | null => {
    const key = `${cwd}\n${rev}`;
    if (cache.has(key)) return cache.get(key)!;
    let id: string | null = null;
    try {
      const listing = execFileSync('git', ['ls-tree', '-r', '-z', '--full-tree', `${rev}^{tree}`], {
        cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, windowsHide: true, maxBuffer: 256 * 1024 * 1024,
      });
      const h = createHash('sha256');
      for (const entry of listing.split('\0')) {
        const tab = entry.indexOf('\t');
        if (tab < 0) continue;
        const file = entry.slice(tab + 1);
        // The store's own folder is never code (snapshots of a repository that does not ignore it carry it).
        if (classifyFile(file) !== 'file' || /(^|\/)\.exptrack\//.test(file)) continue;
        // "<mode> <type> <object>": the object id is the content.
        h.update(`${file}\0${entry.slice(0, tab).split(' ')[2]}\n`);
      }
      id = `git:${h.digest('hex')}`;
    } catch { /* not a repository any more, or the ref was pruned */ }
    cache.set(key, id);
    return id;
  };
  return (run) => {
    const rev = run.snapshot ?? (run.commit && !run.dirty ? run.commit : null);
    const code = rev && /^[0-9a-f]{4,64}$|^refs\/exptrack\/runs\/[\w.-]+$/i.test(rev) ? codeOf(run.cwd, rev) : null;
    return code ?? plainCodeIdentity(run);
  };
}
