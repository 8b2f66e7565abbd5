/** Public types of {@link PresenceClient}: states, events and options. */
import type { BlockedUser, Friend, FriendRequest, FriendRequestCloseReason, GameInviteCloseReason, NotificationPayload, Settings, View } from '../protocol/index.js';
import type { ApiClient } from './api.js';
import type { BackoffOptions } from './backoff.js';
import type { VisibilityState } from './idle.js';
import type { ServerClock } from './server-clock.js';
import type { TokenSource } from './token-source.js';
import type { Timers, WebSocketCtor } from './transport.js';

/**
 * `connecting` (first attempt), `connected` (live socket), `reconnecting` (after a drop, or on
 * a live socket whose events were lost, from the `seq` gap until its REST refetch applied:
 * {@link PresenceClient.catchingUp} then says so, the connection being open),
 * `polling` (the REST fallback answers while the socket fails: not after a mere blip, see
 * docs/protocol.md §8), `offline` (stopped, or neither the socket nor the API answers; the
 * client keeps retrying and reconnects at once when the browser is back online).
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'offline';

/**
 * Why a client is not running ({@link PresenceClient.stopReason}): `stopped` (never started,
 * or `stop()`: signed out) or `unauthorized` (Beacon refused or revoked the token; the
 * user must sign in again). An `offline` client with no stop reason keeps retrying.
 */
export type StopReason = 'stopped' | 'unauthorized';

/**
 * What Beacon said when it refused the last connection attempt although it was reached (close
 * 1011 before `ready`, docs/protocol.md §2): `friend list unavailable` (an embedding site's
 * friend list could not be read), `database unreachable`, `auth check timed out`. The client
 * retries these with backoff as any failure ({@link PresenceClient.unavailableReason}).
 */
