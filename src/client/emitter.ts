/** A tiny typed event emitter; no DOM EventTarget so it also runs in Node and workers. */

type Listener<T> = (e: T) => void;

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(fn as Listener<never>);
    return () => {
      set.delete(fn as Listener<never>);
    };
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    // Copy so a listener that unsubscribes during dispatch does not skip its neighbour.
    for (const fn of [...set] as Listener<Events[K]>[]) {
      try {
        fn(event);
      } catch (err) {
        // An app bug in one listener must not break the connection state machine.
        console.error(`[beacon] "${String(type)}" listener threw`, err);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
