/**
 * `app.beacon`: the in-process API of the plugin. In embedded mode ids are the host's own
 * (mapped to Beacon's shadow users); in standalone mode they are Beacon's integer ids.
 */
import { SetStatusBody, type GameEventType } from '../../protocol/index.js';
import { GameReportBody } from '../../protocol/integration.js';
import { AppError } from '../errors.js';
import type { HostUserId } from '../ports/identity.js';
import type { Gateway } from '../realtime/gateway.js';
import type { Services } from '../services.js';
import { checkBody } from '../validation.js';

export interface GameReport {
  event: GameEventType;
  /** The same id for every event of one match: a repeated event changes nothing. */
  match_id: string | number;
  player_ids: HostUserId[];
  /** What friends who may see the activity see: opponent, mode, score, round… (flat scalars). */
  details?: Record<string, string | number | boolean>;
}

export interface BeaconApi {
  /** Sets a user's status (`online` returns to automatic) and, optionally, custom message. */
  setStatus(userId: HostUserId, status: SetStatusBody['status'], customMessage?: string | null): Promise<void>;
  /** Reports a match or tournament event, like POST /api/v1/games/events. Returns the players it applied to, as given. */
  game(report: GameReport): Promise<HostUserId[]>;
  /** The host changed (made, removed, re-categorised) the friendship of a and b: Beacon re-reads it and updates both sides live. */
  friendshipChanged(a: HostUserId, b: HostUserId): Promise<void>;
  /** The host changed these users' profiles (their names): Beacon re-reads them, and friends see the new names live. */
  profilesChanged(ids: readonly HostUserId[]): Promise<void>;
  /**
   * The host signed the user out (or banned them): every login Beacon knows of them ends now,
   * their sockets close with 4000 on every instance and friends see them offline at once.
   * Tokens Beacon saw before are refused from then on, and so are those issued before the call,
   * also for a user Beacon never saw: a row is made to date it, which `userIds`, `hostIds` and game
   * events skip until the user signs in or `PUT /service/users` names them. Answers how many logins ended.
   */
  signOut(userId: HostUserId): Promise<number>;
  /**
   * The host logged this one token out (one device; the user's other logins stay): its sockets
   * close with 4000 on every instance (friends see the user offline at once if it was their last
   * login), and Beacon refuses it from then on, also if Beacon never saw it and the identity port
   * would still accept it. Without it, a socket opened before your identity port started refusing
   * the token stays open until its `expiresAt`. Answers whether a login Beacon knew ended.
   */
  signOutToken(token: string): Promise<boolean>;
  /**
   * Beacon's ids of these host users (views, frames and `<beacon-status user-id>` name users by
   * Beacon's id; a host's integer ids up to 2,147,483,647 are kept as Beacon's ids, string ids
   * are not). Users Beacon never saw are left out (none is created), and so are those the host
   * deleted (`deleteUser`) who have not signed in or been named by `PUT /service/users` since.
   */
  userIds(hostIds: readonly HostUserId[]): Promise<Map<string, number>>;
  /** The host ids of these Beacon ids (a `friend_id` in a frame, say); unknown and deleted ones (as in `userIds`) are left out. */
  hostIds(userIds: readonly number[]): Promise<Map<number, string>>;
  /**
   * The host deleted the user: Beacon deletes everything it holds about them, closes their
   * sockets, and friends see them leave their lists at once. False if Beacon never knew them.
   */
  deleteUser(userId: HostUserId): Promise<boolean>;
  /** Beacon's internals, for standalone Beacon and tests. */
  readonly services: Services;
  readonly gateway: Gateway;
}

