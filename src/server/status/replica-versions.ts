/**
 * The versions of this instance's replicas (cluster mode), and what they decide: each user's
 * latest version and the version of the input that last set each field (field-versions.ts),
 * what of another instance's input or of a stored copy applies to a replica here
 * (last-writer-wins per field), when the database row is newer than both, whether a close or
 * logout makes the user leave, and which instance writes the user's row (writerOf). Part of
 * Replicas (replicas.ts); the saving and publishing of changes is replica-sharing.ts.
 */
import { compareVersions, instanceOfSession, nextVersion, type StoredReplica, type Version } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PersistedPresence, PresenceChange, ReplicaState } from '../presence/types.js';
import { allFieldsAt, applicable, fieldsOf, mergeFields, newerFields, recordFields, withFields, type FieldVersions } from './field-versions.js';
import type { PresenceInput } from './presence-events.js';
import type { PresenceDeps } from './presence-deps.js';
import type { RowPresence } from './presence-repository.js';

/** The later of two instants (null: never). */
const latest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** A replica's answer for an input that is neither a close nor a logout (ReplicaVersions.#leaving). */
const NOT_LEAVING = { leaves: false, endsHeld: false } as const;

export interface VersionsParts {
  engine: PresenceEngine;
  /** Whether the session is one of this instance's sockets. */
  isMine(sessionId: string): boolean;
  /** Saves the user's merged state under a new version and asks for reloads (ReplicaSharing.resaveLater). */
  resaveLater(userId: number): void;
  /** Reports a change of the user's presence. */
  report(change: PresenceChange | null): void;
  /** A game start older than the user's sign-out here reached this replica: the game ends, as its `_ended` would (StatusCommands.leaveServerGames). */
  startedBeforeSignOut(userId: number, start: Extract<PresenceInput, { op: 'game' }>): void;
}

/** The sign-out's cut-off when the shared store holds no copy of the user: no start came before it. */
const NOTHING_STORED: Version = { at: 0, by: '' };

