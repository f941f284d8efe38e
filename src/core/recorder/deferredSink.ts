import type { RecordSink } from '../model';

// The optional metricColumns is not held: without it the recorder sends metrics() (objects).
type Method = Exclude<keyof RecordSink, 'metricColumns'>;
type Call = { [K in Method]: [K, Parameters<RecordSink[K]>] }[Method];

/**
 * A {@link RecordSink} that holds calls until the real one is ready, then replays them in order and
 * passes later calls straight through. Lets a run start at once while the store is still opening
 * (loading sql.js, folding journals), so recording never delays the user's process. Bounded: past
 * `maxQueued` calls the oldest metric batches are dropped and counted.
 */
export class DeferredSink implements RecordSink {
  private target: RecordSink | null = null;
  private discarded = false;
  private queue: Call[] = [];
  private droppedBatches = 0;

  constructor(private readonly maxQueued = 100_000) {}

  /** Replays what was held into `sink` and forwards everything after. */
  attach(sink: RecordSink): void {
    if (this.target || this.discarded) return;
    this.target = sink;
    const queue = this.queue;
    this.queue = [];
    for (const [method, args] of queue) this.deliver(method, args);
  }

  /** No sink will come (the store cannot open): drop what was held and everything after. */
  discard(): void {
    this.discarded = true;
    this.queue = [];
  }

  /** Metric batches dropped because the queue was full before the sink came. */
  get dropped(): number {
    return this.droppedBatches;
  }

  startRun(...args: Parameters<RecordSink['startRun']>): void { this.call('startRun', args); }
  params(...args: Parameters<RecordSink['params']>): void { this.call('params', args); }
  metrics(...args: Parameters<RecordSink['metrics']>): void { this.call('metrics', args); }
  tags(...args: Parameters<RecordSink['tags']>): void { this.call('tags', args); }
  artifact(...args: Parameters<RecordSink['artifact']>): void { this.call('artifact', args); }
  environment(...args: Parameters<RecordSink['environment']>): void { this.call('environment', args); }
  git(...args: Parameters<RecordSink['git']>): void { this.call('git', args); }
  codeFiles(...args: Parameters<RecordSink['codeFiles']>): void { this.call('codeFiles', args); }
  endRun(...args: Parameters<RecordSink['endRun']>): void { this.call('endRun', args); }

  private call<K extends Method>(method: K, args: Parameters<RecordSink[K]>): void {
    if (this.discarded) return;
    if (this.target) { this.deliver(method, args); return; }
    if (this.queue.length >= this.maxQueued) {
      const i = this.queue.findIndex(([m]) => m === 'metrics');
      if (i < 0) return;
      this.queue.splice(i, 1);
      this.droppedBatches++;
    }
    this.queue.push([method, args] as Call);
  }

  private deliver(method: keyof RecordSink, args: unknown[]): void {
    try {
      (this.target as unknown as Record<string, (...a: unknown[]) => void>)[method](...args);
    } catch { /* a sink must not throw; if it does, the run still goes on */ }
  }
}
