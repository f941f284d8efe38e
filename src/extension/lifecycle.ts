// The disposable trio of microsoft/vscode's lifecycle.ts, small: idempotent dispose, anything added
// after disposal is disposed at once, and errors are gathered instead of stopping the others.

export interface IDisposable {
  dispose(): void;
}

function disposeAll(items: Iterable<IDisposable>): void {
  const errors: unknown[] = [];
  for (const d of items) {
    try { d.dispose(); } catch (e) { errors.push(e); }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
}

export class DisposableStore implements IDisposable {
  private readonly items = new Set<IDisposable>();
  private disposed = false;

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse(); // last registered first, like a stack of resources
    this.items.clear();
    disposeAll(items);
  }
}

/** Base class for services that own disposables. */
export abstract class Disposable implements IDisposable {
  private readonly store = new DisposableStore();

  protected register<T extends IDisposable>(item: T): T {
    return this.store.add(item);
  }

  dispose(): void {
    this.store.dispose();
  }
}