export class ReplicaVersions {
  /** Version of each replica's user-level fields: never replaced by an older stored copy. */
  readonly #versions = new Map<number, Version>();
  /** Per replica, the version of the input that last set each field (field-versions.ts). */
  readonly #fields = new Map<number, FieldVersions>();
  /** Users whose sessions this instance ended because their instance died: it writes their row (see writerOf). */
  readonly #reaped = new Set<number>();
  /** Per replica, the version of the host's last sign-out of the user answered here (signedOut). */
  readonly #signOuts = new Map<number, Version>();

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'now'>,
    private readonly parts: VersionsParts,
  ) {}

  get #self(): string {
    return this.deps.bus.instanceId;
  }

  /** The user's latest version known here, if any. */
  of(userId: number): Version | undefined {
    return this.#versions.get(userId);
  }

  /** The user's version as saved to the store. */
  versionOf(userId: number): Version {
    return this.#versions.get(userId) ?? { at: 0, by: this.#self };
  }

  /** Per field, the version of the input that last set it here (none: no field set yet). */
  fields(userId: number): FieldVersions | undefined {
    return this.#fields.get(userId);
  }

  /** A new version for a change this instance makes to the user. */
  next(userId: number): Version {
    const version = nextVersion(this.#versions.get(userId), this.deps.now(), this.#self);
    this.#versions.set(userId, version);
    return version;
  }

  /** A local input changed the user: its new version, with the fields it sets (field-versions.ts). */
  changedHere(userId: number, input: PresenceInput, leaves: boolean): Version {
    const version = this.next(userId);
    recordFields(input, version, () => this.#fieldsOf(userId), leaves);
    this.#reaped.delete(userId);
    return version;
  }

  /** This instance ended sessions of the user because their instance died (reap). */
  reaped(userId: number): void {
    this.#reaped.add(userId);
  }

  /** The replica is dropped: its versions go with it. */
  forget(userId: number): void {
    this.#versions.delete(userId);
    this.#fields.delete(userId);
    this.#reaped.delete(userId);
    this.#signOuts.delete(userId);
  }

  /**
   * The host signed the user out here: every server game started before it ends, whichever
   * instance started it. The caller ends those this replica or the shared store holds; a start
   * answered by another instance just before, still on its way here over the bus, is not applied
   * when it arrives, and its game is ended again (received): applied after those ends, it would
   * put the user back in game here, and this replica's copy, saved again, everywhere. `stored`:
   * the user's version in the shared store, read after the sign-out came. Every start answered
   * before it was saved there first (then published, then answered), so the stored version is
   * the cut-off: a start at or before it came before the sign-out, whatever the instances' clocks
   * say, and one saved after the read comes after it (none stored: nothing came before). Only
   * when the store could not be read (`read` false) does this instance's clock set the cut-off:
   * a start another instance's clock dates earlier is then taken as before the sign-out.
   */
  signedOut(userId: number, stored: Version | null, read: boolean): void {
    if (stored) this.#observed(userId, stored);
    this.#signOuts.set(userId, read ? (stored ?? NOTHING_STORED) : nextVersion(this.#versions.get(userId), this.deps.now(), this.#self));
  }

  /**
   * Another instance's input reached this replica: what of it applies here (null: nothing), as
   * last-writer-wins per field (field-versions.ts), so replicas that got inputs in different
   * orders end alike. An input older than this replica's latest change, which this instance
   * made and saved without it, leaves the stored copy short of it: this instance saves the
   * merged state again and has the others reload it (rare: two instances changing one user
   * within a bus delay of each other). A game's start older than the host's sign-out of the user
   * here (signedOut) does not apply: the game is ended instead.
   */
  received(userId: number, input: PresenceInput, version: Version | undefined): PresenceInput | null {
    if (!version) return input;
    if (input.op === 'game' && input.started && this.#beforeSignOut(userId, version)) {
      // Not applied here: the game ends at once, for every replica (which applied the start before this end).
      this.#observed(userId, version);
      this.parts.startedBeforeSignOut(userId, input);
      return null;
    }
    const local = this.#versions.get(userId);
    const leaving = this.#leaving(userId, input);
    const out = applicable(input, version, () => this.#fieldsOf(userId), leaving.leaves);
    this.#observed(userId, version);
    // Only a late input that still set a field (or a game's, which does not commute with an
    // activity) leaves the stored copy short; sessions are saved by their own instance and
    // interactions only move a clock, so those never cost a re-save and reloads. A late close or
    // logout that still ends a session held here does: the copy this instance saved since says
    // nothing of the grace and last_seen it began (its saver had not heard of it), and a re-read
    // of it would take the user for gone.
    const changesStored = out !== null && (fieldsOf(out).length > 0 || out.op === 'game' || leaving.endsHeld);
    if (changesStored && local && local.by === this.#self && compareVersions(version, local) < 0) this.parts.resaveLater(userId);
    return out;
  }

  /**
   * Whether a close or logout, not applied yet, makes the user leave on this replica: it ends the
   * last session held here, or (a logout) a grace its login began. Only then does it set
   * last_seen or the grace, and so `left` (field-versions.ts).
   */
  leaves(userId: number, input: PresenceInput): boolean {
    return this.#leaving(userId, input).leaves;
  }

  /**
   * What a close or logout, not applied yet, does here: `leaves` (above), and `endsHeld`: it ends
   * a session this replica holds (not one a logout here ended before), or a logout meets a grace.
   */
  #leaving(userId: number, input: PresenceInput): { leaves: boolean; endsHeld: boolean } {
    if (input.op !== 'close' && input.op !== 'logout') return NOT_LEAVING;
    const { engine } = this.parts;
    const held = engine.sessionIds(userId);
    if (input.op === 'close') {
      // A close heard after the logout that ended its session here may date the leave earlier.
      const dates = engine.datesLeaveEarlier(userId, input.sessionId, input.at);
      return { leaves: (held.length === 1 && held[0] === input.sessionId) || dates, endsHeld: held.includes(input.sessionId) || dates };
    }
    const ofLogin = held.filter((id) => id.endsWith(input.sessionSuffix)).length;
    return {
      leaves: held.length > 0 ? ofLogin === held.length : engine.graceBegunBy(userId, input.sessionSuffix),
      endsHeld: ofLogin > 0 || engine.inGrace(userId),
    };
  }

  /** Whether a change at `version` came before the host's last sign-out of the user here (at or before its cut-off). */
  #beforeSignOut(userId: number, version: Version): boolean {
    const signOut = this.#signOuts.get(userId);
    return signOut !== undefined && compareVersions(version, signOut) <= 0;
  }

  #fieldsOf(userId: number): FieldVersions {
    let fields = this.#fields.get(userId);
    if (!fields) this.#fields.set(userId, (fields = {}));
    return fields;
  }

  /** Another instance's input reached this replica: its version is now known here. */
  #observed(userId: number, version: Version): void {
    const local = this.#versions.get(userId);
    if (!local || compareVersions(version, local) > 0) {
      this.#versions.set(userId, version);
      this.#reaped.delete(userId);
    }
  }

  /**
   * The one instance that writes the user's database row (and status history). Every replica
   * computes the same answer from the same state, so exactly one instance writes:
   * - while the user has live sockets: the instance with the smallest id among those holding
   *   one (it keeps the replica as long as the socket lives; when its last socket of the user
   *   closes, the next smallest takes over);
   * - otherwise: the instance that made the user's last change (ended the last session, the
   *   last poll or REST call): the `by` of the latest version, which every replica shares;
   * - sessions of a dead instance are ended by every instance that replicates the user
   *   (reap), and each of those writes the result: a crash may cost a duplicate write.
   * With one instance it is always this one.
   */
  writerOf(userId: number): string {
    if (!this.deps.store.shared) return this.#self;
    let min: string | null = null;
    for (const sessionId of this.parts.engine.sessionIds(userId)) {
      const owner = instanceOfSession(sessionId);
      if (owner !== null && (min === null || owner < min)) min = owner;
    }
    if (min !== null) return min;
    if (this.#reaped.has(userId)) return this.#self;
    return this.#versions.get(userId)?.by ?? this.#self;
  }

  /**
   * A replica was just loaded: the engine holds the user's database row `row`, with the version
   * it was written at (PresenceRow.version), and `state` is the shared store's copy, if any. The
   * newer wins. The copy, as a rule: it is saved at every change, the row up to a second later.
   * The row, when it is newer: the instance that made the change wrote it to the row but could
   * not save it to the store (stopped while the store did not answer); the copy's sessions,
   * declared activity and grace stay (the row has none), and the result is saved for the
   * others. A row written without a version (one instance) never wins; nor does a database
   * restored from a backup, whose rows are older than the copies (docs/scaling.md §3: a restore
   * empties the prefix).
   */
  loaded(userId: number, state: StoredReplica | undefined, row: RowPresence): void {
    if (!state) return;
    const { version } = row;
    if (version === null || (state.version !== null && compareVersions(version, state.version) <= 0)) return this.importStored(userId, state);
    this.#takeRow(userId, state, state.fieldVersions ?? allFieldsAt(state.version), row.persisted, version);
  }

  /**
   * Before this instance ends a dead instance's sessions of the user (reap): the user's database
   * row, if it is newer than this replica. That instance may have written to it a change it never
   * saved to the shared store nor published (stopped while Redis did not answer): the replica
   * takes the row's fields, keeping its sessions, declared activity and grace, and saves itself
   * for the others; else the change would be lost to this instance, which writes the row from
   * now on (writerOf), and to the others.
   */
  importRow(userId: number, row: RowPresence): void {
    const local = this.#versions.get(userId);
    const { version } = row;
    if (version === null || (local !== undefined && compareVersions(version, local) <= 0)) return;
    this.#takeRow(userId, this.parts.engine.exportUser(userId), this.#fields.get(userId) ?? {}, row.persisted, version);
  }

  /**
   * `base` (a stored copy, or this replica) with the fields the database row holds taken from
   * the row (`persisted`, written at `version`, newer than `base`): imported at the row's
   * version, then saved under a new one, with a reload asked of the others.
   */
  #takeRow(userId: number, base: ReplicaState, baseFields: FieldVersions, persisted: PersistedPresence, version: Version): void {
    // The fields the row holds are as of its version; the others stay as `base` has them.
    this.#fields.set(userId, { ...baseFields, status: version, message: version });
    this.#versions.set(userId, version);
    const state: ReplicaState = {
      ...base,
      manualStatus: persisted.manualStatus,
      customMessage: persisted.customMessage,
      customMessageExpiresAt: persisted.customMessageExpiresAt,
      serverGames: persisted.serverGames,
      lastSeen: latest(base.lastSeen, persisted.lastSeen),
      lastActivity: latest(base.lastActivity, persisted.lastActivity),
    };
    this.parts.report(this.parts.engine.importUser(userId, state, this.parts.isMine));
    this.parts.resaveLater(userId);
  }

  /**
   * Imports a stored replica: the user-level fields only when they are at least as new as this
   * replica's, field by field (field-versions.ts). From a copy otherwise older, the sessions and
   * the fields it set later than this replica heard of (a grace and last_seen of a close this
   * replica has not heard of yet, while it made a change of its own since). The sessions `keep`
   * says to (by default this instance's own: the store may lag behind them) stay as this replica
   * holds them, whatever the copy says.
   */
  importStored(userId: number, state: StoredReplica, keep: (sessionId: string) => boolean = this.parts.isMine): void {
    const { engine } = this.parts;
    const local = this.#versions.get(userId);
    let older = local !== undefined && (state.version === null || compareVersions(state.version, local) < 0);
    let imported: StoredReplica = state;
    let keptOwn = false;
    if (older && state.fieldVersions && engine.known(userId)) {
      const theirs = newerFields(state.fieldVersions, this.#fields.get(userId) ?? {});
      if (theirs.length > 0) {
        // This replica's state with those fields (and the stored sessions) taken from the copy.
        imported = withFields({ ...engine.exportUser(userId), sessions: state.sessions, version: local! }, state, theirs);
        mergeFields(() => this.#fieldsOf(userId), state.fieldVersions);
        older = false;
        // This instance's newer copy (saved, or on its way) lacks them: save the merge over it.
        keptOwn = local!.by === this.#self;
      }
    } else if (!older) {
      if (state.version) this.#versions.set(userId, state.version);
      // A copy saved before field versions existed has every field at its version.
      const stored = state.fieldVersions ?? allFieldsAt(state.version);
      // Fields this replica set later than the copy (changes the copy's saver never heard of,
      // as after a bus outage) stay as they are here, field by field, like a late input.
      const own = this.#fields.get(userId);
      const newer = own ? newerFields(own, stored) : [];
      if (newer.length > 0 && engine.known(userId)) {
        imported = withFields(state, engine.exportUser(userId), newer);
        keptOwn = true;
      }
      mergeFields(() => this.#fieldsOf(userId), stored);
    }
    this.parts.report(engine.importUser(userId, imported, keep, older));
    // The store lacks what was kept here: save the merged state and have the others reload it.
    if (keptOwn) this.parts.resaveLater(userId);
  }
}
