// What a key's name says about it. The parser never trusts a number on its own: the name next to it
// decides whether it is a measured quantity, a step counter, a setting, or something that is never a
// metric (ids, ports, counts of things, sizes, versions).

/** How the parser treats a key, by its name alone. */
export const enum KeyKind {
  /** A measured quantity (loss, accuracy, ...): a metric even before training starts. */
  Measured,
  /** A hyperparameter that is also logged as it changes (lr): a metric only once training started. */
  Hyper,
  /** Neutral name: a metric only when the line around it is clearly a metric line. */
  Plain,
  /** Counts the step or epoch: gives the step, never a metric itself. */
  Step,
  /** Never a metric: ids, ports, versions, sizes, counts of things, times of day. */
  Never,
  /**
   * A duration or timer (`time`, `data_time`, `train_runtime`): it measures the machine, not the
   * model, so it is no metric; unlike a setting, it does not make its line a configuration echo.
   */
  Timer,
}

// Whole tokens (the key split on non-alphanumerics, lower case, trailing digits dropped: top1 -> top).
const MEASURED_TOKENS = new Set([
  'loss', 'losses', 'acc', 'accuracy', 'err', 'error', 'rmse', 'mse', 'mae', 'mape', 'smape', 'auc', 'roc', 'f', 'fscore',
  'precision', 'prec', 'recall', 'bleu', 'rouge', 'rougel', 'meteor', 'chrf', 'ppl', 'perplexity', 'map', 'ap', 'aps', 'apm', 'apl',
  'iou', 'miou', 'dice', 'score', 'reward', 'rew', 'return', 'returns', 'entropy', 'kl', 'gnorm', 'norm',
  'logloss', 'nll', 'ce', 'wer', 'cer', 'psnr', 'ssim', 'lpips', 'fid', 'r', 'p', 'mcc', 'kappa', 'logprob',
  'likelihood', 'elbo', 'mfu', 'metric', 'em', 'exact', 'hit', 'hits', 'ndcg', 'mrr', 'l1', 'l2', 'l', 'rmsle',
  'binary', 'multi', 'logit', 'pearson', 'spearman', 'corr', 'aupr', 'prauc', 'ece', 'brier', 'gini', 'ndcg',
  'mean', 'std', 'fitness', 'jaccard', 'coverage',
  'deviance', 'nloglik', 'logprobs', 'advantage', 'clipfrac', 'fraction', 'grad',
  'explained', 'variance', 'value', 'policy', 'fps', 'throughput', 'objective', 'obj',
  'f1', 'f2', 'r2', 'l1', 'top1', 'top5', 'acc1', 'acc5', 'map50', 'ap50', 'ap75', 'rouge1', 'rouge2',
]);

const MEASURED_INSIDE_RE = /(?:loss|bleu|rouge|accuracy|perplexity|error)$/;

const STEP_WORD_TOKENS = new Set(['epoch', 'epochs', 'iteration', 'iterations', 'iter', 'iters', 'step', 'steps', 'round', 'rounds']);

const HYPER_TOKENS = new Set(['lr', 'learning', 'rate', 'momentum', 'decay', 'wd']);

// A key whose whole (normalised) name is one of these counts steps.
const STEP_KEYS = new Set([
  'step', 'steps', 'global_step', 'globalstep', 'iter', 'iteration', 'iterations', 'it', 'epoch', 'ep', 'num_updates',
  'update', 'updates', 'total_timesteps', 'timesteps', 'round', 'boosting_round', 'trainer_global_step', 'time_iterations',
  'time_total_timesteps', 'num_timesteps', 'n_iter', 'train_step', 'global_steps', 'batch', 'batch_idx', 'batch_num',
]);
/** Step keys by priority: a finer counter beats an epoch. */
const STEP_PRIORITY: Readonly<Record<string, number>> = {
  global_step: 5, globalstep: 5, trainer_global_step: 5, total_timesteps: 5, num_timesteps: 5, time_total_timesteps: 5, timesteps: 5,
  step: 4, steps: 4, train_step: 4, global_steps: 4, num_updates: 4, update: 4, updates: 4,
  iter: 3, iteration: 3, iterations: 3, time_iterations: 3, n_iter: 3, it: 3, round: 3, boosting_round: 3,
  epoch: 1, ep: 1,
};

