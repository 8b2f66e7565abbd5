/**
 * This instance's heartbeat in cluster mode, and the reaping of dead instances' sessions: it
 * beats into the shared store (saying whether it is saturated) and hears whether another
 * instance is, and it ends, with the usual grace, every session of an instance that stopped
 * heartbeating — though not right after an outage, when every instance looks silent (a Redis
 * restarted empty has lost every beat): the one owner of "this instance is dead". The store
 * dates the beats and ages them on its own clock (Redis: the server's TIME), so a step of this
 * instance's wall clock makes nobody dead; a step of the store's clock is seen (the store's time
 * of a beat against this instance's monotonic clock) and reaping pauses as after an outage. Its beats
 * carry fingerprints of the token-signing secret (and, in sidecar mode, of the site's secrets),
 * which SecretAgreement compares (before the first beat, and after each). Part of Replicas
 * (replicas.ts), whose replicas it reaps.
 */
import { instanceOfSession } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceChange } from '../presence/types.js';
import type { Profile } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';
import { SecretAgreement, type SecretAgreementState } from './secret-agreement.js';

/** After an outage, how long to trust no silence: other instances' clients reconnect with backoff (up to ~2 s). */
export const REAP_AFTER_OUTAGE_MS = 5000;

export interface HeartbeatParts {
  engine: PresenceEngine;
  /** The profiles of the users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
  /** Whether this instance is saturated now (said in each heartbeat). */
  saturated?: () => boolean;
  /** This instance ended sessions of the user because their instance died (ReplicaVersions.reaped). */
  reaped(userId: number): void;
  /** Reports a change of the user's presence. */
  report(change: PresenceChange | null): void;
  /** After a heartbeat the store took: what this instance still owes it (deleted users to drop, ReplicaSharing.forgetOwed). */
  owed?: () => Promise<void>;
  /** After a heartbeat the store took: keeps the copies of this instance's users from expiring (CopyKeepAlive). */
  keepAlive?: () => Promise<void>;
  /**
   * Before a dead instance's sessions of these users are ended: what that instance wrote to their
   * database rows and never saved to the store (Replicas: ReplicaVersions.importRow).
   */
  beforeReap?: (userIds: readonly number[]) => Promise<void>;
}

/** After how long without a heartbeat an instance beating every fifth of `heartbeatIntervalMs` is dead (45 s by default). */
export function deadAfterMs(heartbeatIntervalMs: number): number {
  return 2 * heartbeatIntervalMs - Math.floor(heartbeatIntervalMs / 5);
}

