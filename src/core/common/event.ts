import { Disposable, toDisposable } from './lifecycle';

/** A listener registration function, shaped like vscode.Event so views can forward it unchanged. */
export type Event<T> = (listener: (e: T) => void) => Disposable;

/** Minimal typed event emitter for pure code (core has no access to vscode.EventEmitter). */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
