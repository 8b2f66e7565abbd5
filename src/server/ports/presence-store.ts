/**
 * PresenceStore: presence shared between instances (cluster mode).
 *
 * Semantics every implementation keeps:
 * - `save(userId, instanceId, state, version)` stores the sessions this instance holds (its
 *   own sockets `<instance>/<conn>` and the polling sessions it last saw; each instance
 *   writes only its own, so instances never overwrite each other's) and the user-level
 *   fields, but those only if `version` is newer than the stored one: an older copy (an
 *   instance that missed changes during an outage) can never overwrite a newer one,
 *   whatever order instances save in. It answers whether the user-level fields were stored.
 * - `forget(userId)` drops everything stored of a deleted user, so nothing of them is loaded
 *   for a user who later takes their id (a host's user deleted and put back).
 * - `load` returns each user's state with the version of its user-level fields.
 * - `load(ids, live)` merges what every instance saved; socket sessions of instances not in
 *   `live` are left out (a crashed instance's users come back offline), and the replica
 *   says so (`orphaned`). Asked to (`savedBy: true`: a resync or reload after an outage,
 *   never a load at a connect), it names every instance that saved its sessions into the
 *   copy (`savedBy`), so a reader tells "no sessions there" from "nothing said yet".
 * - Every instance heartbeats. `liveInstances` lists those that beat within `deadAfterMs`;
 *   socket sessions of the others are dead (like Centrifuge's presence entries that expire
 *   when not refreshed). It answers null when it cannot tell: then nobody is declared dead.
 *   The store dates the beats and measures their age on its own clock (Redis: the server's
 *   TIME), never on an instance's: one instance's wall clock stepped or skewed (NTP, a
 *   restored VM) makes no other look dead, nor itself to the others.
 * - A heartbeat also says whether the instance is saturated (saturation.ts). `saturatedInstances`
 *   lists those that said so within `withinMs`: while any is, every instance stretches the
 *   offline grace alike, so replicas of one user never disagree on whether they left. It
 *   answers null when it cannot tell (then only the instance's own saturation counts).
 * - An instance gives its card (`InstanceCard`: fingerprints of its token-signing secret and, in
 *   sidecar mode, of the site's secrets it verifies tokens with) with
 *   `putCard`, after each heartbeat, apart from it: a card that cannot be written is no failed
 *   beat. `cards` answers the cards of the instances asked for that have one (null when it
 *   cannot tell), so instances that disagree on a secret find out (status/secret-agreement.ts).
 *   A card outlives its instance's beats, never its `leave`: ask only for live instances' cards.
 * - The local implementation keeps nothing: with one instance the engine is the truth.
 */
import type { ReplicaState } from '../presence/types.js';

/**
 * The version of a user's user-level presence fields: a hybrid logical clock (wall-clock ms,
 * pushed forward past every version seen) with the instance id as the tie-break.
 */
export interface Version {
  at: number;
  by: string;
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareVersions(a: Version, b: Version): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.by < b.by ? -1 : a.by > b.by ? 1 : 0;
}

/** The version of a change made now by `by`: later than anything seen before. */
export function nextVersion(prev: Version | undefined, now: number, by: string): Version {
  return { at: Math.max(now, (prev?.at ?? 0) + 1), by };
}

/**
 * A stored replica and the version of its user-level fields (null: saved before versions existed).
 * `orphaned`: socket sessions of instances not live were left out by `load`: the user's
 * fields are as of before that instance died (the replicas that ended those sessions wrote
 * the user's last_seen to the database, not here).
 * `savedBy`: the instances that saved their sessions of the user into this copy (each its own
 * list, maybe empty), live or not, when `load` was asked for them (absent otherwise). An instance
 * not listed has said nothing of its sessions since the store made the copy: a Redis restarted
 * empty, which that instance has not reconnected to yet (replica-resync.ts).
 */
export type StoredReplica = SharedState & { version: Version | null; orphaned?: boolean; savedBy?: string[] };

/**
 * What an instance saves of a user: the replicable state, and the version of the input that
 * last set each of its fields (status/field-versions.ts). Optional: older copies have none.
 */
export type SharedState = ReplicaState & { fieldVersions?: Partial<Record<string, Version>> };

/** What an instance says of itself with its heartbeat (never a secret). */
export interface InstanceCard {
  /** A fingerprint of the secret that signs its tokens (auth/secret-fingerprint.ts). */
  tokenSecret: string;
  /**
   * Sidecar with HS256: fingerprints of the site's secrets it verifies tokens with
   * (BEACON_AUTH_JWT_SECRET's, then BEACON_AUTH_JWT_PREVIOUS_SECRET's when set). Absent otherwise.
   */
  hostSecrets?: string[];
}

/** What `load` answers beyond the copies: `savedBy`, the instances that saved their sessions into each (StoredReplica). */
export interface LoadOptions {
  savedBy?: boolean;
}

export interface PresenceStore {
  readonly shared: boolean;
  /** Connects; rejects when the store cannot be reached (the instance still starts, and resyncs later). */
  connect(): Promise<void>;
  save(userId: number, instanceId: string, state: SharedState, version: Version): Promise<boolean>;
  load(userIds: readonly number[], live: ReadonlySet<string> | null, opts?: LoadOptions): Promise<Map<number, StoredReplica>>;
  /** The user was deleted: drops everything stored of them (every instance's sessions, the user-level fields, the version). */
  forget(userId: number): Promise<void>;
  /**
   * Starts the expiry of these users' copies again, changing nothing in them (a store whose copies
   * expire): users with a session on the calling instance, whose copies must last as long as
   * their sessions (status/copy-keep-alive.ts). Rejects when the store cannot be reached.
   */
  keepAlive?(userIds: readonly number[]): Promise<void>;
  /** Beats now on the store's clock; answers that clock's reading of the beat (ms), when the store has one. */
  heartbeat(instanceId: string, saturated?: boolean): Promise<number | void>;
  /** Stores what the instance says of itself, in place of what it said before; rejects when it cannot. */
  putCard?(instanceId: string, card: InstanceCard): Promise<void>;
  /** The cards of those of these instances that gave one with a heartbeat; null when the store cannot tell. */
  cards?(instanceIds: readonly string[]): Promise<Map<string, InstanceCard> | null>;
  liveInstances(deadAfterMs: number): Promise<Set<string> | null>;
  /**
   * When each of these instances last beat, on the store's clock (those the store still lists; one that left cleanly
   * is not): a dead instance's sessions end then, the last moment it was known alive, the same
   * on every replica that ends them (cluster-heartbeat.ts reap). Null when the store cannot tell.
   */
  lastBeats?(instanceIds: readonly string[]): Promise<Map<string, number> | null>;
  saturatedInstances(withinMs: number): Promise<Set<string> | null>;
  /** This instance is stopping cleanly. */
  leave(instanceId: string): Promise<void>;
  /** While the store fails for a reason its failed commands do not name (Redis refusing the credentials or the connection): what to say; else null. */
  problem?(): string | null;
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
  async save(): Promise<boolean> {
    return true;
  }
  async load(): Promise<Map<number, StoredReplica>> {
    return new Map();
  }
  async forget(): Promise<void> {}
  async heartbeat(): Promise<void> {}
  async liveInstances(): Promise<Set<string> | null> {
    return null;
  }
  async saturatedInstances(): Promise<Set<string> | null> {
    return null;
  }
  async leave(): Promise<void> {}
  async close(): Promise<void> {}
}
