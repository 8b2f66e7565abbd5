/**
 * PresenceStore: presence shared between instances (cluster mode).
 *
 * Semantics every implementation keeps:
 * - `save(userId, instanceId, state)` stores the user-level fields (last writer wins) and
 *   the sessions this instance holds: its own sockets (`<instance>/<conn>`) and the polling
 *   sessions it last saw. Each instance writes only its own sessions, so instances never
 *   overwrite each other's.
 * - `load(ids, live)` merges what every instance saved; socket sessions of instances not in
 *   `live` are left out (a crashed instance's users come back offline).
 * - Every instance heartbeats. `liveInstances` lists those that beat within `deadAfterMs`;
 *   socket sessions of the others are dead (like Centrifuge's presence entries that expire
 *   when not refreshed). It answers null when it cannot tell: then nobody is declared dead.
 * - The local implementation keeps nothing: with one instance the engine is the truth.
 */
import type { ReplicaState } from '../presence/types.js';

export interface PresenceStore {
  readonly shared: boolean;
  /** Connects; rejects when the store cannot be reached (the instance still starts, and resyncs later). */
  connect(): Promise<void>;
  save(userId: number, instanceId: string, state: ReplicaState): Promise<void>;
  load(userIds: readonly number[], live: ReadonlySet<string> | null): Promise<Map<number, ReplicaState>>;
  heartbeat(instanceId: string, now: number): Promise<void>;
  liveInstances(now: number, deadAfterMs: number): Promise<Set<string> | null>;
  /** This instance is stopping cleanly. */
  leave(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/** The instance a socket session id belongs to, or null for polling sessions. */
export const instanceOfSession = (sessionId: string): string | null => {
  const i = sessionId.indexOf('/');
  return i > 0 ? sessionId.slice(0, i) : null;
};

/** One instance: nothing to share. */
export class LocalPresenceStore implements PresenceStore {
  readonly shared = false;
  async connect(): Promise<void> {}
  async save(): Promise<void> {}
  async load(): Promise<Map<number, ReplicaState>> {
    return new Map();
  }
  async heartbeat(): Promise<void> {}
  async liveInstances(): Promise<Set<string> | null> {
    return null;
  }
  async leave(): Promise<void> {}
  async close(): Promise<void> {}
}
