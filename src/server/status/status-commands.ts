/**
 * The status commands of the API and the socket (set a status, an activity, a schedule,
 * settings; a game server's events): each is checked here and turned into a presence input,
 * which the presence service applies and shares. Nothing here changes a replica directly.
 */
import { countGraphemes, hasUnsafeText, isBlankText, MAX_CUSTOM_MESSAGE, UNSAFE_TEXT_RULE, type Activity, type GameEventBody, type ScheduleBody, type Settings, type SetStatusBody, type View } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { etagOf, VersionMovedOn } from '../etags.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { isTimeZone, type CalendarBusy, type Schedule, type Weekday } from '../presence/schedule.js';
import type { ServerGame, ViewerTier } from '../presence/types.js';
import type { UserRepository } from '../users/user-repository.js';
import { cleanDetails } from './activity-details.js';
import { gameEnded, type PresenceInput } from './presence-events.js';
import { gameKindOf } from '../presence/presence-rules.js';
import type { PresenceRepository, Profile } from './presence-repository.js';

/** What the commands need of the presence service. */
export interface CommandPort {
  engine: PresenceEngine;
  now: () => number;
  repo: PresenceRepository;
  users: UserRepository;
  ensureLoaded(ids: readonly number[]): Promise<void>;
  /** Applies the input here and shares it with the other instances. */
  input(userId: number, input: PresenceInput): void;
  /** A loaded user's profile (NOT_FOUND otherwise). */
  profile(userId: number): Profile;
  loaded(userId: number): boolean;
  viewOf(userId: number, tier: ViewerTier): View;
  /** The live sessions a declaration comes from (LoginSessions.holdersOf). */
  holders(userId: number, by: Declarer): string[] | null;
  /**
   * The host signed the loaded user out: answers the server games the shared store holds of them
   * (none with one instance), and a game start older than the sign-out that reaches this replica
   * later is ended (Replicas.signedOut).
   */
  signedOut(userId: number): Promise<ServerGame[]>;
}

/**
 * Who declares an activity: the login (its session id) and, over a socket or when the client
 * names it (`session_id` of POST /users/me/activity), the socket (its connection id, the
 * `session_id` of its `ready`).
 */
export interface Declarer {
  login: string;
  socket?: string;
}

/** A stored schedule as the API shows it, with its version in the database (users.schedule_version). */
export interface VersionedSchedule {
  schedule: ScheduleBody;
  version: number;
}

/** A saved schedule, its new version, and the zone of the schedule it replaced (UTC for none). */
export interface SavedSchedule extends VersionedSchedule {
  previousZone: string;
}

export class StatusCommands {
  constructor(private readonly port: CommandPort) {}

  /** `messageField`: how a refusal names the message, as the caller gave it (`setStatus.customMessage` in process). */
  async setStatus(userId: number, body: SetStatusBody, messageField = 'custom_message'): Promise<View> {
    checkMessage(body.custom_message, messageField);
    // An expires_at that is not in the future is refused whatever the message (protocol.md §4),
    // also with no message to clear or one being cleared: the request changes nothing then.
    const expiresAt = parseExpiry(body.expires_at ?? null, this.port.now());
    await this.port.ensureLoaded([userId]);
    const touched = body.custom_message !== undefined || body.expires_at !== undefined;
    // expires_at alone sets when the current message clears; it does not clear it now.
    const message = body.custom_message !== undefined ? messageOrNone(body.custom_message) : this.port.engine.ownCustomMessage(userId);
    const custom = touched ? { message, expiresAt: message === null ? null : expiresAt } : null;
    this.port.input(userId, { op: 'status', status: body.status, custom });
    return this.port.viewOf(userId, 'self');
  }

  async setActivity(userId: number, activity: Activity, rawDetails?: object, by?: Declarer): Promise<View> {
    await this.port.ensureLoaded([userId]);
    if (this.port.engine.inServerGame(userId)) {
      this.port.input(userId, { op: 'interaction' });
      throw new AppError('CONFLICT', 'A game server reports you in a match; it ends when the match ends');
    }
    const holders = by ? this.port.holders(userId, by) : null;
    this.port.input(userId, { op: 'activity', activity, details: cleanDetails(rawDetails), ...(holders ? { holders } : {}) });
    return this.port.viewOf(userId, 'self');
  }