export const UNAVAILABLE_REASONS = ['friend list unavailable', 'database unreachable', 'auth check timed out'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** A block made (`user`: the blocked user as listed) or lifted, as {@link PresenceEvents.block_changed} says it. */
export type BlockChange = { userId: number; blocked: true; user: BlockedUser } | { userId: number; blocked: false };

/** Events of {@link PresenceClient.on}. */
export interface PresenceEvents {
  /**
   * The connection state changed, or {@link PresenceClient.catchingUp} flipped (then the state
   * may be the same `reconnecting` as before: the socket was lost while catching up).
   */
  state: ConnectionState;
  /** A full snapshot: every WebSocket `ready`, and the first successful poll if no snapshot came before. */
  ready: { self: View; friends: View[] };
  /** One friend's view changed (`friend_status_change`, `friend_added`, or a snapshot diff). */
  friend: { view: View; previous: View | undefined };
  friend_removed: { friendId: number };
  /**
   * You changed the category you give a friend, on this device or another (`friend_updated`):
   * `friend` as `GET /users/me/friends` lists them now. Socket only: while polling, or after a
   * reconnect, re-read that list where categories are shown.
   */
  friend_updated: { friend: Friend };
  /** The whole sorted list after any change (convenient for rendering). */
  friends: View[];
  self: View;
  /** The server's idle probe; answer with `stillHere()` or let the next user input answer it. */
  are_you_there: void;
  /** The probe was answered, here or on another of the user's devices: a "Still there?" may close. */
  probe_answered: void;
  /** An `error` frame from the server. */
  error: { code: string; message: string };
  /**
   * Someone sent the signed-in user a friend request (pushed over the socket). Socket only, like
   * the other request events: where requests are shown, re-read them at each `synced`.
   */
  friend_request_received: { request: FriendRequest };
  /**
   * The signed-in user sent a friend request, on this device or another (`friend_request_sent`):
   * list it among the outgoing requests. Socket only, like `friend_request_received`.
   */
  friend_request_sent: { request: FriendRequest };
  /** A request to or from the signed-in user was accepted, declined or cancelled. */
  friend_request_closed: { requestId: number; reason: FriendRequestCloseReason };
  /** A friend invites you to a Pong match; accept with `ApiClient.acceptGameInvite`. */
  game_invite: { inviteId: string; fromUserId: number };
  /** A friend accepted your invitation. */
  game_invite_accepted: { inviteId: string; byUserId: number };
  /**
   * An invitation made to you is no longer open (`game_invite_closed`): you accepted it, on this
   * device or another. Stop offering it (an acceptance now answers 404). It also reaches the
   * device that accepted: a client accepting that invitation itself goes by the answer instead.
   * Socket only: a client that was polling or disconnected learns it from that 404.
   */
  game_invite_closed: { inviteId: string; reason: GameInviteCloseReason };
  /** Your privacy settings changed on another device or by REST (the `settings_update` frame): the settings now in force. */
  settings: { settings: Settings };
  /**
   * You blocked or unblocked someone, on this device or another (the `block_changed` frame):
   * with a block, `user` as `ApiClient.listBlocks()` lists them. Socket only: where blocks are
   * shown, re-read `listBlocks()` at each `synced` (a reconnect, each poll while polling, the
   * refetch after a `seq` gap: the lost frame may have been this one).
   */
  block_changed: BlockChange;
  /** A friend you watch came online (the `notification` frame); show it in the page. */
  notification: NotificationPayload;
  /**
   * Data was confirmed fresh (`ready`, a successful poll, the refetch after a `seq` gap applied;
   * any socket frame moves {@link PresenceClient.lastSyncAt} on too, except from a gap until that
   * refetch) at this time (ms epoch).
   */
  synced: { at: number };
  /**
   * The client stopped for good and no longer retries: `stop()` (`stopped`), or a token Beacon
   * refused or revoked (`unauthorized`, followed by the `unauthorized` event). Emitted after
   * the state became `offline`; not emitted by a stop() of a client already stopped.
   */
  stopped: { reason: StopReason };
  /**
   * 4401 or 4000: the token is dead; the client stopped. Show the login page. After a 4401 (or
   * a 401 while polling) the client first tries the token `getToken` returns now, if Beacon has
   * not refused it yet (a host that refreshed it): this comes only when that fails too.
   */
  unauthorized: { closeCode: number };
}

/** Options of {@link PresenceClient}; every timing has a documented default. */
export interface PresenceClientOptions {
  /** http(s) origin of the server (`''` = the page's origin); the ws URL is derived from it. */
  baseUrl: string;
  /**
   * Current bearer token; read at each (re)connect and REST call. A host that refreshes
   * short-lived tokens returns the fresh one here: when Beacon refuses the old one (the
   * socket's 4401 at its expiry, a poll's 401) the client reconnects at once with it. May
   * return a promise (an auth library's asynchronous refresh): the client waits for it, saying
   * `connecting`/`reconnecting`; one that rejects (or a getToken that throws) is retried at the
   * backoff pace and never stops the client; null (now or resolved) means signed out.
   */
  getToken: TokenSource;
  /** Default: `new ApiClient({ baseUrl, getToken })`. */
  api?: ApiClient;
  /** Default: the global `WebSocket`; without one the client polls. */
  WebSocketImpl?: WebSocketCtor;
  /** Default: the global timers and `Date.now`. */
  timers?: Timers;
  /**
   * The estimate of the server's clock that the views and frames received feed (see
   * `PresenceClient.serverNow()`); pass one to share it beyond this client (the web app
   * keeps one per page). Default: a new one, on `timers.now`.
   */
  serverClock?: ServerClock;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Default 500 / 15000 ms, full jitter. */
  backoff?: BackoffOptions;
  /**
   * Consecutive WebSocket attempts that never reach `ready` before the REST fallback starts.
   * Default 3. The state says `polling` once an attempt also failed while the API answered.
   * On a first load the fallback also starts when the first attempt has not reached `ready`
   * within 2 s, so a hung server reads as `offline` after one REST timeout.
   */
  fallbackAfterFailures?: number;
  /** Default 3000 ms. */
  pollIntervalMs?: number;
  /** At most one `interaction` frame per this many ms. Default 10000. */
  interactionThrottleMs?: number;
  /** An attempt that has not reached `ready` by then counts as failed. Default 10000 ms. */
  connectTimeoutMs?: number;
  /**
   * Where to listen for the browser's `online`/`offline` events (default: `window` when
   * there is one). `online` reconnects at once instead of waiting for the backoff.
   */
  network?: NetworkTarget | null;
  /** Where to listen for `visibilitychange` (default: `document`); a page shown again reconnects at once. */
  visibility?: { addEventListener(type: 'visibilitychange', fn: () => void): void; removeEventListener(type: 'visibilitychange', fn: () => void): void; readonly visibilityState?: VisibilityState } | null;
}

/**
 * The rich presence of a view, validated for display: a game's `opponent`, `score` and
 * `mode` from `activity_details` (strings or numbers; anything else is ignored) and
 * `activity_since` as a Date. Servers without these fields give all nulls.
 */
export function richPresence(view: View): { opponent: string | null; score: string | null; mode: string | null; since: Date | null } {
  const d = view.activity_details ?? {};
  const str = (x: unknown): string | null =>
    typeof x === 'string' && x.trim() ? x.trim() : typeof x === 'number' && Number.isFinite(x) ? String(x) : null;
  const sinceMs = typeof view.activity_since === 'string' ? Date.parse(view.activity_since) : NaN;
  return { opponent: str(d.opponent), score: str(d.score), mode: str(d.mode), since: Number.isFinite(sinceMs) ? new Date(sinceMs) : null };
}

/** The part of `window` the client watches to reconnect at once (`online`, `offline`, visibility). */
export interface NetworkTarget {
  addEventListener(type: 'online' | 'offline', fn: () => void): void;
  removeEventListener(type: 'online' | 'offline', fn: () => void): void;
}