export function beaconApi(services: Services, gateway: Gateway): BeaconApi {
  const standalone = services.mode === 'standalone';
  /** Beacon's ids of these host ids; with `create: false`, ids Beacon never saw are left out. */
  const toInternal = async (ids: readonly HostUserId[], { create = true as boolean | 'unseen' } = {}): Promise<number[]> => {
    if (standalone) return ids.map(Number);
    const map = await services.ids.internal(ids, { create });
    return ids.flatMap((id) => map.get(String(id)) ?? []);
  };
  return {
    services,
    gateway,
    async setStatus(userId, status, customMessage) {
      // As PUT /users/me/status takes it (its schema: online, away or busy; a message's length).
      const body = checkBody<SetStatusBody>(SetStatusBody, { status, ...(customMessage !== undefined ? { custom_message: customMessage } : {}) }, 'setStatus', { custom_message: 'customMessage' });
      const [id] = await toInternal([userId]);
      // A message refused (its length, a line break) is named as the argument it came in.
      await services.presence.setStatus(id!, body, 'setStatus.customMessage');
    },
    game: (report) => reportGame(services, report, 'report'),
    async friendshipChanged(a, b) {
      const [x, y] = await toInternal([a, b]);
      await services.friendshipChanged(x!, y!);
    },
    async profilesChanged(ids) {
      // Users Beacon never saw have no name here to re-read: they are not created for it.
      services.presence.renamed(await toInternal(ids, { create: false }));
    },
    async signOut(userId) {
      // A user Beacon never saw is made a shadow row all the same: the sign-out's date is kept on
      // it, so their tokens issued before it stay refused when they come (a token stolen before
      // a password change), as for a user Beacon knew. The row is only that: made marked deleted,
      // lookups and game events leave the user out, as one never seen, until they sign in.
      const [id] = await toInternal([userId], { create: 'unseen' });
      const ended = await services.auth.signOutEverywhere(id!);
      // The host says the user is gone now: a game server's match does not keep them in game
      // either. They leave it (the other players play on), and friends see them offline at once.
      await services.presence.leaveServerGames(id!);
      return ended;
    },
    async signOutToken(token) {
      if (typeof token !== 'string' || token === '') throw new TypeError('signOutToken: token must be the non-empty bearer token the page gave Beacon');
      return services.auth.signOutToken(token);
    },
    async userIds(hostIds) {
      if (standalone) return new Map(hostIds.map((id) => [String(id), Number(id)]));
      // As for game events, a user the host deleted is one Beacon never saw until seen again.
      return services.ids.internal(hostIds, { create: false, skipDeleted: true });
    },
    async hostIds(userIds) {
      if (standalone) return new Map(userIds.map((id) => [id, String(id)]));
      return services.ids.external(userIds, { skipDeleted: true });
    },
    async deleteUser(userId) {
      const [id] = await toInternal([userId], { create: false });
      if (id === undefined) {
        // Nothing to delete; the tokens issued before stay refused all the same (as after a
        // deletion of a user Beacon knew, whose row is put back fresh): a fresh row dates it.
        if (!standalone) {
          const fresh = await services.ids.one(userId);
          await services.ids.markDeleted(fresh);
          await services.sessions.putRevoked(fresh, [], services.now());
        }
        return false;
      }
      // The tokens Beacon saw stay refused after the rows about the user are gone, and the
      // versions of what a copy elsewhere may still hold carry on (IdMap.recreate).
      const sessions = standalone ? [] : await services.sessions.ofUser(id);
      const versions = standalone ? null : await services.ids.versionsOf(id);
      // Forgets what every instance holds of the user, too (AccountService.remove).
      if (!(await services.account.remove(id))) return false;
      if (!standalone) {
        await services.ids.recreate(id, userId, versions);
        await services.sessions.putRevoked(id, sessions, services.now());
      }
      return true;
    },
  };
}

/**
 * A game report as POST /games/events (`where`: `body`) and `app.beacon.game` (`report`) take
 * it, one path: checked by the route's schema (and, standalone, for Beacon's integer ids; a
 * refusal is AppError VALIDATION_ERROR naming `where`), then applied. Answers the players it
 * applied to, named as the report named them.
 */
export async function reportGame(services: Services, input: unknown, where: string): Promise<HostUserId[]> {
  const report = checkBody<GameReport>(GameReportBody, input, where);
  if (services.mode === 'standalone') {
    if (report.player_ids.some((id) => typeof id !== 'number')) throw new AppError('VALIDATION_ERROR', `${where}.player_ids must be integer user ids`);
    return services.presence.gameEvent({ ...report, player_ids: report.player_ids.map(Number) });
  }
  // Players Beacon never saw are skipped (none is made), as are those the host deleted since it
  // last saw them. One player named twice (101 and "101" are one host id) plays once.
  const map = await services.ids.internal(report.player_ids, { create: false, skipDeleted: true });
  const ids = [...new Set(report.player_ids.flatMap((id) => map.get(String(id)) ?? []))];
  const applied = await services.presence.gameEvent({ ...report, player_ids: ids });
  const back = await services.ids.external(applied);
  // The ids as the host gave them (101 stays a number, "auth0|abc" a string), as first given.
  const given = new Map<string, HostUserId>();
  for (const id of report.player_ids) if (!given.has(String(id))) given.set(String(id), id);
  return applied.map((id) => given.get(back.get(id)!) ?? back.get(id)!);
}
