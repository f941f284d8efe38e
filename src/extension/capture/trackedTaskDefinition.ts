import type * as vscode from 'vscode';

/** Mirrors `contributes.taskDefinitions` (type `exptrack`) in package.json. */
export interface TrackedTaskDefinition extends vscode.TaskDefinition {
  readonly type: 'exptrack';
  readonly command: string | readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly experiment?: string;
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Checks a definition from tasks.json; returns a message naming the problem, or undefined. */
export function trackedTaskProblem(d: vscode.TaskDefinition): string | undefined {
  const c = d.command as unknown;
  const okCommand = (typeof c === 'string' && c.trim() !== '') ||
    (Array.isArray(c) && c.length > 0 && c.every((w) => typeof w === 'string') && (c[0] as string).trim() !== '');
  if (!okCommand) return '"command" must be a non-empty string or array of strings';
  if (d.cwd !== undefined && typeof d.cwd !== 'string') return '"cwd" must be a string';
  for (const field of ['env', 'tags'] as const) {
    const v = d[field] as unknown;
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))) {
      return `"${field}" must be an object of strings`;
    }
  }
  for (const field of ['experiment', 'name'] as const) {
    if (d[field] !== undefined && typeof d[field] !== 'string') return `"${field}" must be a string`;
  }
  return undefined;
}