const NEVER_TOKENS = new Set([
  'id', 'ids', 'pid', 'ppid', 'uid', 'gid', 'tid', 'port', 'ports', 'rank', 'world', 'seed', 'version', 'ver', 'v',
  'line', 'lineno', 'num', 'number', 'n', 'size', 'sizes', 'bins', 'workers', 'worker', 'gpus', 'gpu', 'device',
  'devices', 'cuda', 'cpu', 'cpus', 'nodes', 'node', 'threads', 'thread', 'examples', 'samples', 'files', 'file',
  'images', 'imgs', 'instances', 'params', 'parameters', 'param', 'tokens', 'epochs', 'batches', 'items', 'records',
  'rows', 'columns', 'cols', 'year', 'month', 'day', 'days', 'hour', 'hours', 'minute', 'minutes', 'date',
  'timestamp', 'ts', 'eta', 'mem', 'memory', 'ram', 'vram', 'dim', 'dims', 'layers', 'heads', 'hidden', 'vocab',
  'width', 'height', 'pixels', 'bytes', 'kb', 'mb', 'gb', 'kib', 'mib', 'gib', 'job', 'task', 'shard', 'shards',
  'chunk', 'chunks', 'part', 'checkpoint', 'ckpt', 'driver', 'python', 'torch', 'pytorch', 'cudnn', 'nccl',
  'pip', 'found', 'total', 'classes', 'labels', 'features', 'count', 'counts', 'len', 'length', 'max', 'min',
  'patience', 'attempt', 'retry', 'retries', 'exit', 'code', 'errno', 'status', 'ram', 'disk', 'host', 'address',
  'addr', 'index', 'idx', 'offset', 'capacity', 'free', 'used', 'available', 'allocated', 'reserved', 'cores', 'core',
  'nnz', 'nnzs', 'buffer', 'queue', 'seconds', 'secs', 'sec', 'ms', 'kwargs', 'args', 'dataset', 'split', 'fold',
  'folds', 'trial', 'trials', 'run', 'runs', 'experiment', 'sweep', 'config', 'batch', 'bs', 'precision_mode',
  'bits', 'bit', 'dtype', 'fp', 'bf', 'tf', 'jax', 'keras', 'numpy', 'transformers', 'accelerate', 'lightning',
  'temperature', 'dropout', 'warmup', 'eps', 'epsilon', 'beta', 'betas', 'scale', 'threshold', 'thresh', 'beams',
  'patience', 'interval', 'freq', 'frequency', 'every', 'top', 'k', 'alpha', 'lambda', 'gamma', 'tau',
  'weight', 'weights', 'coef', 'ratio', 'factor', 'beam', 'syslen', 'reflen', 'oom', 'bsz',
]);
// Durations and timers (`time`, `data_time`, `train_runtime`, `time/time_elapsed`, `iter_dt`) measure
// the machine, not the model: a user pattern can still ask for them.
const TIMER_TOKENS = new Set(['time', 'runtime', 'elapsed', 'duration', 'dt', 'data', 'timer', 'clock', 'wallclock', 'wall']);
// Never words that also beat a measured word: `score threshold`, `loss_weight`, `top_p` are settings.
const STRONG_NEVER_TOKENS = new Set(['threshold', 'thresh', 'weight', 'weights', 'coef', 'factor', 'temperature', 'patience', 'interval', 'every', 'freq', 'frequency']);
// Tokens that turn a count into a rate (samples_per_second, tokens/s): rates logged by the trainer are metrics.
const RATE_TOKENS = new Set(['per', 's', 'sec', 'second', 'ps']);

/** The split words a line or key can carry. */
export const SPLIT_WORDS: ReadonlySet<string> = new Set(['train', 'training', 'val', 'valid', 'validation', 'test', 'eval', 'evaluation', 'dev']);

const kindCache = new Map<string, KeyKind>();

/** Lower case, runs of space, `_`, `-`, `/` and `.` folded to one `_` (the fixtures' matching rule too). */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[\s_\-/.]+/g, '_').replace(/^_|_$/g, '');
}

