/** A memory bus that can lose its connection, and tells of it as the Redis bus does: nothing from other instances arrives meanwhile. */
import { MemoryBus } from '../../src/server/adapters/bus-memory.js';
import type { BusMessage } from '../../src/server/ports/event-bus.js';

export class FlakyBus extends MemoryBus {
  #down = false;
  readonly #listeners: Array<(healthy: boolean) => void> = [];

  override isHealthy(): boolean {
    return !this.#down;
  }
  override onHealthChange(fn: (healthy: boolean) => void): void {
    this.#listeners.push(fn);
  }
  override deliver(topic: string, message: BusMessage, origin: string): void {
    if (!this.#down || origin === this.instanceId) super.deliver(topic, message, origin);
  }
  set down(down: boolean) {
    this.#down = down;
    for (const fn of this.#listeners) fn(!down);
  }
}
