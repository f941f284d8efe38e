// The code that differs between two runs' snapshots, with its hunks: from git (refs/exptrack/runs/<id>,
// else the recorded commit) or, for runs recorded outside git, from the code files the store kept.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunDetail } from '../model';
import { changedFiles, repositoryRoot, unifiedDiff } from '../gitSnapshots';

export interface CodeFileChange {
  readonly path: string;
  /** git's letter: A added, M modified, D deleted (relative to the baseline). */
  readonly status: string;
  readonly added: number;
  readonly removed: number;
  /** `@@ … @@` hunks, each with its lines; cut after {@link MAX_HUNK_LINES} lines per file. */
  readonly hunks: readonly string[];
  readonly truncated: boolean;
}

export type CodeChanges =
  | { readonly source: 'git'; readonly repo: string; readonly baselineRev: string; readonly runRev: string; readonly files: readonly CodeFileChange[] }
  | { readonly source: 'stored'; readonly files: readonly CodeFileChange[] }
  | { readonly source: 'none'; readonly reason: string };

const MAX_HUNK_LINES = 200;
const MAX_FILES = 50;

/** Where a run's code snapshot is in git: the snapshot commit, else the commit it ran on. */
export function snapshotRevision(run: RunDetail): string | null {
  return run.git?.snapshot ?? run.git?.commit ?? null;
}

/**
 * What changed in the code from `baseline` to `run`. `codeFiles` gives the files the store kept for a
 * run recorded outside git; `repoHint` is a folder to look for the repository in when neither run's cwd
 * is in one (the workspace folder). Never throws: a failure is the 'none' answer with its reason.
 */
export async function codeChanges(
  baseline: RunDetail, run: RunDetail, codeFiles: (runId: string) => Readonly<Record<string, string>>, repoHint?: string,
): Promise<CodeChanges> {
  const revA = snapshotRevision(baseline);
  const revB = snapshotRevision(run);
  try {
    if (revA && revB) {
      const repo = await repositoryRoot(run.cwd) ?? await repositoryRoot(baseline.cwd) ?? (repoHint ? await repositoryRoot(repoHint) : undefined);
      if (repo) {
        if (revA === revB) return { source: 'git', repo, baselineRev: revA, runRev: revB, files: [] };
        const changed = (await changedFiles(repo, revA, revB)).slice(0, MAX_FILES);
        const diff = changed.length ? await unifiedDiff(repo, revA, revB, changed.map((f) => f.path)) : '';
        const byPath = parseUnifiedDiff(diff);
        const files = changed.map((f) => ({ ...(byPath.get(f.path) ?? emptyHunks()), path: f.path, status: f.status }));
        return { source: 'git', repo, baselineRev: revA, runRev: revB, files };
      }
    }
    const a = codeFiles(baseline.id);
    const b = codeFiles(run.id);
    if (Object.keys(a).length || Object.keys(b).length) return { source: 'stored', files: await storedChanges(a, b) };
  } catch (e) {
    return { source: 'none', reason: `cannot compare the code: ${e instanceof Error ? e.message : e}` };
  }
  const missing = !revA ? baseline.name : !revB ? run.name : null;
  return { source: 'none', reason: missing ? `no code snapshot recorded for ${missing}` : 'the runs\' folder is not in a git repository any more' };
}

function emptyHunks(): Omit<CodeFileChange, 'path' | 'status'> {
  return { added: 0, removed: 0, hunks: [], truncated: false };
}

/** Splits `git diff` output into files (by their `b/` path, or `a/` for deletions) and hunks. */
export function parseUnifiedDiff(diff: string): Map<string, Omit<CodeFileChange, 'path' | 'status'>> {
  const out = new Map<string, { added: number; removed: number; hunks: string[]; truncated: boolean; lines: number }>();
  let current: { added: number; removed: number; hunks: string[]; truncated: boolean; lines: number } | undefined;
  let minus: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) { current = undefined; minus = null; continue; }
    if (!current && line.startsWith('--- ')) { minus = diffPath(line.slice(4)); continue; }
    if (!current && line.startsWith('+++ ')) {
      const plus = diffPath(line.slice(4));
      const p = plus ?? minus;
      if (p) out.set(p, (current = { added: 0, removed: 0, hunks: [], truncated: false, lines: 0 }));
      continue;
    }
    if (!current) continue;
    if (line.startsWith('@@')) {
      if (current.lines >= MAX_HUNK_LINES) { current.truncated = true; continue; }
      current.hunks.push(line);
      current.lines++;
      continue;
    }
    if (line.startsWith('+')) current.added++;
    else if (line.startsWith('-')) current.removed++;
    else if (!line.startsWith(' ') && !line.startsWith('\\')) continue;
    if (!current.hunks.length) continue;
    if (current.lines >= MAX_HUNK_LINES) { current.truncated = true; continue; }
    current.hunks[current.hunks.length - 1] += `\n${line}`;
    current.lines++;
  }
  return new Map([...out].map(([p, { lines: _lines, ...rest }]) => [p, rest]));
}

/** `a/src/train.py` -> `src/train.py`; `/dev/null` -> null. Quoted paths (with odd characters) unquoted simply. */
function diffPath(s: string): string | null {
  const t = s.trim().replace(/^"(.*)"$/, '$1');
  if (t === '/dev/null') return null;
  return t.replace(/^[ab]\//, '');
}

/** Stored code files: which differ, and their hunks from `git diff --no-index` on temporary copies (no hunks without git). */
async function storedChanges(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): Promise<CodeFileChange[]> {
  const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((p) => a[p] !== b[p]).slice(0, MAX_FILES);
  const out: CodeFileChange[] = [];
  for (const p of paths) {
    const status = a[p] === undefined ? 'A' : b[p] === undefined ? 'D' : 'M';
    const hunks = await textDiff(a[p] ?? '', b[p] ?? '');
    out.push({ path: p, status, ...(hunks ?? emptyHunks()) });
  }
  return out;
}

async function textDiff(before: string, after: string): Promise<Omit<CodeFileChange, 'path' | 'status'> | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 'a'), before);
    fs.writeFileSync(path.join(dir, 'b'), after);
    const text = await new Promise<string | undefined>((resolve) => {
      execFile('git', ['diff', '--no-index', '--no-color', '--no-ext-diff', '-U3', 'a', 'b'], { cwd: dir, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
        // Exit 1 means "the files differ": the answer we want.
        (err, stdout) => resolve(err && (err as { code?: unknown }).code !== 1 ? undefined : stdout));
    });
    return text === undefined ? undefined : [...parseUnifiedDiff(text).values()][0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
