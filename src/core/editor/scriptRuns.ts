// Which recorded runs ran which script file: the CodeLens and the hover ask this of every open file,
// so the runs are indexed by script path once per store change and each question is a map lookup.

import path from 'node:path';
import type { RunSummary } from '../model';
import { analyzeCommand } from '../recorder/commandAnalysis';
import { splitShellCommands } from '../recorder/shellWords';

/**
 * The files a run's command runs, absolute: the script (`python train.py`, `torchrun ... train.py`,
 * `./train.py`), or for `python -m pkg.train` both `pkg/train.py` and `pkg/train/__main__.py` under the
 * run's cwd. Empty for other programs. The command analysis of the recorder decides, so a run is
 * matched to the same script everywhere.
 */
export function scriptPathsOf(command: string, cwd: string): string[] {
  let entry;
  try {
    const found = workOf(command, cwd);
    entry = found.entry;
    cwd = found.cwd;
  } catch {
    return []; // an unparsable line (unbalanced quote) names no script
  }
  if (!entry || entry.kind === 'program') return [];
  if (entry.kind === 'script') return [path.resolve(cwd, entry.name)];
  const rel = path.join(...entry.name.split('.').filter(Boolean));
  return rel ? [path.resolve(cwd, `${rel}.py`), path.resolve(cwd, rel, '__main__.py')] : [];
}

/**
 * The command's entry as the recorder's analysis finds it (the first simple command running python,
 * else the first one), and the directory it runs in after the `cd` before it (`cd src && python train.py`).
 */
function workOf(command: string, cwd: string): { entry: ReturnType<typeof analyzeCommand>['entry']; cwd: string } {
  let dir = cwd;
  for (const words of splitShellCommands(command)) {
    if (words[0] === 'cd') { if (words.length === 2) dir = path.resolve(dir, words[1]); continue; }
    const analysis = analyzeCommand(words);
    if (analysis.python !== null) return { entry: analysis.entry, cwd: dir };
  }
  return { entry: analyzeCommand(command).entry, cwd };
}

/** The script's short name as the Runs view groups by it (`train.py`, `pkg.train`), or the program. */
export function scriptLabelOf(command: string): string {
  try {
    const entry = analyzeCommand(command).entry;
    if (entry) return entry.kind === 'module' ? entry.name : path.basename(entry.name);
  } catch { /* fall through */ }
  return '(none)';
}

/** Runs by the absolute path of the script they ran, newest first. */
export class ScriptRunIndex {
  private constructor(private readonly byPath: ReadonlyMap<string, readonly RunSummary[]>) {}

  /**
   * `memo` (kept by the caller between builds) remembers each command's scripts: a store change
   * rebuilds the index, and commands never change.
   */
  static build(runs: readonly RunSummary[], memo?: Map<string, readonly string[]>): ScriptRunIndex {
    const byPath = new Map<string, RunSummary[]>();
    for (const run of runs) {
      const memoKey = `${run.cwd}\0${run.command}`;
      let files = memo?.get(memoKey);
      if (!files) {
        files = scriptPathsOf(run.command, run.cwd);
        memo?.set(memoKey, files);
      }
      for (const file of files) {
        const key = pathKey(file);
        let list = byPath.get(key);
        if (!list) byPath.set(key, (list = []));
        list.push(run);
      }
    }
    for (const list of byPath.values()) list.sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
    return new ScriptRunIndex(byPath);
  }

  /** The runs of the script at `fsPath`, newest first (empty when none). */
  runsOf(fsPath: string): readonly RunSummary[] {
    return this.byPath.get(pathKey(path.resolve(fsPath))) ?? [];
  }

  get scriptCount(): number { return this.byPath.size; }
}

// Windows and macOS file systems are case-insensitive by default: `Train.py` and `train.py` are one file.
function pathKey(p: string): string {
  return process.platform === 'linux' ? p : p.toLowerCase();
}
