import type { RunStatus } from '../../core/model';

/** The codicon and colour of a run's status in the views. */
export const statusIcon: Record<RunStatus, { icon: string; color?: string }> = {
  running: { icon: 'loading~spin' },
  finished: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  killed: { icon: 'circle-slash', color: 'problemsWarningIcon.foreground' },
  interrupted: { icon: 'debug-disconnect', color: 'problemsWarningIcon.foreground' },
};
