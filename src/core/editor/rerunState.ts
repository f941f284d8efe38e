// Gathers what compareForRerun compares: the recorded run's code, params and inputs, and what the same
// command would use now. Reads git and files; never writes anything but the hash cache.

import fs from 'node:fs';
import path from 'node:path';
import { classifyFile } from '../lineage/artifactClassifier';
import type { RunDetail } from '../model';
import { parseArgvParams } from '../recorder/argvParams';
import { readCodeFiles } from '../recorder/codeFiles';
import { analyzeCommand } from '../recorder/commandAnalysis';
import { namedConfigFiles, readConfigParams } from '../recorder/configParams';
import type { FileHasher } from '../recorder/fileHasher';
import { DEFAULT_UNTRACKED_LIMITS } from '../recorder/gitSnapshot';
import { execQuiet } from '../recorder/processUtil';
import { isCredentialFile, leftOutOf } from '../recorder/secretFiles';
import type { CodeState, InputState, RerunStates } from './rerunCheck';

export interface RerunStateOptions {
  /** The workspace folder: artifact and code-file paths are relative to it. */
  readonly workspaceDir: string;
  /** The one artifact hasher (its cache spares re-reading an unchanged dataset). */
  readonly hasher: FileHasher;
  /** Code files kept for the run outside git (Store.getCodeFiles). */
  readonly codeFiles: Readonly<Record<string, string>>;
  /** False in an untrusted workspace: git is not run (its config can name programs). */
  readonly git?: boolean;
}

/** The states of `run` recorded and now, for {@link compareForRerun}. */
export async function gatherRerunStates(run: RunDetail, options: RerunStateOptions): Promise<RerunStates & { readonly configFiles: readonly string[] }> {
  const [code, inputs] = await Promise.all([codeStates(run, options), inputStates(run, options)]);
  const { params, configFiles } = configParamsNow(run);
  return { code, params: { recorded: run.params, current: params, source: configFiles }, inputs, configFiles };
}

/** Params the command's config files give now, the command line over them; only keys from the files. */
function configParamsNow(run: RunDetail): { params: Record<string, RunDetail['params'][string]>; configFiles: string[] } {
  let analysis;
  try { analysis = analyzeCommand(run.command); } catch { return { params: {}, configFiles: [] }; }
  const parsed = parseArgvParams(analysis.scriptArgs);
  const configFiles = namedConfigFiles(parsed, analysis.entry, run.cwd).filter((f) => !isCredentialFile(f));
  const params: Record<string, RunDetail['params'][string]> = {};
  for (const file of configFiles) {
    const r = readConfigParams(file);
    if ('params' in r) Object.assign(params, r.params);
  }
  for (const key of Object.keys(params)) if (Object.hasOwn(parsed.params, key)) params[key] = parsed.params[key];
  return { params, configFiles };
}

async function inputStates(run: RunDetail, options: RerunStateOptions): Promise<InputState[]> {
  const out: InputState[] = [];
  const seen = new Set<string>();
  for (const a of run.artifacts) {
    if (a.role !== 'input' || !a.sha256 || seen.has(a.path)) continue;
    seen.add(a.path);
    const abs = path.isAbsolute(a.path) ? a.path : path.resolve(options.workspaceDir, a.path);
    let current: string | null | undefined;
    if (!fs.existsSync(abs)) current = null;
    else current = (await options.hasher.hash(abs)) ?? undefined;
    out.push({ path: a.path, recordedSha256: a.sha256, currentSha256: current });
  }
  options.hasher.save();
  return out;
}

async function codeStates(run: RunDetail, options: RerunStateOptions): Promise<RerunStates['code']> {
  const rev = run.git ? run.git.snapshot ?? (run.git.commit && !run.git.dirty ? run.git.commit : null) : null;
  if (rev && options.git !== false) return gitCodeStates(run, rev);
  const kept = Object.keys(options.codeFiles);
  if (!kept.length) return null;
  // The kept copy is redacted: read today's files through the same reader so the two compare.
  const now = readCodeFiles(kept, options.workspaceDir, options.workspaceDir).files;
  const recorded: CodeState = { kind: 'files', files: new Map(Object.entries(options.codeFiles)) };
  const current: CodeState = { kind: 'files', files: new Map(kept.filter((k) => Object.hasOwn(now, k)).map((k) => [k, now[k]])) };
  return { recorded, current };
}

const GIT_ENV = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/**
 * The snapshot's code files (as the code identity counts them: no data or model files, nothing under
 * `.exptrack/`) against the working tree's: the same paths hashed as git would store them now, plus
 * tracked and not-ignored untracked files the snapshot did not have. Null when git cannot answer.
 */
async function gitCodeStates(run: RunDetail, rev: string): Promise<RerunStates['code']> {
  const git = (args: string[], cwd: string) => execQuiet('git', args, { cwd, env: GIT_ENV, timeoutMs: 30_000, maxBuffer: 256 * 1024 * 1024, lowPriority: true });
  const top = await git(['rev-parse', '--show-toplevel'], run.cwd);
  if (!top.ok) return null;
  const root = top.stdout.trim();
  const tree = await git(['ls-tree', '-r', '-z', '--full-tree', `${rev}^{tree}`], root);
  if (!tree.ok) return null;
  const recorded = new Map<string, string>();
  for (const entry of tree.stdout.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type === 'blob' && mode !== '120000' && isCode(file)) recorded.set(file, oid);
  }
  const listed = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root);
  if (!listed.ok) return null;
  const candidates = new Set(recorded.keys());
  for (const file of listed.stdout.split('\0')) {
    if (!file || !isCode(file) || candidates.has(file)) continue;
    // Untracked files over the snapshot's size limit are never taken: not "new since".
    try {
      const st = fs.lstatSync(path.join(root, file));
      if (st.isFile() && st.size <= DEFAULT_UNTRACKED_LIMITS.maxFileBytes) candidates.add(file);
    } catch { /* listed by the index but gone: not there now */ }
  }
  const present = [...candidates].filter((f) => !f.includes('\n') && isRegularFile(path.join(root, f)));
  const current = new Map<string, string>();
  // `git hash-object` hashes as git would store the file (its filters applied), a few hundred per call.
  for (let i = 0; i < present.length; i += 200) {
    const chunk = present.slice(i, i + 200);
    const r = await git(['hash-object', '--', ...chunk], root);
    if (!r.ok) return null;
    const oids = r.stdout.split('\n').filter(Boolean);
    chunk.forEach((f, k) => { if (oids[k]) current.set(f, oids[k]); });
  }
  const leftOut = new Set((leftOutOf(run.tags)?.files ?? []).map((f) => f.path));
  return { recorded: { kind: 'git', files: recorded, leftOut }, current: { kind: 'git', files: current } };
}

function isCode(file: string): boolean {
  return classifyFile(file) === 'file' && !/(^|\/)\.exptrack\//.test(file);
}

function isRegularFile(abs: string): boolean {
  try { return fs.lstatSync(abs).isFile(); } catch { return false; }
}
