/**
 * EventBus for one process. Several MemoryBus instances on one MemoryHub stand in for
 * several Beacon instances in tests; RedisBus also uses a MemoryBus (without a hub) for
 * its local delivery, so local semantics are identical in both adapters.
 */
import { randomUUID } from 'node:crypto';
import type { BusHandler, BusMessage, EventBus } from '../ports/event-bus.js';

/** The pino-like subset of a logger the buses write to. */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Default logger: warnings and errors to the console, info dropped. */
export const consoleBusLogger: BusLogger = {
  info: () => {},
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/**
 * Connects MemoryBus instances in one process as if they were separate instances.
 * Messages crossing the hub go through JSON, like over Redis, so a value that would not
 * survive the wire (a Date, undefined, a Map) shows up in tests and not in production.
 */
export class MemoryHub {
  readonly #buses = new Map<string, MemoryBus>();

  /** Adds a bus; two buses with one instance id on a hub would hide each other's messages. */
  join(bus: MemoryBus): void {
    const existing = this.#buses.get(bus.instanceId);
    if (existing !== undefined && existing !== bus) {
      throw new Error(`MemoryHub: instance id "${bus.instanceId}" is already on this hub`);
    }
    this.#buses.set(bus.instanceId, bus);
  }

  leave(bus: MemoryBus): void {
    if (this.#buses.get(bus.instanceId) === bus) this.#buses.delete(bus.instanceId);
  }

  /** Delivers to every other bus on the hub; each bus drops topics it is not subscribed to. */
  broadcast(from: MemoryBus, topic: string, message: BusMessage): void {
    let wire: string | undefined;
    for (const bus of this.#buses.values()) {
      if (bus === from || !bus.isSubscribed(topic)) continue;
      wire ??= JSON.stringify(message);
      // One parse per receiver: like separate processes, receivers never share an object.
      bus.deliver(topic, JSON.parse(wire) as BusMessage, from.instanceId);
    }
  }
}

export interface MemoryBusOptions {
  /** Other buses to reach. Default: none, so the bus only hears itself. */
  hub?: MemoryHub;
  /** Default: a random UUID. */
  instanceId?: string;
  /** Where handler exceptions are reported. Default: the console. */
  logger?: BusLogger;
}

type Delivery = readonly [topic: string, message: BusMessage, origin: string];

/**
 * In-process EventBus. `publish` delivers synchronously: local handlers of a subscribed
 * topic have run when it returns (the gateway relies on that for latency). A publish
 * made from inside a handler is queued and delivered right after the current message,
 * still before the outermost `publish` returns, so every handler sees one publisher's
 * messages in publish order.
 *
 * Local handlers get the published object itself, not a copy: handlers must treat
 * messages as immutable.
 */
export class MemoryBus implements EventBus {
  readonly instanceId: string;
  readonly #hub: MemoryHub | undefined;
  readonly #logger: BusLogger;
  readonly #topics = new Set<string>();
  readonly #handlers: BusHandler[] = [];
  /** Deliveries that arrived while handlers were running (re-entrant publish). */
  readonly #pending: Delivery[] = [];
  #dispatching = false;
  #closed = false;

  /** On a hub, other buses (instances) hear this one. */
  get shared(): boolean {
    return this.#hub !== undefined;
  }

  constructor(options: MemoryBusOptions = {}) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.#hub = options.hub;
    this.#logger = options.logger ?? consoleBusLogger;
    this.#hub?.join(this);
  }

  publish(topic: string, message: BusMessage): void {
    if (this.#closed) return;
    // Others first: a handler here may publish again, and that message must not overtake this one.
    this.#hub?.broadcast(this, topic, message);
    this.deliver(topic, message, this.instanceId);
  }

  publishRemote(topic: string, message: BusMessage): void {
    if (!this.#closed) this.#hub?.broadcast(this, topic, message);
  }

  /** Delivery to the hub is synchronous: nothing is ever in flight. */
  async flushed(): Promise<void> {}

  subscribe(topic: string): void {
    if (!this.#closed) this.#topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.#topics.delete(topic);
  }

  onMessage(handler: BusHandler): void {
    this.#handlers.push(handler);
  }

  /** Whether this instance currently receives `topic`. */
  isSubscribed(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** This instance's topics, in subscription order. */
  topics(): string[] {
    return [...this.#topics];
  }

  /**
   * Hands a message to the local handlers if `topic` is subscribed; used by the hub and
   * by RedisBus for messages from other instances. Handler exceptions are logged, never
   * thrown back to the publisher.
   */
  deliver(topic: string, message: BusMessage, origin: string): void {
    if (!this.#topics.has(topic)) return;
    if (this.#dispatching) {
      this.#pending.push([topic, message, origin]);
      return;
    }
    this.#dispatching = true;
    try {
      this.#dispatch(topic, message, origin);
      // Index loop: handlers may append while we drain.
      for (let i = 0; i < this.#pending.length; i++) {
        const [t, m, o] = this.#pending[i] as Delivery;
        this.#dispatch(t, m, o);
      }
    } finally {
      this.#pending.length = 0;
      this.#dispatching = false;
    }
  }

  /** Always true: nothing outside the process to lose. */
  isHealthy(): boolean {
    return true;
  }

  /** Always true. */
  async ping(): Promise<boolean> {
    return true;
  }

  /** Resolves at once: subscriptions take effect synchronously. */
  async settled(): Promise<void> {}

  /** Accepted for parity with RedisBus; a memory bus never changes health, so never calls `fn`. */
  onHealthChange(_fn: (healthy: boolean) => void): void {}

  /** Leaves the hub and stops all delivery. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    this.#hub?.leave(this);
  }

  #dispatch(topic: string, message: BusMessage, origin: string): void {
    // Re-checked here: a handler may have unsubscribed while this message was queued.
    if (!this.#topics.has(topic)) return;
    for (const handler of this.#handlers) {
      try {
        handler(topic, message, origin);
      } catch (err) {
        this.#logger.error({ err, topic, kind: message.kind, origin }, 'event bus handler threw');
      }
    }
  }
}
