/**
 * Whether the instances sharing this Redis prefix sign tokens with one secret (docs/operations.md,
 * "One token secret for every instance"). Each heartbeat carries a fingerprint of this
 * instance's secret (InstanceCard; auth/secret-fingerprint.ts). A start that finds a live instance
 * with another fingerprint is refused before its first beat (ConfigError: exit 2, naming
 * BEACON_JWT_SECRET), so it never joins; an instance that finds one later (two started at once,
 * or Redis unreachable at its start) logs an error once per such instance and says so on
 * /readyz, and keeps serving: which of the two is wrong cannot be told. Part of the heartbeat
 * (cluster-heartbeat.ts), which calls it.
 */
import { ConfigError } from '../config.js';
import type { InstanceCard } from '../ports/presence-store.js';
import type { PresenceDeps } from './presence-deps.js';

/** This instance's token-signing secret, as instances compare it. */
export interface SigningSecret {
  fingerprint: string;
  /** BEACON_JWT_SECRET set (false: the secret generated into the database). */
  configured: boolean;
}

/** What /readyz says: `agreed` false while live instances on this prefix sign with another secret (their ids). */
export interface SecretAgreementState {
  agreed: boolean;
  differingInstances: string[];
}

const SETTING = 'BEACON_JWT_SECRET';

export class SecretAgreement {
  #differing: string[] = [];
  /** Instances already said in the log (once each). */
  readonly #said = new Set<string>();
  /** Whether the last card write failed (said once until one succeeds). */
  #cardFailing = false;

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'config' | 'now' | 'log'>,
    private readonly secret: SigningSecret,
    /** After how long without a heartbeat an instance is dead (ClusterHeartbeat.deadAfter). */
    private readonly deadAfter: () => number,
  ) {}

  /** What this instance says of itself after its beats. */
  card(): InstanceCard {
    return { tokenSecret: this.secret.fingerprint };
  }

  /**
   * After a heartbeat the store took: writes this instance's card, apart from the beat (a card
   * that cannot be written is no failed beat). Never rejects; a failure is logged once until a
   * card is written again.
   */
  async publish(): Promise<void> {
    try {
      await this.deps.store.putCard?.(this.deps.bus.instanceId, this.card());
      this.#cardFailing = false;
    } catch (err) {
      if (this.#cardFailing) return;
      this.#cardFailing = true;
      this.deps.log.warn(
        { err },
        "this instance's card (its token secret's fingerprint) could not be written to the store; its beats go on, and the other instances cannot compare its secret until it is written again",
      );
    }
  }

  state(): SecretAgreementState {
    return { agreed: this.#differing.length === 0, differingInstances: [...this.#differing] };
  }

  /**
   * At the start, before the first beat: refuses it (ConfigError) when a live instance on this
   * prefix signs with another secret. A store that cannot tell lets the start go on; the beats check.
   */
  async refuseAtStart(): Promise<void> {
    const differing = await this.#find();
    if (!differing || differing.length === 0) return;
    const reason = `differs from that of ${this.#named(differing)} already running on this Redis prefix ("${this.deps.config.redisPrefix}"): a token one of them signs, the other refuses, so users behind a load balancer would be logged out at random. ${this.#whatToDo()}, then start this instance again; to change the secret on purpose, stop every instance first (every token signed with the old one stops working anyway)`;
    this.deps.log.error({ variable: SETTING, instances: differing }, `refusing to start: ${SETTING} ${reason}`);
    throw new ConfigError(SETTING, reason);
  }

  /**
   * After a heartbeat the store took, with the live instances read after it (null: the store
   * cannot tell): which of them sign with another secret now, each new one said once.
   */
  async check(live: ReadonlySet<string> | null): Promise<void> {
    const differing = await this.#differingAmong(live);
    if (differing === null) return;
    this.#differing = differing;
    const fresh = differing.filter((id) => !this.#said.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) this.#said.add(id);
    this.deps.log.error(
      { variable: SETTING, instances: fresh },
      `${this.#named(fresh)} on this Redis prefix ("${this.deps.config.redisPrefix}") signs tokens with another ${SETTING}: each refuses the other's tokens, so users behind a load balancer are logged out at random. ${this.#whatToDo()}, and restart the instances that had the wrong one`,
    );
  }

  /** The live instances other than this one whose card gives another fingerprint; null when the store cannot tell. */
  async #find(): Promise<string[] | null> {
    if (!this.deps.store.cards) return [];
    return this.#differingAmong(await this.deps.store.liveInstances(this.deps.now(), this.deadAfter()));
  }

  /** Those of `live` other than this one whose card gives another fingerprint; null when the store cannot tell. */
  async #differingAmong(live: ReadonlySet<string> | null): Promise<string[] | null> {
    const { store, bus } = this.deps;
    if (!store.cards) return [];
    if (!live) return null;
    const cards = await store.cards([...live].filter((id) => id !== bus.instanceId).sort());
    if (!cards) return null;
    // An instance without a card (an earlier release) is not compared.
    return [...cards].filter(([, card]) => card.tokenSecret !== this.secret.fingerprint).map(([id]) => id);
  }

  #named(ids: readonly string[]): string {
    return ids.length === 1 ? `instance ${ids[0]}` : `instances ${ids.join(', ')}`;
  }

  #whatToDo(): string {
    const here = this.secret.configured ? 'set here' : 'unset here, so this instance uses the secret generated into its database: instances on different databases must not share a Redis prefix';
    return `Give every instance of the deployment the same ${SETTING} (${here}; or leave it unset on all of them over one shared database)`;
  }
}
