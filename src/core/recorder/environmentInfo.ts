import os from 'node:os';
import { isSecretEnvName, REDACTED, redactText } from './secrets';
import { execQuiet } from './processUtil';

/** Environment variables recorded by default (exact names). */
export const DEFAULT_ENV_ALLOW_LIST: readonly string[] = [
  'CUDA_VISIBLE_DEVICES', 'CUDA_DEVICE_ORDER', 'CUDA_LAUNCH_BLOCKING', 'PYTHONHASHSEED', 'PYTHONPATH',
  'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'NUMEXPR_NUM_THREADS',
  'WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT',
  'TOKENIZERS_PARALLELISM', 'TF_CPP_MIN_LOG_LEVEL', 'TF_FORCE_GPU_ALLOW_GROWTH', 'XLA_FLAGS', 'JAX_PLATFORMS',
  'VIRTUAL_ENV', 'CONDA_DEFAULT_ENV', 'CONDA_PREFIX', 'WANDB_MODE', 'WANDB_PROJECT', 'MLFLOW_TRACKING_URI',
  'SLURM_JOB_ID', 'SLURM_ARRAY_TASK_ID', 'SLURM_NTASKS', 'SLURM_JOB_NODELIST', 'LANG',
];
/** Environment variables recorded by default (name prefixes). */
export const DEFAULT_ENV_ALLOW_PREFIXES: readonly string[] = ['CUDA_', 'NCCL_', 'TORCH_', 'PYTORCH_', 'HF_', 'TRANSFORMERS_', 'ACCELERATE_', 'DS_'];

/**
 * The allow-listed environment variables of a process, values kept except for names that look secret
 * ({@link isSecretEnvName}), whose value is replaced by `[redacted]`. Every value kept goes through
 * the redactor (URL credentials and secret query parameters, token formats).
 */
export function allowListedEnv(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): Record<string, string> {
  const exact = new Set([...DEFAULT_ENV_ALLOW_LIST, ...extraNames.filter((n) => !n.endsWith('*'))]);
  const prefixes = [...DEFAULT_ENV_ALLOW_PREFIXES, ...extraNames.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1))];
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    if (!exact.has(name) && !prefixes.some((p) => name.startsWith(p))) continue;
    out[name] = isSecretEnvName(name) ? REDACTED : redactText(value.slice(0, 4096));
  }
  return out;
}

/** The machine a run ran on. */
export interface HostInfo {
  readonly os: { readonly platform: string; readonly type: string; readonly release: string; readonly arch: string };
  readonly host: string;
  readonly user: string | null;
  readonly cpus: { readonly count: number; readonly model: string | null };
  readonly memoryBytes: number;
}

let hostInfo: HostInfo | undefined;

/** OS, CPUs, memory, host name and user: cheap, computed once per process. */
export function collectHostInfo(): HostInfo {
  if (hostInfo) return hostInfo;
  let user: string | null = null;
  try { user = os.userInfo().username; } catch { user = process.env.USER ?? process.env.USERNAME ?? null; }
  const cpus = os.cpus();
  hostInfo = {
    os: { platform: process.platform, type: os.type(), release: os.release(), arch: process.arch },
    host: os.hostname(),
    user,
    cpus: { count: cpus.length || os.availableParallelism?.() || 0, model: cpus[0]?.model?.trim() || null },
    memoryBytes: os.totalmem(),
  };
  return hostInfo;
}

/** One GPU as nvidia-smi reports it. */
export interface GpuInfo {
  readonly index: number;
  readonly name: string;
  readonly memoryMiB: number | null;
  readonly driver: string | null;
}

let gpus: Promise<GpuInfo[]> | undefined;

/** GPUs through nvidia-smi, once per process; an empty list, quietly, where there is none. */
export function collectGpus(): Promise<GpuInfo[]> {
  gpus ??= execQuiet('nvidia-smi', ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'], { timeoutMs: 5000, lowPriority: true }).then((r) => {
    if (!r.ok) return [];
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [index, name, mem, driver] = l.split(',').map((s) => s.trim());
      const m = Number(mem);
      return { index: Number(index) || 0, name: name ?? '', memoryMiB: Number.isFinite(m) ? m : null, driver: driver || null };
    });
  });
  return gpus;
}
