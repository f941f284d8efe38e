/**
 * Runs `fn` at most once per `intervalMs`, leading and trailing: the first change shows at once, a
 * burst collapses into one more call at the end of the window.
 */
export class LiveThrottle {
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly intervalMs: number, private readonly fn: () => void) {}

  trigger(): void {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.fire();
    } else {
      this.timer = setTimeout(() => this.fire(), wait);
    }
  }

  private fire(): void {
    this.timer = undefined;
    if (this.disposed) return;
    this.last = Date.now();
    this.fn();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
