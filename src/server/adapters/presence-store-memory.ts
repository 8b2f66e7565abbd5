/**
 * PresenceStore in one process, shared by several Beacon instances the way they share Redis:
 * tests run a cluster in one process on a MemoryHub bus and one of these. Same semantics as
 * the Redis store (src/ports/presence-store.ts): per user the user-level fields with their
 * version and one session list per instance; values are copied through JSON like the wire.
 * Its beats are dated on its own clock (`now`, the process's wall clock unless given), as
 * Redis dates them on the server's: never on the beating instance's.
 */
import { compareVersions, instanceOfSession, type InstanceCard, type LoadOptions, type PresenceStore, type SharedState, type StoredReplica, type Version } from '../ports/presence-store.js';
import type { ReplicaState } from '../presence/types.js';

type Session = ReplicaState['sessions'][number];

interface Entry {
  user: string;
  version: Version;
  /** instance id → JSON of that instance's sessions. */
  sessions: Map<string, string>;
}

export class MemoryPresenceStore implements PresenceStore {
  readonly shared = true;
  readonly #users = new Map<number, Entry>();
  readonly #beats = new Map<string, number>();
  /** When each instance last said it was saturated. */
  readonly #saturated = new Map<string, number>();
  readonly #cards = new Map<string, InstanceCard>();
  /** Saves so far (tests count them). */
  saves = 0;
  /** The store's clock, which dates the beats and measures their age (Redis: its TIME). */
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async connect(): Promise<void> {}

  async save(userId: number, instanceId: string, state: SharedState, version: Version): Promise<boolean> {
    this.saves++;
    const { sessions, ...user } = state;
    const mine = sessions.filter((s) => {
      const owner = instanceOfSession(s.id);
      return owner === null || owner === instanceId;
    });
    let entry = this.#users.get(userId);
    const newer = !entry || compareVersions(version, entry.version) > 0;
    if (!entry) {
      entry = { user: JSON.stringify(user), version: { ...version }, sessions: new Map() };
      this.#users.set(userId, entry);
    } else if (newer) {
      entry.user = JSON.stringify(user);
      entry.version = { ...version };
    }
    entry.sessions.set(instanceId, JSON.stringify(mine));
    return newer;
  }

  async load(userIds: readonly number[], live: ReadonlySet<string> | null, opts?: LoadOptions): Promise<Map<number, StoredReplica>> {
    const out = new Map<number, StoredReplica>();
    for (const id of userIds) {
      const entry = this.#users.get(id);
      if (!entry) continue;
      const sessions = new Map<string, Session>();
      let orphaned = false;
      for (const [instance, json] of entry.sessions) {
        for (const s of JSON.parse(json) as Session[]) {
          const poll = instanceOfSession(s.id) === null;
          if (live && !live.has(instance) && !poll) {
            orphaned = true;
            continue;
          }
          const had = sessions.get(s.id);
          if (!had || had.lastTouch < s.lastTouch) sessions.set(s.id, s);
        }
      }
      out.set(id, {
        ...(JSON.parse(entry.user) as Omit<SharedState, 'sessions'>),
        sessions: [...sessions.values()],
        version: { ...entry.version },
        ...(opts?.savedBy ? { savedBy: [...entry.sessions.keys()] } : {}),
        ...(orphaned ? { orphaned } : {}),
      });
    }
    return out;
  }

  async forget(userId: number): Promise<void> {
    this.#users.delete(userId);
  }

  /** Whether anything of the user is stored (tests). */
  holds(userId: number): boolean {
    return this.#users.has(userId);
  }

  async heartbeat(instanceId: string, saturated = false): Promise<number> {
    const now = this.#now();
    this.#beats.set(instanceId, now);
    if (saturated) this.#saturated.set(instanceId, now);
    return now;
  }

  async putCard(instanceId: string, card: InstanceCard): Promise<void> {
    this.#cards.set(instanceId, structuredClone(card));
  }

  async cards(instanceIds: readonly string[]): Promise<Map<string, InstanceCard> | null> {
    return new Map(instanceIds.flatMap((id) => (this.#cards.has(id) ? [[id, structuredClone(this.#cards.get(id)!)] as const] : [])));
  }

  async liveInstances(deadAfterMs: number): Promise<Set<string> | null> {
    return within(this.#beats, this.#now(), deadAfterMs);
  }

  async lastBeats(instanceIds: readonly string[]): Promise<Map<string, number> | null> {
    return new Map(instanceIds.flatMap((id) => (this.#beats.has(id) ? [[id, this.#beats.get(id)!] as const] : [])));
  }

  async saturatedInstances(withinMs: number): Promise<Set<string> | null> {
    return within(this.#saturated, this.#now(), withinMs);
  }

  async leave(instanceId: string): Promise<void> {
    this.#beats.delete(instanceId);
    this.#saturated.delete(instanceId);
    this.#cards.delete(instanceId);
  }

  async close(): Promise<void> {}
}

/** The instances whose last beat in `beats` is at most `ms` old. */
function within(beats: ReadonlyMap<string, number>, now: number, ms: number): Set<string> {
  return new Set([...beats].filter(([, at]) => at >= now - ms).map(([id]) => id));
}
