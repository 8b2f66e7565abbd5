/**
 * An EventBus (memory or Redis) whose messages from other instances can be held back and let
 * through later, in the order they came: a message still on its way to this instance (bus
 * latency), while what this instance publishes goes out at once.
 */
import type { BusHandler, BusMessage, EventBus } from '../../src/server/ports/event-bus.js';

export class HeldBus implements EventBus {
  #holding = false;
  #which: (message: BusMessage) => boolean = () => true;
  readonly #held: Array<() => void> = [];

  constructor(private readonly inner: EventBus) {}

  get instanceId(): string {
    return this.inner.instanceId;
  }

  get shared(): boolean | undefined {
    return this.inner.shared;
  }

  /** From now on, messages from other instances wait (only those `which` picks, when given). */
  hold(which: (message: BusMessage) => boolean = () => true): void {
    this.#holding = true;
    this.#which = which;
  }

  /** Delivers what waited, in order, and stops holding. */
  release(): void {
    this.#holding = false;
    for (const deliver of this.#held.splice(0)) deliver();
  }

  /** Messages from other instances waiting now. */
  get waiting(): number {
    return this.#held.length;
  }

  onMessage(handler: BusHandler): void {
    this.inner.onMessage((topic, message, origin) => {
      if (this.#holding && origin !== this.instanceId && this.#which(message)) this.#held.push(() => handler(topic, message, origin));
      else handler(topic, message, origin);
    });
  }

  publish(topic: string, message: BusMessage): void {
    this.inner.publish(topic, message);
  }
  publishRemote(topic: string, message: BusMessage): void {
    this.inner.publishRemote(topic, message);
  }
  subscribe(topic: string): void {
    this.inner.subscribe(topic);
  }
  unsubscribe(topic: string): void {
    this.inner.unsubscribe(topic);
  }
  isHealthy(): boolean {
    return this.inner.isHealthy();
  }
  ping(): Promise<boolean> {
    return this.inner.ping();
  }
  onHealthChange(fn: (healthy: boolean) => void): void {
    this.inner.onHealthChange(fn);
  }
  settled(): Promise<void> {
    return this.inner.settled();
  }
  flushed(): Promise<void> {
    return this.inner.flushed();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
