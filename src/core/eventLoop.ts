// Long work in the extension host's thread (folds, migrations, panel payloads) gives the event loop
// turns: one helper for it, so every slice is measured the same way.
import { performance } from 'node:perf_hooks';

/** Resolves after the event loop has run what was waiting (I/O, timers, messages). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Cuts a loop into slices of about `ms`: `await slices.turn()` in the loop yields once a slice is used up. */
export class Slices {
  private start = performance.now();

  constructor(private readonly ms = 10) {}

  /** True when this slice is used up (then {@link turn} would yield). */
  get due(): boolean {
    return performance.now() - this.start > this.ms;
  }

  async turn(): Promise<void> {
    if (!this.due) return;
    await yieldToLoop();
    this.start = performance.now();
  }
}
