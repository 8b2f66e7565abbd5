/**
 * Whether the instances sharing this Redis prefix agree on the secrets they must share
 * (docs/operations.md, "One token secret for every instance"): the one that signs Beacon's tokens
 * (BEACON_JWT_SECRET) and, in sidecar mode with HS256, the ones that verify the site's tokens
 * (BEACON_AUTH_JWT_SECRET, and BEACON_AUTH_JWT_PREVIOUS_SECRET during a rotation). Each heartbeat
 * carries fingerprints of this instance's (InstanceCard; auth/secret-fingerprint.ts). Two
 * instances agree on the signing secret when it is the same; on the site's when they share one
 * of them (the site signs with one secret at a time: during a rotation the instances restarted
 * with the new secret keep the old one as the previous, and share it with those not restarted
 * yet). A start that finds a live instance that differs is refused before its first beat
 * (ConfigError: exit 2, naming the setting), so it never joins; an instance that finds one later
 * (two started at once, or Redis unreachable at its start) logs an error once per such instance
 * and setting, says so on /readyz, and keeps serving: which of the two is wrong cannot be told.
 * Part of the heartbeat (cluster-heartbeat.ts), which calls it.
 */
import { ConfigError } from '../config.js';
import { settingNameOr, type SettingName } from '../config-options.js';
import type { InstanceCard } from '../ports/presence-store.js';
import type { PresenceDeps } from './presence-deps.js';

/** This instance's token-signing secret, as instances compare it. */
export interface SigningSecret {
  fingerprint: string;
  /** BEACON_JWT_SECRET set (false: the secret generated into the database). */
  configured: boolean;
}

/** The site's HS256 secrets this instance verifies its tokens with (sidecar), as instances compare them. */
export interface HostSecret {
  /** BEACON_AUTH_JWT_SECRET's fingerprint, then BEACON_AUTH_JWT_PREVIOUS_SECRET's when set (hostSecretFingerprints). */
  fingerprints: readonly string[];
}

/** The secrets this instance compares with the others'; `host` null: it verifies no site secret (standalone, embedded, JWKS). */
export interface ComparedSecrets {
  signing: SigningSecret;
  host: HostSecret | null;
}

/** One setting's agreement: `agreed` false while live instances on this prefix differ in it (their ids). */
export interface Agreement {
  agreed: boolean;
  differingInstances: string[];
}

/** What /readyz says: per setting; `hostAuth` null when this instance verifies no site secret. */
export interface SecretAgreementState {
  /** BEACON_JWT_SECRET. */
  signing: Agreement;
  /** BEACON_AUTH_JWT_SECRET (with BEACON_AUTH_JWT_PREVIOUS_SECRET). */
  hostAuth: Agreement | null;
}

type Setting = 'BEACON_JWT_SECRET' | 'BEACON_AUTH_JWT_SECRET';

/** A setting instances must agree on, and what to say when they do not. */
interface Compared {
  setting: Setting;
  /** The setting as messages name it: the variable, or the plugin's option (config-options.ts SettingName). */
  shown: string;
  /** Whether the instance whose card this is differs (false too when its card says nothing of this secret). */
  differs(card: InstanceCard): boolean;
  /** What an instance does with the setting: "<instance> <does> another <setting>". */
  does: string;
  /** What the difference does to users, when this start would join (would) and once joined (is). */
  harmWould: string;
  harmIs: string;
  /** What to do, a sentence without its end: "…, then start this instance again" / "…, and restart …" follows. */
  whatToDo: string;
  /** How to change the secret on purpose. */
  change: string;
}

