// What a re-run would run differently from the run it repeats: code, params from config files, and
// input data, compared before anything is launched. Pure: the states are gathered elsewhere
// (rerunState.ts) so the comparison is tested on plain data.

import path from 'node:path';
import type { ParamValue } from '../model';

/** A code state: file path (relative, `/`) -> content id (a git blob id, or the content itself). */
export interface CodeState {
  /** `git`: the run's snapshot tree against the working tree; `files`: the code kept outside git. */
  readonly kind: 'git' | 'files';
  readonly files: ReadonlyMap<string, string>;
  /** Paths the recorded snapshot left out on purpose (secrets, size): never reported as added. */
  readonly leftOut?: ReadonlySet<string>;
}

/** One input the run read, as recorded and as it is on disk now. */
export interface InputState {
  readonly path: string;
  readonly recordedSha256: string;
  /** null when it is gone; undefined when it could not be hashed (too big, unreadable). */
  readonly currentSha256: string | null | undefined;
}

/** What is compared. */
export interface RerunStates {
  /** The recorded code and what is there now; null when either cannot be told (no snapshot, no git). */
  readonly code: { readonly recorded: CodeState; readonly current: CodeState } | null;
  /** Params as recorded, and the params the command's config files (under its command line) give now. */
  readonly params: { readonly recorded: Readonly<Record<string, ParamValue>>; readonly current: Readonly<Record<string, ParamValue>>; readonly source: readonly string[] };
  readonly inputs: readonly InputState[];
}

export type RerunDifference =
  | { readonly kind: 'code'; readonly path: string; readonly change: 'changed' | 'added' | 'removed' }
  | { readonly kind: 'param'; readonly key: string; readonly recorded: ParamValue | undefined; readonly current: ParamValue | undefined }
  | { readonly kind: 'input'; readonly path: string; readonly change: 'changed' | 'missing' | 'unknown'; readonly recordedSha256: string; readonly currentSha256: string | null | undefined };

/** The comparison and how far it could see. */
export interface RerunCheck {
  readonly differences: readonly RerunDifference[];
  /** False when the code could not be compared (the run kept no snapshot, or git could not answer). */
  readonly codeCompared: boolean;
  readonly paramCount: number;
  readonly inputCount: number;
}

/**
 * The differences between a recorded run and what a re-run would use now: code files changed, added or
 * removed; params whose config-file value changed; inputs whose content hash changed or that are gone
 * (an input that is also a code file is said once, as code). Code files first (in path order), then
 * params, then inputs.
 */
export function compareForRerun(states: RerunStates): RerunCheck {
  const out: RerunDifference[] = [];
  if (states.code) {
    const { recorded, current } = states.code;
    const paths = [...new Set([...recorded.files.keys(), ...current.files.keys()])].sort();
    for (const p of paths) {
      const a = recorded.files.get(p);
      const b = current.files.get(p);
      if (a === b) continue;
      if (a === undefined) {
        if (!recorded.leftOut?.has(p)) out.push({ kind: 'code', path: p, change: 'added' });
      } else {
        out.push({ kind: 'code', path: p, change: b === undefined ? 'removed' : 'changed' });
      }
    }
  }
  const { recorded, current } = states.params;
  for (const key of Object.keys(current).sort()) {
    if (!sameParam(recorded[key], current[key])) out.push({ kind: 'param', key, recorded: recorded[key], current: current[key] });
  }
  // A config file is code and an input at once: said once, as code.
  const codePaths = new Set(out.map((d) => (d.kind === 'code' ? d.path : '')));
  for (const input of states.inputs) {
    if (input.currentSha256 === input.recordedSha256 || codePaths.has(input.path)) continue;
    const change = input.currentSha256 === null ? 'missing' : input.currentSha256 === undefined ? 'unknown' : 'changed';
    out.push({ kind: 'input', path: input.path, change, recordedSha256: input.recordedSha256, currentSha256: input.currentSha256 });
  }
  return { differences: out, codeCompared: states.code !== null, paramCount: Object.keys(states.params.recorded).length, inputCount: states.inputs.length };
}

// Config values are re-read from text; the recorded one may have come typed from the process (3e-4 vs 0.0003).
function sameParam(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && String(a).trim() !== '' && String(b).trim() !== '';
  return String(a) === String(b);
}

/**
 * One line per difference, for people: `train.py changed since this run`, `data/train.csv changed
 * since this run (sha256 1a2b3c4d -> 5e6f7a8b)`, `param lr: 0.1 -> 0.01 (config.yaml)`. At most
 * `max` lines, then `… and N more`.
 */
export function describeDifferences(check: RerunCheck, paramSources: readonly string[] = [], max = 8): string[] {
  const lines = check.differences.map((d) => {
    switch (d.kind) {
      case 'code': return `${d.path} ${d.change === 'changed' ? 'changed' : d.change === 'added' ? 'is new' : 'was deleted'} since this run`;
      case 'param': return `param ${d.key}: ${paramText(d.recorded)} -> ${paramText(d.current)}${paramSources.length ? ` (${paramSources.map((s) => path.basename(s)).join(', ')})` : ''}`;
      case 'input':
        if (d.change === 'missing') return `input ${d.path} is gone`;
        if (d.change === 'unknown') return `input ${d.path} could not be hashed to compare`;
        return `input ${d.path} changed since this run (sha256 ${d.recordedSha256.slice(0, 8)} -> ${String(d.currentSha256).slice(0, 8)})`;
    }
  });
  return lines.length > max ? [...lines.slice(0, max - 1), `… and ${lines.length - max + 1} more`] : lines;
}

/**
 * What a re-run with nothing changed repeats, as the hint says it: `same command, code, 4 params and
 * 1 input (by content hash)`; undefined when something differs or the code could not be compared.
 */
export function repeatReason(check: RerunCheck): string | undefined {
  if (check.differences.length || !check.codeCompared) return undefined;
  return `same command, code, ${check.paramCount} params and ${check.inputCount} input${check.inputCount === 1 ? '' : 's'} (by content hash)`;
}

function paramText(v: ParamValue | undefined): string {
  return v === undefined ? '(none)' : v === null ? 'null' : String(v);
}
