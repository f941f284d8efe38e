// The text of a run's row in the Runs view. The sidebar is narrow and VS Code cuts a row's description
// at its end (sooner once the row's inline action icons show), never its label: the tags the user gave
// go in the label after the name, and the description leads with the headline metric's value, then
// the metric's name, and last the age.

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

/**
 * A tag as a row shows it: `best`, `data=v2`; a bare tag is stored as '' (the editor) or 'true' (the
 * CLI's `--tag best`). Bookkeeping is not shown: exptrack's own tags (`exptrack.*`), an imported run's
 * origin (`import.*`: the row says where it came from instead) and the system tags of the trackers it
 * came from (`mlflow.*`, which MLflow reserves for them; `wandb.*`, written from W&B's run fields). They
 * stay tags: filters and `exptrack show` see them.
 */
export function visibleTags(tags: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(tags ?? {}).filter(([k]) => !BOOKKEEPING_TAG.test(k)).map(([k, v]) => (v && v !== 'true' ? `${k}=${v}` : k));
}

const BOOKKEEPING_TAG = /^(exptrack|import|mlflow|wandb)\./;

/** The trackers runs are imported from, as their makers write them. */
const SOURCE_NAMES: Readonly<Record<string, string>> = { mlflow: 'MLflow', tensorboard: 'TensorBoard', wandb: 'W&B', dvclive: 'DVCLive', csv: 'CSV' };

/** `from MLflow` for a run imported from another tracker (its `import.source` tag), else undefined. */
export function importedFrom(tags: Readonly<Record<string, string>> | undefined): string | undefined {
  const source = tags?.['import.source'];
  return source ? `from ${SOURCE_NAMES[source] ?? source}` : undefined;
}

/** `swift-otter-417 #best #data=v2`: the run's name and its tags. */
export function runRowLabel(name: string, tags: Readonly<Record<string, string>> | undefined): string {
  return [name, ...visibleTags(tags).map((t) => `#${t}`)].join(' ');
}

/** `0.9123 val_acc · 3m ago`; `headline` is the metric's key and its formatted value; `origin` (`from MLflow`) before the age. */
export function runRowDescription(headline: readonly [string, string] | undefined, startedAt: number, now: number, origin?: string): string {
  return [headline ? `${headline[1]} ${headline[0]}` : '', origin ?? '', shortAge(startedAt, now)].filter(Boolean).join(' · ');
}

/** Redraws for ages come no closer together than this, however many young rows there are. */
export const MIN_AGE_REFRESH_MS = 10_000;

/**
 * How long until the age shown for a run started at `startedAt` reads differently ("just now" ->
 * "1m ago" at 45 s, "1m" -> "2m" at 1.5 min, hours at each half hour), so the view is redrawn when a
 * label changes and not otherwise; at least {@link MIN_AGE_REFRESH_MS} apart. Undefined past a day:
 * "yesterday" and older change too rarely to keep a timer (any store change redraws them anyway).
 */
export function ageRefreshDelayMs(startedAt: number | undefined, now: number): number | undefined {
  if (startedAt === undefined) return undefined;
  const age = Math.max(0, now - startedAt);
  if (age >= DAY) return undefined;
  // shortAge rounds: its label changes where age / unit crosses k + 0.5.
  const next = (unit: number) => (Math.floor(age / unit - 0.5) + 1.5) * unit - age;
  const delay = age < 45_000 ? 45_000 - age : age < HOUR ? next(MINUTE) : next(HOUR);
  // A little past the change: a timer that fires on the boundary would still read the old label.
  return Math.max(MIN_AGE_REFRESH_MS, delay + 100);
}
