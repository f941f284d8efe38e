// What MLflow's folder store and SQL store share: its run statuses and the `mlflow.*` tags that carry
// run fields (name, command, git, user, note).
import type { RunStatus } from '../model';
import type { ImportedRun } from './importedRun';

/** MLflow's RunStatus, by number (folder store meta.yaml) and by name (SQL store). */
const statusByNumber: Record<number, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

export function mlflowStatus(status: unknown): RunStatus {
  const name = typeof status === 'number' ? statusByNumber[status] : String(status ?? '').toUpperCase();
  switch (name) {
    case 'FINISHED': return 'finished';
    case 'FAILED': return 'failed';
    case 'KILLED': return 'killed';
    // A run MLflow still calls running (often one whose process died): recorded as running, which
    // the store turns into interrupted once the import's journal is closed (nobody is writing it).
    default: return 'running';
  }
}

/** Sets the run fields MLflow keeps in tags; every tag is also kept as a tag. */
export function applyMlflowTags(run: ImportedRun, tags: Readonly<Record<string, string>>): void {
  Object.assign(run.tags, tags);
  const t = (k: string): string | undefined => (tags[k] !== undefined && tags[k] !== '' ? tags[k] : undefined);
  run.name = t('mlflow.runName') ?? run.name;
  run.command = t('mlflow.source.name') ?? run.command;
  run.gitCommit = t('mlflow.source.git.commit') ?? run.gitCommit;
  run.gitBranch = t('mlflow.source.git.branch') ?? run.gitBranch;
  run.gitRemote = t('mlflow.source.git.repoURL') ?? run.gitRemote;
  run.user = t('mlflow.user') ?? run.user;
  run.note = t('mlflow.note.content') ?? run.note;
}

/** A metric value as MLflow writes it in text ("nan", "inf", "-inf", Python's reprs). */
export function mlflowNumber(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return t === '' ? NaN : Number(t);
}
