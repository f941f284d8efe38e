// What differs between two recorded runs, field by field, from what the store keeps: params, the input
// data they read (by content hash), their environment, and how they were launched. Pure.

import type { ArtifactRecord, ParamValue } from '../model';

export interface ParamChange {
  readonly key: string;
  /** undefined: the run (or the baseline) has no such param. */
  readonly baseline: ParamValue | undefined;
  readonly run: ParamValue | undefined;
}

export interface ArtifactVersion {
  readonly sha256: string | null;
  readonly size: number | null;
}

export interface InputChange {
  readonly path: string;
  /** changed: read by both with different content; added/removed: read by one run only. */
  readonly change: 'changed' | 'added' | 'removed';
  readonly baseline: ArtifactVersion | null;
  readonly run: ArtifactVersion | null;
}

export interface PackageChange {
  readonly name: string;
  readonly change: 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed';
  readonly baseline: string | null;
  readonly run: string | null;
}

/** A scalar of the environment (python version, GPU, a CUDA variable...) that differs. */
export interface EnvironmentValueChange {
  readonly key: string;
  readonly baseline: string | null;
  readonly run: string | null;
}

export interface EnvironmentChanges {
  readonly python: EnvironmentValueChange | null;
  readonly packages: readonly PackageChange[];
  readonly gpus: EnvironmentValueChange | null;
  /** Allow-listed variables (CUDA_VISIBLE_DEVICES, OMP_NUM_THREADS, ...) that differ. */
  readonly variables: readonly EnvironmentValueChange[];
  /** Host name, OS release, CPU count... */
  readonly machine: readonly EnvironmentValueChange[];
}

export interface CommandChange {
  readonly baseline: string;
  readonly run: string;
  /** What captured each run (cli, task, terminal) when it differs. */
  readonly launcher: { readonly baseline: string; readonly run: string } | null;
  /** True when the command lines differ only where the changed params' values are written. */
  readonly onlyParams: boolean;
}

export function paramChanges(baseline: Readonly<Record<string, ParamValue>>, run: Readonly<Record<string, ParamValue>>): ParamChange[] {
  const keys = [...new Set([...Object.keys(baseline), ...Object.keys(run)])].sort();
  const out: ParamChange[] = [];
  for (const key of keys) {
    const a = Object.hasOwn(baseline, key) ? baseline[key] : undefined;
    const b = Object.hasOwn(run, key) ? run[key] : undefined;
    if (!sameParam(a, b)) out.push({ key, baseline: a, run: b });
  }
  return out;
}

/** `3e-4` and `0.0003` are the same param; `1` and `"1"` too (a CLI flag and a config value). */
function sameParam(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  const na = typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : NaN;
  const nb = typeof b === 'number' ? b : typeof b === 'string' && b.trim() !== '' ? Number(b) : NaN;
  if (Number.isFinite(na) && Number.isFinite(nb)) return na === nb;
  return String(a) === String(b);
}

/**
 * Inputs read by either run, matched by path: a different content hash (or, without hashes, size) is
 * a changed version. Inputs neither run hashed and whose sizes agree are taken as the same.
 */
export function inputChanges(baseline: readonly ArtifactRecord[], run: readonly ArtifactRecord[]): InputChange[] {
  const inputs = (list: readonly ArtifactRecord[]) => {
    const m = new Map<string, ArtifactRecord>();
    for (const a of list) if (a.role === 'input') m.set(a.path, a);
    return m;
  };
  const a = inputs(baseline);
  const b = inputs(run);
  const out: InputChange[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    const version = (r: ArtifactRecord | undefined): ArtifactVersion | null => (r ? { sha256: r.sha256, size: r.size } : null);
    if (!x) out.push({ path: p, change: 'added', baseline: null, run: version(y) });
    else if (!y) out.push({ path: p, change: 'removed', baseline: version(x), run: null });
    else if (x.sha256 && y.sha256 ? x.sha256 !== y.sha256 : x.size !== y.size) out.push({ path: p, change: 'changed', baseline: version(x), run: version(y) });
  }
  return out;
}

/** `torch==2.1.0`, `numpy @ file:///...`, `-e git+...#egg=pkg`: name (normalised as pip does) and version. */
function parsePackage(line: string): [string, string] | undefined {
  const s = line.trim();
  if (!s || s.startsWith('#')) return undefined;
  const egg = /#egg=([\w.-]+)/.exec(s);
  const m = /^([A-Za-z0-9][\w.-]*)\s*(?:\[[^\]]*\])?\s*(?:===?|@)\s*(.+)$/.exec(s);
  const name = (m?.[1] ?? egg?.[1] ?? s).toLowerCase().replace(/[-_.]+/g, '-');
  return [name, m ? m[2].trim() : s];
}

