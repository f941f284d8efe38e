// How a value, a duration, a size or a time reads wherever exptrack shows one: the Runs and Artifacts
// views, the panels and the CLI. It lives in src/protocol because that is the one folder the extension,
// the CLI, core and the webviews may all import (it imports nothing); a value must read the same in the
// tree, in a panel and in `exptrack show`.

/**
 * A metric value, compact: integers as they are (steps, counts), else 4 significant digits, in
 * exponent form below 1e-4 and from 1e6 (`3e-4`, `1.235e6`). Missing is `—`.
 */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return String(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A difference with its sign always shown: `+0.05`, `−1.2e-5`, `±0`. */
export function formatDelta(v: number): string {
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + formatValue(Math.abs(v));
}

/** `350ms`, `42s`, `1m 5s`, `2h 3m`, `3d 4h`; missing is `—`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hr = Math.floor(m / 60);
  return hr < 48 ? `${hr}h ${m % 60}m` : `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

/** A start time, local, to the minute: `2026-01-31 09:05`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Axis tick for seconds since the run started: 90 -> "1:30", 4000 -> "1:06:40". */
export function formatElapsed(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(Math.round(seconds));
  const hr = Math.floor(s / 3600);
  s -= hr * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hr ? `${sign}${hr}:${pad(m)}:${pad(s)}` : `${sign}${m}:${pad(s)}`;
}

/** Axis tick for wall-clock time: `09:05:30`. */
export function formatClock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A param as recorded: numbers as {@link formatValue} shows them, text as it is; missing is `—`. */
export function formatParam(v: string | number | boolean | null | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  return typeof v === 'number' ? formatValue(v) : String(v);
}

/** `512 B`, `1.5 KB`, `12 KB`, `3.4 GB`; missing is `—`. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
