import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execQuiet, whichSync } from './processUtil';
import { redactText } from './secrets';

/** The interpreter a python command ran with. */
export interface PythonInfo {
  readonly executable: string;
  readonly version: string;
  readonly implementation: string;
  readonly prefix: string;
  /** The virtual environment or conda prefix when the interpreter lives in one. */
  readonly environment: string | null;
  readonly sitePackages: readonly string[];
}

/** Installed packages of an interpreter. */
export interface PackageList {
  readonly source: 'pip freeze' | 'importlib.metadata';
  readonly packages: readonly string[];
  /** True when taken from the cache rather than computed for this run. */
  readonly cached: boolean;
}

const PROBE = [
  'import sys, json, site, platform, os',
  'sp = []',
  'try: sp = list(site.getsitepackages())',
  'except Exception: pass',
  'try: sp.append(site.getusersitepackages())',
  'except Exception: pass',
  "print(json.dumps({'executable': sys.executable, 'version': platform.python_version(), 'implementation': platform.python_implementation(), 'prefix': sys.prefix, 'base': sys.base_prefix, 'conda': os.environ.get('CONDA_PREFIX'), 'sitePackages': sp}))",
].join('\n');

/**
 * Resolves which interpreter a command's python word means, as the run's own PATH would: a launcher
 * (`torchrun`, `accelerate`) or a script (`./train.py`) gives it through its `#!` line.
 */
export function resolvePythonWord(word: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const found = whichSync(word, env, cwd) ?? (fs.existsSync(path.resolve(cwd, word)) ? path.resolve(cwd, word) : null);
  if (!found) return null;
  if (/^(python|pypy|ipython)/i.test(path.basename(found))) return found;
  const shebang = readShebang(found);
  if (!shebang) return whichSync('python3', env, cwd) ?? whichSync('python', env, cwd);
  // `#!/usr/bin/env python3` or `#!/path/to/python -u`
  const parts = shebang.split(/\s+/);
  const prog = path.basename(parts[0]) === 'env' ? parts.slice(1).find((p) => !p.startsWith('-') && !p.includes('=')) : parts[0];
  if (!prog) return null;
  return prog.includes('/') ? prog : whichSync(prog, env, cwd);
}

/**
 * The interpreter of a virtual environment (`.venv`, `venv`, `env`) in `cwd` or a folder above it, up
 * to `stopAt`: what a terminal with that environment activated runs for a bare `python`. VS Code's
 * Python extension activates the workspace environment in new terminals, while the extension host's
 * own PATH does not have it.
 */
export function findWorkspaceVenvPython(word: string, cwd: string, stopAt: string): string | null {
  if (word.includes('/') || word.includes('\\')) return null;
  const name = process.platform === 'win32' ? path.join('Scripts', `${word.replace(/\.exe$/i, '')}.exe`) : path.join('bin', word);
  let dir = path.resolve(cwd);
  const stop = path.resolve(stopAt);
  for (let i = 0; i < 32; i++) {
    for (const venv of ['.venv', 'venv', 'env']) {
      const candidate = path.join(dir, venv, name);
      if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, venv, 'pyvenv.cfg'))) return candidate;
    }
    if (dir === stop || path.dirname(dir) === dir || !dir.startsWith(stop)) break;
    dir = path.dirname(dir);
  }
  return null;
}