export class ClusterHeartbeat {
  #monitor: NodeJS.Timeout | null = null;
  /**
   * Whether the last heartbeat failed, and when (on the monotonic clock) they got through again
   * after a failure, or the store's clock was seen to step.
   */
  #beatFailing = false;
  #recoveredAt: number | null = null;
  /**
   * The store's clock minus the monotonic clock at the last beat, as bounds (the beat was dated
   * somewhere between its sending and its answer): a change of it is a step of the store's clock.
   */
  #storeOffset: { lo: number; hi: number } | null = null;
  /**
   * Since when this instance's bus was down (the last moment it heard of every session
   * elsewhere that ended), until the first reaping after its return: what an instance whose
   * beat the store lost meanwhile (a Redis restarted empty) is known live until.
   */
  #busDownSince: number | null = null;
  #busBack = false;
  #everBeat = false;
  #othersSaturated = false;
  readonly #agreement: SecretAgreement | null;

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'config' | 'now' | 'monotonic' | 'log' | 'signingSecret' | 'hostSecret' | 'settingName'>,
    private readonly parts: HeartbeatParts,
  ) {
    this.#agreement = deps.signingSecret ? new SecretAgreement(deps, { signing: deps.signingSecret, host: deps.hostSecret ?? null }, () => this.deadAfter()) : null;
  }

  /** Whether the live instances on this store agree with this one on the secrets (for /readyz). */
  secretAgreement(): SecretAgreementState {
    return this.#agreement?.state() ?? { signing: { agreed: true, differingInstances: [] }, hostAuth: null };
  }

  /** The monotonic clock, which the pause after an outage is measured on (absent: `now`). */
  #mono(): number {
    return (this.deps.monotonic ?? this.deps.now)();
  }

  get #self(): string {
    return this.deps.bus.instanceId;
  }

  /** Whether another instance said it was saturated within the last two beats (Replicas.othersSaturated). */
  get othersSaturated(): boolean {
    return this.#othersSaturated;
  }

  /** Beats now, then beats and reaps every fifth of the heartbeat interval until stop(). */
  async start(): Promise<void> {
    // Before the first beat: a start refused for its secret is never seen by the other instances.
    await this.#agreement?.refuseAtStart();
    await this.beat();
    this.#monitor = setInterval(() => void this.tick(), this.#beatEveryMs());
    this.#monitor.unref();
  }

  stop(): void {
    if (this.#monitor) clearInterval(this.#monitor);
    this.#monitor = null;
  }

  /**
   * The bus went down at `since`: sessions elsewhere are known live until then (and, with their
   * instance's beat, later). Reaping goes on meanwhile on the beats, if they get through.
   */
  busDown(since: number): void {
    this.#busDownSince ??= since;
    this.#busBack = false;
  }

  /**
   * The bus is back: Redis came back, maybe empty, every beat lost. Reaping pauses for the
   * dead-instance window from now, as after failed beats, so an instance reconnecting later than
   * this one (its clients' backoff) beats again before its sessions could be taken for dead.
   */
  busBack(): void {
    this.#recoveredAt = this.#mono();
    this.#busBack = true;
  }

  /** After how long without a heartbeat an instance is dead. */
  deadAfter(): number {
    return deadAfterMs(this.deps.config.heartbeatIntervalMs);
  }

  #beatEveryMs(): number {
    return Math.max(50, Math.floor(this.deps.config.heartbeatIntervalMs / 5));
  }

  /** What runs every fifth of the heartbeat interval: a beat, then the reaping, on the one read of the live instances the beat made. */
  async tick(): Promise<void> {
    await this.#reap(await this.#beat());
  }

  /** Heartbeats into the shared store (with this instance's saturation), and reads whether another instance is saturated. */
  async beat(): Promise<void> {
    await this.#beat();
  }

  /**
   * As `beat`; answers the live instances read after a beat the store took (for the secret check
   * and the reaping both), null when it failed or the store cannot tell.
   */
  async #beat(): Promise<Set<string> | null> {
    const { store } = this.deps;
    try {
      const sent = this.#mono();
      const at = await store.heartbeat(this.#self, this.parts.saturated?.() ?? false);
      if (this.#beatFailing && this.#everBeat) this.#recoveredAt = this.#mono();
      if (typeof at === 'number') this.#watchStoreClock(at, sent, this.#mono());
      this.#beatFailing = false;
      this.#everBeat = true;
      await this.parts.owed?.();
      await this.parts.keepAlive?.();
    } catch {
      this.#beatFailing = true;
    }
    let live: Set<string> | null = null;
    if (!this.#beatFailing) {
      // The card apart from the beat: a shard of its key down is no failed beat (never rejects).
      await this.#agreement?.publish();
      live = await store.liveInstances(this.deadAfter());
      await this.#agreement?.check(live);
    }
    const saturated = await store.saturatedInstances(2 * this.#beatEveryMs()).catch(() => null);
    this.#othersSaturated = saturated !== null && [...saturated].some((id) => id !== this.#self);
    return live;
  }

  /**
   * A beat the store dated `at` on its clock, sent at `sent` and answered at `answered` on the
   * monotonic clock: when the store's clock moved more than a fifth of the dead-instance window
   * apart from the monotonic one since the last beat, beyond what the beats' round trips leave
   * unknown (Redis's host stepped, or a failover to a host whose clock differs), every beat
   * before looks older or newer than it is: reaping pauses as after an outage, until every
   * instance beat again on the new clock.
   */
  #watchStoreClock(at: number, sent: number, answered: number): void {
    const offset = { lo: at - answered, hi: at - sent };
    const prev = this.#storeOffset;
    this.#storeOffset = offset;
    if (prev === null) return;
    const step = offset.lo > prev.hi ? offset.lo - prev.hi : prev.lo > offset.hi ? offset.hi - prev.lo : 0;
    if (Math.abs(step) <= this.deadAfter() / 5) return;
    this.#recoveredAt = this.#mono();
    this.deps.log.warn({ stepMs: Math.round(step) }, "the shared store's clock stepped; reaping of silent instances pauses for a dead-instance window");
  }

  /**
   * Ends, with the usual grace, every session of an instance that stopped heartbeating, once the
   * users' database rows were read for what that instance wrote there alone (beforeReap).
   */
  async reap(): Promise<void> {
    await this.#reap(undefined);
  }

  /** As `reap`, on `known`, the live instances the beat just read, when given. */
  async #reap(known: Set<string> | null | undefined): Promise<void> {
    // Right after an outage every instance looks silent: wait until all had time to beat again.
    if (this.#beatFailing) return;
    if (this.#recoveredAt !== null && this.#mono() - this.#recoveredAt < this.deadAfter() + REAP_AFTER_OUTAGE_MS) return;
    const live = known === undefined ? await this.deps.store.liveInstances(this.deadAfter()) : known;
    if (!live) return;
    // The first reaping since the bus came back: the outage's instances are judged now.
    const lostSince = this.#busDownSince;
    if (this.#busBack) this.#busDownSince = null;
    live.add(this.#self);
    const { engine } = this.parts;
    const ofDead = (sessionId: string): boolean => {
      const owner = instanceOfSession(sessionId);
      return owner !== null && !live.has(owner);
    };
    let users: number[] | null = null;
    for (const userId of this.parts.profiles.keys()) if (engine.hasSession(userId, ofDead)) (users ??= []).push(userId);
    if (!users) return;
    await this.parts.beforeReap?.(users);
    // Each session ends at its instance's last beat, the last moment it was known alive, or later
    // when the user was seen later (PresenceEngine.endDeadSession), not when this replica noticed,
    // 1.8 heartbeats on: so last_seen is true, every replica dates it alike, and the grace, counted
    // from then, is mostly over. An instance the store no longer lists was lost with the store
    // while this instance's bus was down (Redis restarted empty): it ends as of the moment the
    // bus went down, the last moment this instance heard of its sessions; otherwise now.
    const owners = new Set(users.flatMap((userId) => engine.sessionIds(userId).filter(ofDead).map((id) => instanceOfSession(id)!)));
    const beats = (await this.deps.store.lastBeats?.([...owners])) ?? null;
    const dead = new Set<string>();
    for (const userId of users) {
      if (!this.parts.profiles.has(userId)) continue; // released meanwhile
      for (const sessionId of engine.sessionIds(userId).filter(ofDead)) {
        const owner = instanceOfSession(sessionId)!;
        dead.add(owner);
        this.parts.reaped(userId);
        const lastBeat = beats?.get(owner) ?? lostSince ?? undefined;
        this.parts.report(lastBeat === undefined ? engine.closeSession(userId, sessionId) : engine.endDeadSession(userId, sessionId, lastBeat));
      }
    }
    for (const id of dead) this.deps.log.warn({ instance: id }, 'instance stopped heartbeating; its sessions were ended');
  }
}