/** Compares dotted versions numerically where they are numbers (1.10 > 1.9); 0 when equal or unknown. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

export function packageChanges(baseline: unknown, run: unknown): PackageChange[] {
  const list = (v: unknown) => {
    const m = new Map<string, string>();
    if (Array.isArray(v)) for (const l of v) { const p = typeof l === 'string' ? parsePackage(l) : undefined; if (p) m.set(p[0], p[1]); }
    return m;
  };
  const a = list(baseline);
  const b = list(run);
  // A run whose package list was not recorded says nothing about packages (not "all removed").
  if (!a.size || !b.size) return [];
  const out: PackageChange[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(name) ?? null;
    const y = b.get(name) ?? null;
    if (x === y) continue;
    const change = x === null ? 'added' : y === null ? 'removed'
      : compareVersions(y, x) > 0 ? 'upgraded' : compareVersions(y, x) < 0 ? 'downgraded' : 'changed';
    out.push({ name, change, baseline: x, run: y });
  }
  return out;
}

function str(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/** `NVIDIA A100-SXM4-40GB ×2 (driver 535.104)`; null without GPUs recorded. */
function gpuText(v: unknown): string | null {
  if (!Array.isArray(v) || !v.length) return null;
  const names = new Map<string, number>();
  const drivers = new Set<string>();
  for (const g of v) {
    const o = obj(g);
    const name = str(o.name) ?? 'GPU';
    names.set(name, (names.get(name) ?? 0) + 1);
    const d = str(o.driver ?? o.driverVersion);
    if (d) drivers.add(d);
  }
  const list = [...names].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ');
  return drivers.size ? `${list} (driver ${[...drivers].join(', ')})` : list;
}

export function environmentChanges(baseline: Readonly<Record<string, unknown>>, run: Readonly<Record<string, unknown>>): EnvironmentChanges {
  const change = (key: string, a: string | null, b: string | null): EnvironmentValueChange | null => (a === b ? null : { key, baseline: a, run: b });
  const pa = obj(baseline.python);
  const pb = obj(run.python);
  // Without a recorded version on one side the python is unknown there, not different.
  const python = str(pa.version) && str(pb.version) ? change('python', str(pa.version), str(pb.version)) : null;
  const ga = gpuText(baseline.gpus);
  const gb = gpuText(run.gpus);
  const gpus = Array.isArray(baseline.gpus) && Array.isArray(run.gpus) ? change('gpus', ga, gb) : null;
  const va = obj(baseline.envVars);
  const vb = obj(run.envVars);
  const variables: EnvironmentValueChange[] = [];
  for (const k of [...new Set([...Object.keys(va), ...Object.keys(vb)])].sort()) {
    const c = change(k, str(va[k]), str(vb[k]));
    if (c) variables.push(c);
  }
  const machine: EnvironmentValueChange[] = [];
  const oa = obj(baseline.os);
  const ob = obj(run.os);
  for (const [key, a, b] of [
    ['host', str(baseline.host), str(run.host)],
    ['os', str(oa.release) && `${oa.type ?? ''} ${oa.release}`.trim(), str(ob.release) && `${ob.type ?? ''} ${ob.release}`.trim()],
    ['cpus', str(obj(baseline.cpus).count), str(obj(run.cpus).count)],
  ] as const) {
    const c = a !== null && b !== null ? change(key, a, b) : null;
    if (c) machine.push(c);
  }
  return { python, packages: packageChanges(baseline.packages, run.packages), gpus, variables, machine };
}

/** Whether anything at all differs in the environment. */
export function hasEnvironmentChanges(e: EnvironmentChanges): boolean {
  return !!(e.python || e.gpus || e.packages.length || e.variables.length || e.machine.length);
}

/** How a run was launched: its command line and what captured it (cli, task, terminal). */
export interface Launch {
  readonly command: string;
  readonly source: string;
}

export function commandChange(baseline: Launch, run: Launch, params: readonly ParamChange[]): CommandChange | null {
  const launcher = baseline.source !== run.source ? { baseline: baseline.source, run: run.source } : null;
  if (baseline.command === run.command && !launcher) return null;
  return { baseline: baseline.command, run: run.command, launcher, onlyParams: !launcher && differsOnlyInParams(baseline.command, run.command, params) };
}

/**
 * Whether two command lines differ only in words that are the changed params' values (`--lr 1e-3`
 * vs `--lr 3e-4`, `model.layers=4` vs `model.layers=6`): then the params item already says it.
 */
function differsOnlyInParams(a: string, b: string, params: readonly ParamChange[]): boolean {
  const wa = a.split(/\s+/).filter(Boolean);
  const wb = b.split(/\s+/).filter(Boolean);
  if (wa.length !== wb.length || !params.length) return false;
  const values = new Set<string>();
  for (const p of params) for (const v of [p.baseline, p.run]) if (v !== undefined && v !== null) values.add(String(v));
  const isValue = (w: string) => {
    const tail = w.includes('=') ? w.slice(w.indexOf('=') + 1) : w;
    return values.has(tail) || [...values].some((v) => Number(v) === Number(tail) && tail.trim() !== '' && Number.isFinite(Number(tail)));
  };
  return wa.every((w, i) => w === wb[i] || (isValue(w) && isValue(wb[i])));
}

/** Param value for display: strings as they are, others as JSON; a missing param as "—". */
export function paramText(v: ParamValue | undefined): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