function readShebang(file: string): string | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(256);
      const n = fs.readSync(fd, buf, 0, 256, 0);
      const head = buf.subarray(0, n).toString('utf8');
      if (!head.startsWith('#!')) return null;
      return head.slice(2).split('\n')[0].trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Asks the interpreter about itself (one short python process, off the run's critical path). */
export async function probePython(interpreter: string, env: NodeJS.ProcessEnv, cwd: string): Promise<PythonInfo | null> {
  const r = await execQuiet(interpreter, ['-I', '-c', PROBE], { cwd, env, timeoutMs: 15_000, lowPriority: true });
  if (!r.ok) return null;
  try {
    return pythonInfoOf(JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ReportedPython);
  } catch {
    return null;
  }
}

/** What a python process says about itself: the probe's output, or the Python hook's `python` record. */
export interface ReportedPython {
  readonly executable: string;
  readonly version: string;
  readonly implementation: string;
  readonly prefix: string;
  readonly base: string;
  readonly conda: string | null;
  readonly sitePackages: readonly string[];
}

/** The interpreter as recorded; its environment is the venv (prefix differs from base) or the conda prefix. */
export function pythonInfoOf(d: ReportedPython): PythonInfo {
  const inVenv = d.prefix !== d.base;
  return {
    executable: d.executable,
    version: d.version,
    implementation: d.implementation,
    prefix: d.prefix,
    environment: inVenv ? d.prefix : d.conda && d.prefix === d.conda ? d.conda : null,
    sitePackages: d.sitePackages.filter((p) => typeof p === 'string'),
  };
}

/**
 * {@link probePython} with its answer kept in `<cacheDir>/python-<key>.json`. The probe is a python
 * process (through a pyenv or asdf shim, a chain of some 40 shell processes and ~0.5 s of CPU) that
 * would otherwise start beside every run. The key is what decides which interpreter the word means:
 * its path, the file it resolves to (and that file's mtime and size), the environment variables that
 * select one (PATH, VIRTUAL_ENV, CONDA_PREFIX, PYENV_VERSION...) and, for a shim script, the
 * version files it reads (`.python-version`, `.tool-versions` up from `cwd`, pyenv's global one).
 * A hit counts only while the interpreter it names is still the same file.
 */
export async function probePythonCached(interpreter: string, env: NodeJS.ProcessEnv, cwd: string, cacheDir: string | null): Promise<PythonInfo | null> {
  const key = cacheDir ? probeKey(interpreter, env, cwd) : null;
  const file = key && cacheDir ? path.join(cacheDir, `python-${key}.json`) : null;
  if (file) {
    try {
      const hit = JSON.parse(fs.readFileSync(file, 'utf8')) as { info: PythonInfo; executableId: string };
      if (hit.info && typeof hit.info.executable === 'string' && fileId(hit.info.executable) === hit.executableId) return hit.info;
    } catch { /* not cached yet, or unreadable: probe */ }
  }
  const info = await probePython(interpreter, env, cwd);
  if (info && file) writeCacheFile(file, JSON.stringify({ info, executableId: fileId(info.executable) }));
  return info;
}

const SELECTING_ENV = ['PATH', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV', 'PYENV_VERSION', 'PYENV_ROOT', 'ASDF_PYTHON_VERSION', 'UV_PYTHON', 'PYTHONHOME'];

function probeKey(interpreter: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  let real: string;
  try { real = fs.realpathSync(interpreter); } catch { return null; }
  const parts = [interpreter, real, fileId(real), ...SELECTING_ENV.map((k) => `${k}=${env[k] ?? ''}`)];
  if (readShebang(real) !== null) {
    // A shim script picks the interpreter from version files: the ones that apply here are part of the key.
    parts.push(cwd);
    let dir = path.resolve(cwd);
    for (let i = 0; i < 64; i++) {
      for (const f of ['.python-version', '.tool-versions']) parts.push(readSmall(path.join(dir, f)));
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const root = env.PYENV_ROOT || (env.HOME ? path.join(env.HOME, '.pyenv') : '');
    if (root) parts.push(readSmall(path.join(root, 'version')));
  }
  return crypto.createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24);
}

/** Writes a cache file whole (temp file + rename: a reader never sees half of it); failures are ignored. */
function writeCacheFile(file: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch { /* the cache is an optimisation */ }
}

function fileId(p: string): string {
  try { const st = fs.statSync(p); return `${st.mtimeMs}:${st.size}:${st.ino}`; } catch { return '-'; }
}

function readSmall(file: string): string {
  try { return fs.readFileSync(file, 'utf8').slice(0, 4096); } catch { return '-'; }
}

const memoryCache = new Map<string, PackageList>();
const inFlight = new Map<string, Promise<PackageList | null>>();

/**
 * The interpreter's packages when they are cached already (in memory, or in
 * `<cacheDir>/packages-<key>.txt`: written by {@link listPackages} or, at the exit of a run's first
 * Python process, by the Python hook, which computes the same key), else null. Reads only.
 */
export function cachedPackages(info: PythonInfo, cacheDir: string | null): PackageList | null {
  const key = cacheKey(info);
  const hit = memoryCache.get(key);
  if (hit) return { ...hit, cached: true };
  if (!cacheDir) return null;
  try {
    const text = fs.readFileSync(path.join(cacheDir, `packages-${key}.txt`), 'utf8');
    const [header, ...lines] = text.split('\n');
    const source = header === '# importlib.metadata' ? 'importlib.metadata' : 'pip freeze';
    const list: PackageList = { source, packages: lines.map((l) => redactText(l.trim())).filter(Boolean), cached: true };
    memoryCache.set(key, list);
    return list;
  } catch {
    return null; // not cached yet
  }
}

/**
 * The interpreter's installed packages (`pip freeze`, or `importlib.metadata` where pip is missing, as
 * in uv environments), cached in memory and in `<cacheDir>/packages-<key>.txt` under a key made of the
 * interpreter's path and mtime and the mtimes of its site-packages folders, which change whenever a
 * package is installed or removed. URL credentials (`git+https://user:token@...`) are stripped.
 */
export async function listPackages(info: PythonInfo, env: NodeJS.ProcessEnv, cacheDir: string | null): Promise<PackageList | null> {
  const hit = cachedPackages(info, cacheDir);
  if (hit) return hit;
  const key = cacheKey(info);
  const file = cacheDir ? path.join(cacheDir, `packages-${key}.txt`) : null;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = computePackages(info.executable, env).then((list) => {
      if (list) {
        memoryCache.set(key, list);
        if (file) writeCacheFile(file, [`# ${list.source}`, ...list.packages, ''].join('\n'));
      }
      return list;
    }).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/**
 * The key of an environment's package list. The Python hook computes the same one (`_write_distributions`
 * in src/python/exptrack_hook/_exptrack_hook.py): whole nanoseconds read the same in both languages.
 */
function cacheKey(info: PythonInfo): string {
  const parts = [info.executable, mtimeNs(info.executable)];
  for (const p of info.sitePackages) parts.push(p, mtimeNs(p));
  return crypto.createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24);
}

function mtimeNs(p: string): string {
  try { return fs.statSync(p, { bigint: true }).mtimeNs.toString(); } catch { return '-'; }
}

async function computePackages(executable: string, env: NodeJS.ProcessEnv): Promise<PackageList | null> {
  const quietEnv = { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONWARNINGS: 'ignore' };
  const pip = await execQuiet(executable, ['-m', 'pip', 'freeze'], { env: quietEnv, timeoutMs: 120_000, lowPriority: true });
  if (pip.ok) return { source: 'pip freeze', packages: clean(pip.stdout), cached: false };
  const meta = await execQuiet(executable, ['-I', '-c', "import importlib.metadata as m\nfor d in m.distributions():\n    print(f\"{d.metadata['Name']}=={d.version}\")"], { env: quietEnv, timeoutMs: 60_000, lowPriority: true });
  if (meta.ok) return { source: 'importlib.metadata', packages: [...new Set(clean(meta.stdout))].sort((a, b) => a.localeCompare(b)), cached: false };
  return null;
}

function clean(text: string): string[] {
  return text.split('\n').map((l) => redactText(l.trim())).filter((l) => l && !l.startsWith('#'));
}
