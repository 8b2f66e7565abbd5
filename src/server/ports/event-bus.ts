/**
 * EventBus: how instances tell each other what happened. The gateway fans out
 * through it, so one process (memory bus) and many processes (Redis bus) share one
 * code path.
 *
 * Semantics every implementation must keep (test/contract/event-bus.test.ts):
 * - `publish(topic, msg)` delivers `msg` to every handler on every instance that is
 *   subscribed to `topic` at that moment, including this instance. Local delivery never
 *   depends on the network: while Redis is down, this instance still hears itself.
 * - Delivery is at most once per subscribed instance, in publish order per publisher and
 *   topic (across topics too on one process or one Redis; on a Redis Cluster two topics
 *   may live on two shards, so callers keep everything that must stay ordered on one topic).
 * - `subscribe` / `unsubscribe` are idempotent set operations on this instance's topics
 *   (no reference counting; the caller counts). Only subscribed topics are received, so
 *   an instance hears only what its connected users may need.
 * - Messages are plain JSON values. An undecodable message from the wire is logged and
 *   dropped, never thrown to the handler.
 * - `origin` is the publishing instance's id.
 */
export interface EventBus {
  readonly instanceId: string;
  /**
   * Whether other instances hear this bus (Redis; in tests a MemoryHub): cluster mode, which
   * needs a shared presence store too (createServices refuses a shared bus over a store that is
   * not). Undefined (a bus written before this member) means unknown: not checked.
   */
  readonly shared?: boolean;
  publish(topic: string, message: BusMessage): void;
  /** Like publish, but only to other instances: the caller has already applied it here. */
  publishRemote(topic: string, message: BusMessage): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  onMessage(handler: BusHandler): void;
  /** True when the bus can reach every instance (always true in memory). */
  isHealthy(): boolean;
  /** Answers when the backing service (if any) responds; used by /readyz. */
  ping(): Promise<boolean>;
  /** While unhealthy, why, when the adapter knows a cause an operator must fix (Redis refusing its password); else null. Shown by /readyz. */
  problem?(): string | null;
  /** Called on every change of isHealthy() (never for the memory bus); the app resyncs on recovery. */
  onHealthChange(fn: (healthy: boolean) => void): void;
  /** Resolves once earlier subscribe/unsubscribe calls are in effect (at once in memory). */
  settled(): Promise<void>;
  /**
   * Resolves once every message published before the call was handed to the other instances
   * (Redis answered the PUBLISH, or it failed and was counted as dropped; at once in memory):
   * an answer sent after it cannot overtake the news at another instance (read your writes).
   */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export type BusMessage = { readonly kind: string } & Record<string, unknown>;
export type BusHandler = (topic: string, message: BusMessage, origin: string) => void;
