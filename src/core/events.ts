/** A minimal typed event emitter: listeners are called synchronously in the order they were added. */
export class TypedEmitter<Events extends Record<string, unknown>> {
  #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Adds a listener and returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Number of listeners registered for `event`. */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /**
   * Calls every listener of `event` with `payload`. A listener that throws does not stop the
   * others; its error is passed to `onListenerError` when given, and rethrown after the loop
   * otherwise.
   */
  emit<K extends keyof Events>(
    event: K,
    payload: Events[K],
    onListenerError?: (error: unknown) => void,
  ): void {
    const set = this.#listeners.get(event);
    if (set === undefined) {
      return;
    }
    let firstError: unknown;
    let failed = false;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        if (onListenerError !== undefined) {
          onListenerError(error);
        } else if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
    if (failed) {
      throw firstError;
    }
  }
}
