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

/**
 * A FlakyBus whose own messages are lost too while it is down, as with a Redis connection cut
 * for this instance alone: its sockets still hear what it publishes, the other instances do not.
 */
export class CutOffBus extends FlakyBus {
  override publish(topic: string, message: BusMessage): void {
    if (this.isHealthy()) super.publish(topic, message);
    else this.deliver(topic, message, this.instanceId);
  }
  override publishRemote(topic: string, message: BusMessage): void {
    if (this.isHealthy()) super.publishRemote(topic, message);
  }
}