  /** The user's status schedule, as the API shows it (no schedule: no rules, UTC). */
  async getSchedule(userId: number): Promise<ScheduleBody> {
    await this.port.ensureLoaded([userId]);
    return scheduleBody(this.port.engine.snapshotForPersistence(userId).schedule ?? null);
  }

  /**
   * The user's status schedule as the database holds it, with its version (the ETag of
   * `GET /users/me/status/schedule`, which `If-Match` names): read with the version in one
   * statement, so the two always belong together, on every instance.
   */
  async readSchedule(userId: number): Promise<VersionedSchedule> {
    const stored = await this.port.repo.readSchedule(userId);
    if (!stored) throw new AppError('NOT_FOUND', 'No such user');
    return { schedule: scheduleBody(stored.schedule), version: stored.version };
  }

  /**
   * Replaces the user's status schedule (no rules removes the rules and keeps the time zone,
   * which history, patterns and calendar messages use); saved at once, applied on every
   * instance. The save answers the schedule's version in the database and the input carries it:
   * two replacements at once may be applied in another order than they were saved in (the
   * await between the two, the bus between instances), and every replica ends on the one the
   * database holds.
   * `ifVersion` (the request's `If-Match`): the versions the client read; when the stored one
   * moved on since (saved on another tab or device), nothing is saved: PRECONDITION_FAILED.
   */
  async setSchedule(userId: number, body: ScheduleBody, ifVersion?: readonly number[]): Promise<SavedSchedule> {
    if (!isTimeZone(body.time_zone)) throw new AppError('VALIDATION_ERROR', `time_zone: "${body.time_zone}" is not an IANA time zone`);
    for (const [i, r] of body.rules.entries()) {
      if (r.from === r.to) throw new AppError('VALIDATION_ERROR', `rules/${i}: from and to must differ`);
      checkMessage(r.message, `rules/${i}/message`);
    }
    await this.port.ensureLoaded([userId]);
    const schedule: Schedule = {
      timeZone: body.time_zone,
      rules: body.rules.map((r) => ({ days: [...r.days].sort() as Weekday[], from: r.from, to: r.to, status: r.status, message: messageOrNone(r.message ?? null) })),
    };
    const saved = await this.port.repo.saveSchedule(userId, schedule, ifVersion);
    if (saved === null) throw new AppError('NOT_FOUND', 'No such user');
    if ('stale' in saved) {
      throw new VersionMovedOn(saved.stale, `Your schedule was changed since that version was read (it is now ${etagOf(saved.stale)}): nothing was saved; read it again and save your change over it`);
    }
    this.port.input(userId, { op: 'schedule', schedule, version: saved.version });
    return { schedule: scheduleBody(schedule), version: saved.version, previousZone: scheduleBody(saved.before).time_zone };
  }

  /**
   * New busy intervals from the user's calendar feed, applied on every instance. `version`: the
   * calendar's version the write that stored them answered (CalendarRepository), as for a schedule.
   */
  async setCalendar(userId: number, busy: CalendarBusy[], version: number): Promise<void> {
    await this.port.ensureLoaded([userId]);
    this.port.input(userId, { op: 'calendar', busy, version });
  }

  async getSettings(userId: number): Promise<Settings> {
    await this.port.ensureLoaded([userId]);
    return { ...this.port.profile(userId).settings };
  }

  /**
   * Saves settings at once (they are durable) and tells every viewer whose view changed.
   * Hiding fixes the last_seen shown while hidden: now, as if the user logged out at this
   * moment, or their last_seen if they are offline already.
   */
  async updateSettings(userId: number, patch: Partial<Settings>): Promise<Settings> {
    await this.port.ensureLoaded([userId]);
    const state = this.port.engine.get(userId);
    // The last_seen shown while hidden, if this save is the one that hides (decided by the
    // database against the row as it stands: another device may have hidden a moment ago).
    const hideAt = state.status === 'offline' ? state.lastSeen : this.port.now();
    // What the database holds after the write (a patch another device saved at the same moment
    // is in it), with its version: every replica ends on the newest, whatever order saves reach it in.
    const stored = await this.port.users.updateSettings(userId, patch, hideAt);
    if (!stored) throw new AppError('NOT_FOUND', 'No such user');
    const { settings, hiddenLastSeen, visibilityBeforeHidden, version } = stored;
    this.port.input(userId, { op: 'settings', settings, hiddenLastSeen, visibilityBeforeHidden, version });
    return stored.settings;
  }

