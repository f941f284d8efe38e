// The text of a run's row in the Runs view. The sidebar is narrow and VS Code cuts a row's description
// at its end (sooner once the row's inline action icons show), so the most telling part comes first:
// the headline metric's value, then the metric's name, the tags, and last the age.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "3m ago", "5h ago", "yesterday", "12d ago", then the date. */
export function shortAge(ms: number, now: number): string {
  const age = Math.max(0, now - ms);
  if (age < 45_000) return 'just now';
  const m = Math.round(age / MINUTE);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(age / HOUR);
  if (h < 24) return `${h}h ago`;
  const d = Math.round(age / DAY);
  if (d === 1) return 'yesterday';
  if (d < 30) return `${d}d ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** A tag as a row shows it: `best`, `data=v2`. exptrack's own tags (`exptrack.*`) are bookkeeping, not shown. */
export function visibleTags(tags: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(tags ?? {}).filter(([k]) => !k.startsWith('exptrack.')).map(([k, v]) => (v ? `${k}=${v}` : k));
}

/** `0.9123 val_acc · #best #data=v2 · 3m ago`; `headline` is the metric's key and its formatted value. */
export function runRowDescription(headline: readonly [string, string] | undefined, tags: Readonly<Record<string, string>> | undefined,
  startedAt: number, now: number): string {
  const tagText = visibleTags(tags).map((t) => `#${t}`).join(' ');
  return [headline ? `${headline[1]} ${headline[0]}` : '', tagText, shortAge(startedAt, now)].filter(Boolean).join(' · ');
}

/**
 * How long until the ages shown for runs started at `youngest` (the most recent start among the rows
 * on screen) read differently enough to redraw: every minute while it is under an hour old, every
 * half hour under a day, never after (a day-old row changes once a day; any store change redraws it).
 */
export function ageRefreshDelayMs(youngest: number | undefined, now: number): number | undefined {
  if (youngest === undefined) return undefined;
  const age = now - youngest;
  if (age < HOUR) return MINUTE;
  if (age < DAY) return 30 * MINUTE;
  return undefined;
}