export class SecretAgreement {
  readonly #compared: readonly Compared[];
  /** Per setting, the live instances that differ in it, as of the last check. */
  readonly #differing = new Map<Setting, string[]>();
  /** Setting and instance already said in the log (once each). */
  readonly #said = new Set<string>();
  /** Whether the last card write failed (said once until one succeeds). */
  #cardFailing = false;

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'config' | 'now' | 'log' | 'settingName'>,
    private readonly secrets: ComparedSecrets,
    /** After how long without a heartbeat an instance is dead (ClusterHeartbeat.deadAfter). */
    private readonly deadAfter: () => number,
  ) {
    const name = settingNameOr(deps.settingName);
    this.#compared = [signingCompared(secrets.signing, name), ...(secrets.host ? [hostCompared(secrets.host, name)] : [])];
  }

  /** What this instance says of itself after its beats. */
  card(): InstanceCard {
    const { signing, host } = this.secrets;
    return { tokenSecret: signing.fingerprint, ...(host ? { hostSecrets: [...host.fingerprints] } : {}) };
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
    const of = (setting: Setting): Agreement => {
      const differing = this.#differing.get(setting) ?? [];
      return { agreed: differing.length === 0, differingInstances: [...differing] };
    };
    return { signing: of('BEACON_JWT_SECRET'), hostAuth: this.secrets.host ? of('BEACON_AUTH_JWT_SECRET') : null };
  }

  /**
   * At the start, before the first beat: refuses it (ConfigError, naming the first setting that
   * differs; each is logged) when a live instance on this prefix differs in a secret. A store that
   * cannot tell lets the start go on; the beats check.
   */
  async refuseAtStart(): Promise<void> {
    const { store } = this.deps;
    if (!store.cards) return;
    const cards = await this.#cardsOf(await store.liveInstances(this.deadAfter()));
    if (!cards) return;
    let refusal: ConfigError | null = null;
    for (const c of this.#compared) {
      const differing = differingIn(c, cards);
      if (differing.length === 0) continue;
      const reason = `differs from that of ${named(differing)} already running on this Redis prefix ("${this.deps.config.redisPrefix}"): ${c.harmWould}. ${c.whatToDo}, then start this instance again; ${c.change}`;
      this.deps.log.error({ variable: c.shown, instances: differing }, `refusing to start: ${c.shown} ${reason}`);
      refusal ??= new ConfigError(c.setting, reason);
    }
    if (refusal) throw refusal;
  }

  /**
   * After a heartbeat the store took, with the live instances read after it (null: the store
   * cannot tell): which of them differ in a secret now, each new one said once per setting.
   */
  async check(live: ReadonlySet<string> | null): Promise<void> {
    if (!this.deps.store.cards) return;
    const cards = await this.#cardsOf(live);
    if (!cards) return;
    for (const c of this.#compared) {
      const differing = differingIn(c, cards);
      this.#differing.set(c.setting, differing);
      const fresh = differing.filter((id) => !this.#said.has(`${c.setting} ${id}`));
      if (fresh.length === 0) continue;
      for (const id of fresh) this.#said.add(`${c.setting} ${id}`);
      this.deps.log.error(
        { variable: c.shown, instances: fresh },
        `${named(fresh)} on this Redis prefix ("${this.deps.config.redisPrefix}") ${c.does} another ${c.shown}: ${c.harmIs}. ${c.whatToDo}, and restart the instances that had the wrong one`,
      );
    }
  }

  /** The cards of `live` other than this one (an instance without one, of an earlier release, is left out); null when the store cannot tell. */
  async #cardsOf(live: ReadonlySet<string> | null): Promise<Map<string, InstanceCard> | null> {
    const { store, bus } = this.deps;
    if (!live || !store.cards) return null;
    return store.cards([...live].filter((id) => id !== bus.instanceId).sort());
  }
}

function differingIn(c: Compared, cards: ReadonlyMap<string, InstanceCard>): string[] {
  return [...cards].filter(([, card]) => c.differs(card)).map(([id]) => id);
}

function named(ids: readonly string[]): string {
  return ids.length === 1 ? `instance ${ids[0]}` : `instances ${ids.join(', ')}`;
}

/** BEACON_JWT_SECRET: the same fingerprint, or the instances refuse each other's tokens. */
function signingCompared(mine: SigningSecret, name: SettingName): Compared {
  const setting = 'BEACON_JWT_SECRET';
  const shown = name(setting);
  const here = mine.configured ? 'set here' : 'unset here, so this instance uses the secret generated into its database: instances on different databases must not share a Redis prefix';
  return {
    setting,
    shown,
    differs: (card) => card.tokenSecret !== mine.fingerprint,
    does: 'signs tokens with',
    harmWould: 'a token one of them signs, the other refuses, so users behind a load balancer would be logged out at random',
    harmIs: "each refuses the other's tokens, so users behind a load balancer are logged out at random",
    whatToDo: `Give every instance of the deployment the same ${shown} (${here}; or leave it unset on all of them over one shared database)`,
    change: 'to change the secret on purpose, stop every instance first (every token signed with the old one stops working anyway)',
  };
}

/**
 * BEACON_AUTH_JWT_SECRET: instances agree while they share a secret to verify the site's tokens
 * with, BEACON_AUTH_JWT_PREVIOUS_SECRET included, so a rotation's restarts are not refused. An
 * instance whose card gives none (JWKS, another mode, an earlier release) is not compared.
 */
function hostCompared(mine: HostSecret, name: SettingName): Compared {
  const setting = 'BEACON_AUTH_JWT_SECRET';
  const shown = name(setting);
  const previous = name('BEACON_AUTH_JWT_PREVIOUS_SECRET');
  const noneShared = `the two share no secret to verify the site's tokens with (${previous} included)`;
  return {
    setting,
    shown,
    differs: (card) => card.hostSecrets !== undefined && !card.hostSecrets.some((f) => mine.fingerprints.includes(f)),
    does: "verifies the site's tokens with",
    harmWould: `${noneShared}, so one of them would refuse the tokens the site signs and users behind a load balancer would be refused at random`,
    harmIs: `${noneShared}, so one of them refuses the tokens the site signs and users behind a load balancer are refused at random`,
    whatToDo: `Give every instance of the deployment the site's HS256 secret in ${shown}`,
    change: `to change the secret, rotate it ("Rotating the shared secret" in docs/integration.md: the new one in ${shown}, the old one in ${previous}), or stop every instance first`,
  };
}