function tokens(key: string): string[] {
  // Split camelCase too (trainLoss -> train, loss), then on anything not a letter or digit.
  // Letters of any script count (`précision`, `损失`): they are names, never separators.
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/** Classifies a key by its name (cached: a log repeats the same few keys). */
export function keyKind(key: string): KeyKind {
  const hit = kindCache.get(key);
  if (hit !== undefined) return hit;
  const kind = classify(key);
  if (kindCache.size > 10000) kindCache.clear();
  kindCache.set(key, kind);
  return kind;
}

function classify(key: string): KeyKind {
  const norm = normaliseKey(key);
  if (STEP_KEYS.has(norm)) return KeyKind.Step;
  const toks = tokens(key);
  if (toks.length === 0) return KeyKind.Never;
  // `Train Epoch`, `val_step`: a split word before a step word is still the step.
  const rest = toks.filter((t) => !SPLIT_WORDS.has(t));
  if (rest.length > 0 && rest.length < toks.length && STEP_KEYS.has(rest.join('_'))) return KeyKind.Step;
  // `time per iteration (ms)` is a duration per unit, not a rate: a timer word before `per`.
  const per = toks.indexOf('per');
  if (per > 0 && toks.slice(0, per).some((t) => TIMER_TOKENS.has(t))) return KeyKind.Timer;
  const isRate = toks.some((t) => RATE_TOKENS.has(t)) && toks.length > 1;
  let measured = false;
  let hyper = false;
  // CatBoost prints the loss under the split's name alone: `learn: 0.68  test: 0.69`.
  if (toks.length === 1 && (SPLIT_WORDS.has(toks[0]) || toks[0] === 'learn' || toks[0] === 'best')) return KeyKind.Measured;
  for (const raw of toks) {
    const t = raw.replace(/\d+$/, '');
    if (t.length === 0) continue;
    // A measured word wins over a count word (total_loss, max_acc are metrics), a count word wins otherwise.
    // One-letter tokens (`P`, `R` in Ultralytics' table) are names only on their own: `top_p` is not.
    if (toks.length === 1 ? MEASURED_TOKENS.has(raw) || MEASURED_TOKENS.has(t) : raw.length > 1 && (MEASURED_TOKENS.has(raw) || t.length > 1 && MEASURED_TOKENS.has(t))) measured = true;
    // Glued names (`valloss`, `sacrebleu`, `trainaccuracy`) still say what they measure.
    else if (t.length > 5 && MEASURED_INSIDE_RE.test(t)) measured = true;
    else if (HYPER_TOKENS.has(t)) hyper = true;
  }
  for (const t of toks) if (STRONG_NEVER_TOKENS.has(t)) return KeyKind.Never;
  // best_epoch, bestIteration, stopped_epoch: the index of a step, not a measured value
  // (train_loss_step and train_loss_epoch are measured, and stay).
  if (!measured && toks.length > 1 && STEP_WORD_TOKENS.has(toks[toks.length - 1])) return KeyKind.Never;
  if (!measured && !isRate) {
    for (const t of toks) if (NEVER_TOKENS.has(t)) return KeyKind.Never;
    for (const t of toks) if (TIMER_TOKENS.has(t)) return KeyKind.Timer;
  }
  if (measured) {
    // `max_len`, `num_classes` style never-words next to a split word only: still never.
    const onlySplit = toks.every((t) => SPLIT_WORDS.has(t) || NEVER_TOKENS.has(t) || t === 'best' || t === 'mean');
    if (onlySplit && toks.some((t) => NEVER_TOKENS.has(t))) return KeyKind.Never;
    return KeyKind.Measured;
  }
  if (hyper) return KeyKind.Hyper;
  return KeyKind.Plain;
}

/** The whole name is a step counter (`epoch`, `global_step`), not one qualified by a split (`eval_steps`). */
export function isStepName(key: string): boolean {
  return STEP_KEYS.has(normaliseKey(key));
}

/** Priority of a step key (higher wins), 0 when the key is not a step key. */
const priorityCache = new Map<string, number>();

export function stepPriority(key: string): number {
  let p = priorityCache.get(key);
  if (p === undefined) {
    p = computeStepPriority(key);
    if (priorityCache.size > 10000) priorityCache.clear();
    priorityCache.set(key, p);
  }
  return p;
}

function computeStepPriority(key: string): number {
  const direct = STEP_PRIORITY[normaliseKey(key)];
  if (direct !== undefined) return direct;
  const rest = tokens(key).filter((t) => !SPLIT_WORDS.has(t)).join('_');
  return STEP_PRIORITY[rest] ?? 0;
}

/** True when the key says which split it belongs to (val_loss, eval/accuracy, train-rmse). */
export function keyHasSplit(key: string): boolean {
  for (const t of tokens(key)) if (SPLIT_WORDS.has(t.replace(/\d+$/, ''))) return true;
  return false;
}