  /**
   * Stops appearing offline: the status audience goes back to the one in force when the user
   * hid (users.visibility_before_hidden, kept by the database whichever device hid), or to the
   * narrowest, `close_friends`, when none is known (hidden by an instance older than migration
   * 016 during a rolling upgrade; 021 filled the rows of users who hid before it). The server
   * decides, not a device's memory, which may be older than a change made elsewhere and wider.
   * Not hidden: nothing changes.
   */
  async unhide(userId: number): Promise<Settings> {
    const current = await this.getSettings(userId);
    if (current.status_visibility !== 'hidden') return current;
    const before = await this.port.users.visibilityBeforeHidden(userId);
    return this.updateSettings(userId, { status_visibility: before ?? 'close_friends' });
  }

  async gameEvent(body: GameEventBody): Promise<number[]> {
    await this.port.ensureLoaded(body.player_ids);
    const matchId = String(body.match_id);
    const kind = body.event.startsWith('tournament') ? 'tournament' : 'match';
    const started = body.event.endsWith('_started');
    const updated = body.event.endsWith('_updated');
    const details = cleanDetails(body.details);
    const applied = body.player_ids.filter((id) => this.port.loaded(id));
    for (const id of applied) this.port.input(id, { op: 'game', matchId, kind, started, updated, details });
    return applied;
  }

  /**
   * The host signed the user out (or banned them): they leave every server game they are in, as
   * if each game's `_ended` named them alone (the other players play on), so with no session left
   * they go offline at once. A later `_started` naming them starts a new game as usual.
   * Several instances: a game another instance started just before (its start answered) may not
   * have reached this replica yet, over the bus: the shared store names it, and it is ended all
   * the same (an end for a match a replica does not hold changes nothing there); its start,
   * reaching this replica later, is not applied (Replicas.signedOut).
   */
  async leaveServerGames(userId: number): Promise<void> {
    await this.port.ensureLoaded([userId]);
    const games = new Map<string, ServerGame>();
    for (const game of await this.port.signedOut(userId)) games.set(game.matchId, game);
    for (const game of this.port.engine.serverGames(userId)) games.set(game.matchId, game);
    for (const game of games.values()) this.port.input(userId, gameEnded(game.matchId, gameKindOf(game.activity)));
  }
}

/**
 * A custom message counts characters as people see them (grapheme clusters), as the web app's
 * counter does, and holds no line breaks, control characters or bidi controls.
 */
/** A message that shows nothing (empty, spaces, zero-width characters) is no message: friends saw an empty quote. */
function messageOrNone(message: string | null): string | null {
  return message === null || isBlankText(message) ? null : message;
}

function checkMessage(message: string | null | undefined, field: string): void {
  // A grapheme is at least one UTF-16 unit, so a message no longer than the limit in units
  // is within it: segmenting (the costly part, on every set_status) is only for longer ones.
  if (message && message.length > MAX_CUSTOM_MESSAGE && countGraphemes(message) > MAX_CUSTOM_MESSAGE) {
    throw new AppError('VALIDATION_ERROR', `${field} must be at most ${MAX_CUSTOM_MESSAGE} characters`);
  }
  // Friends see it in their lists: it may not write lines there or reverse the text around it (text.ts).
  if (message && hasUnsafeText(message)) {
    throw new AppError('VALIDATION_ERROR', `${field} ${UNSAFE_TEXT_RULE}`);
  }
}

function scheduleBody(schedule: Schedule | null): ScheduleBody {
  if (!schedule) return { time_zone: 'UTC', rules: [] };
  return { time_zone: schedule.timeZone, rules: schedule.rules.map((r) => ({ days: r.days, from: r.from, to: r.to, status: r.status, message: r.message })) };
}

function parseExpiry(iso: string | null, now: number): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new AppError('VALIDATION_ERROR', 'expires_at is not a valid timestamp');
  if (t <= now) throw new AppError('VALIDATION_ERROR', 'expires_at must be in the future');
  return t;
}

