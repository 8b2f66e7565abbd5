/** Typed REST client for every `/api/v1` endpoint of CONTRACT.md. */
import type {
  Activity,
  BlockedUser,
  CalendarInfo,
  Friend,
  FriendCategory,
  FriendRequest,
  HistoryInfo,
  ManualStatus,
  NotificationSettings,
  PasswordChanged,
  PatternInfo,
  PushSubscriptionBody,
  ScheduleBody,
  Watch,
  SessionInfo,
  Settings,
  SignedOut,
  User,
  View,
} from '../protocol/index.js';

export type { BlockedUser, CalendarInfo, HistoryInfo, NotificationSettings, PasswordChanged, PatternInfo, SessionInfo, SignedOut, Watch };
import { readToken, tokenWithin, type TokenSource } from './token-source.js';
import { defaultTimers, normalizeBaseUrl } from './transport.js';

/** What a sign-up or login answers: the session's token, the account, and this device's token. */
export interface AuthSession {
  token: string;
  user: User;
  /** Keep on this device; pass to the next `login` of this account. */
  device_token: string;
}

/** A failed API call. `code` is the contract's error code, or `NETWORK_ERROR` when no response came. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the request never got a response. */
  readonly status: number;
  /** Stable upper-snake-case code from the JSON body (e.g. `INVALID_CREDENTIALS`). */
  readonly code: string;
  /**
   * From the response's `Retry-After` (a 429 has one): milliseconds until asking again can
   * succeed, e.g. 24 h after a declined friend request; undefined without a usable header.
   */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, code: string, message: string, retryAfterMs?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A write sent with a version (`If-Match`) that is no longer the stored one: it was changed
 * elsewhere (another tab or device) since it was read, and nothing was saved. Read it again,
 * apply the change to what it holds now, and send that with the new version. Status 412, code
 * `PRECONDITION_FAILED`.
 */
export class PreconditionFailedError extends ApiError {
  /**
   * The version stored now, from the 412's `ETag` (`"9"`, to pass back as is); null from a
   * server that sends none. It tells which version won, not what it holds: read that before
   * saving over it.
   */
  readonly currentVersion: string | null;

  constructor(message: string, currentVersion: string | null = null) {
    super(412, 'PRECONDITION_FAILED', message);
    this.currentVersion = currentVersion;
  }
}

/** A stored resource with its version (the `ETag` of its read), for a write that must not replace another's. */
export interface Versioned<T> {
  value: T;
  /** The server's entity tag (`"7"`), to pass back as is; null from a server that sends none (then nothing is checked). */
  version: string | null;
}

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** http(s) origin of the Beacon server; `''` for the page's own origin. */
  baseUrl: string;
  /**
   * Current bearer token, read on every call so a new login takes effect at once; may return a
   * promise (a refresh under way). One that fails fails the call as `TOKEN_UNAVAILABLE` (status 0).
   */
  getToken: TokenSource;
  /** Defaults to the global `fetch`. */
  fetchImpl?: typeof fetch;
  /**
   * A request with no answer by then fails as NETWORK_ERROR (a hung server must not leave
   * a poll, and the connection state, waiting forever). Default 10000 ms.
   */
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// Used when an error response has no usable JSON body (a proxy's HTML 502, say).
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Thin typed wrapper over fetch. The token travels only in the `Authorization` header,
 * never in a URL, so it cannot leak into logs, history or `Referer`.
 */
export class ApiClient {
  readonly #base: string;
  readonly #getToken: TokenSource;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  /** The server refused `?reconnect=1` once (a version before it): it is not sent again. */
  #noReconnectFlag = false;
  /** The server has no GET /users/me/status (a version before it): it is not asked again. */
  #noOwnStatusRoute = false;

  constructor(opts: ApiClientOptions) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#base = normalizeBaseUrl(opts.baseUrl);
    this.#getToken = opts.getToken;
    // Wrapped rather than stored bare: calling window.fetch with another `this` throws.
    this.#fetch = opts.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Creates an account and returns its first session. Keep `device_token` on this device and
   * pass it to the next `login` of this account (see `login`).
   */
  register(username: string, password: string, display_name?: string): Promise<AuthSession> {
    const body = display_name === undefined ? { username, password } : { username, password, display_name };
    return this.#request('POST', '/auth/register', body, false);
  }

  /**
   * Logs in. `deviceToken`: the `device_token` an earlier login or sign-up of this account
   * returned on this device; with it, failed logins by strangers (who can lock an account for
   * unknown devices) never lock this device out. Keep the one the answer returns.
   */
  login(username: string, password: string, deviceToken?: string): Promise<AuthSession> {
    const body = deviceToken === undefined ? { username, password } : { username, password, device_token: deviceToken };
    return this.#request('POST', '/auth/login', body, false);
  }

  /** Revokes this session's token server-side (its sockets close with 4000). */
  async logout(): Promise<void> {
    await this.#request('POST', '/auth/logout');
  }

  me(): Promise<User> {
    return this.#request('GET', '/users/me');
  }

  /** Sets the caller's display name (1–40 characters, trimmed); friends see it live. */
  setDisplayName(displayName: string): Promise<User> {
    return this.#request('PATCH', '/users/me', { display_name: displayName });
  }

  /** Username prefix search (the server returns at most 20). */
  searchUsers(prefix: string): Promise<User[]> {
    return this.#request('GET', `/users?query=${encodeURIComponent(prefix)}`);
  }

  friends(): Promise<Friend[]> {
    return this.#request('GET', '/users/me/friends');
  }

  friendRequests(): Promise<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }> {
    return this.#request('GET', '/users/me/friends/requests');
  }

  /** `{request}` normally; `{friend}` when the other side had already asked (auto-accept). */
  sendFriendRequest(userId: number): Promise<{ request?: FriendRequest; friend?: Friend }> {
    return this.#request('POST', '/users/me/friends/requests', { user_id: userId });
  }

  async acceptFriendRequest(id: number): Promise<Friend> {
    return (await this.#request<{ friend: Friend }>('POST', `/users/me/friends/requests/${seg(id)}/accept`)).friend;
  }

  /** Declines an incoming request, or cancels one's own outgoing request. */
  async declineFriendRequest(id: number): Promise<void> {
    await this.#request('POST', `/users/me/friends/requests/${seg(id)}/decline`);
  }

  async setFriendCategory(userId: number, category: FriendCategory): Promise<Friend> {
    return (await this.#request<{ friend: Friend }>('PATCH', `/users/me/friends/${seg(userId)}`, { category }))
      .friend;
  }

  /** Unfriends in both directions. */
  async removeFriend(userId: number): Promise<void> {
    await this.#request('DELETE', `/users/me/friends/${seg(userId)}`);
  }

  /** Invites a friend to a Pong match; they get a `game_invite` event. */
  async inviteToGame(userId: number): Promise<string> {
    return (await this.#request<{ invite_id: string }>('POST', `/users/me/friends/${seg(userId)}/invite`)).invite_id;
  }

  /** Accepts a friend's invitation; they get `game_invite_accepted`, and every socket of yours `game_invite_closed`. */
  async acceptGameInvite(fromUserId: number, inviteId: string): Promise<void> {
    await this.#request('POST', `/users/me/friends/${seg(fromUserId)}/invite/${encodeURIComponent(inviteId)}/accept`);
  }

  /** Blocks a user: unfriends both sides, closes requests, and they see you as a stranger. */
  async blockUser(userId: number): Promise<void> {
    await this.#request('POST', '/users/me/blocks', { user_id: userId });
  }

  /**
   * The users you blocked, by username: `{user_id, username, display_name, since}` (`since`:
   * when you blocked them). Names are user text: show them as text, never as HTML.
   */
  listBlocks(): Promise<BlockedUser[]> {
    return this.#request('GET', '/users/me/blocks');
  }

  /** Lifts a block (friendship does not come back); 404 `NOT_FOUND` if they are not blocked. */
  async unblockUser(userId: number): Promise<void> {
    await this.#request('DELETE', `/users/me/blocks/${seg(userId)}`);
  }

  /**
   * Friends' views, sorted by the server (online, in_game, busy, away, then offline).
   * `automatic`: the client asks by itself (polling after its connection was lost, a resync),
   * not because a person did anything: sent as `?reconnect=1`, so the poll that opens a
   * polling session is no interaction (docs/protocol.md §5). A server older than that flag
   * refuses it with 400: the request is then made without it, and the flag is not sent again.
   */
  async friendsStatus(onlineOnly = false, automatic = false): Promise<View[]> {
    const path = (reconnect: boolean) => {
      const q = new URLSearchParams();
      if (onlineOnly) q.set('online', 'true');
      if (reconnect) q.set('reconnect', '1');
      const query = q.toString();
      return `/users/me/friends/status${query ? `?${query}` : ''}`;
    };
    if (!automatic || this.#noReconnectFlag) return this.#request('GET', path(false));
    try {
      return await this.#request<View[]>('GET', path(true));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 400)) throw err;
      this.#noReconnectFlag = true;
      return this.#request('GET', path(false));
    }
  }

  /** One user's view as the caller may see it (404 `NOT_FOUND` if no such user). */
  userStatus(userId: number): Promise<View> {
    return this.#request('GET', `/users/${seg(userId)}/status`);
  }

  /**
   * Several users' views as the caller may see them (GET /users/status, up to 30 ids; each as
   * userStatus answers it), in the order asked; a user that does not exist is left out.
   */
  usersStatus(userIds: readonly number[]): Promise<View[]> {
    return this.#request('GET', `/users/status?ids=${userIds.map((id) => seg(id)).join(',')}`);
  }

  /**
   * Your own full view (GET /users/me/status), one request. A server from before that route
   * answers it 400 (it reads `me` as an id): this client then reads it as GET /users/<id>/status,
   * the id being `selfId` or, without it, GET /users/me's, and does not ask that server for
   * /users/me/status again. A 404 is read the same way for this call only: it may be a proxy in
   * the middle of a deploy, or an account just deleted, not what the server is.
   */
  async ownStatus(selfId?: number): Promise<View> {
    if (!this.#noOwnStatusRoute) {
      try {
        return await this.#request<View>('GET', '/users/me/status');
      } catch (err) {
        if (!(err instanceof ApiError && (err.status === 400 || err.status === 404))) throw err;
        if (err.status === 400) this.#noOwnStatusRoute = true;
      }
    }
    return this.userStatus(selfId ?? (await this.me()).id);
  }

  /** Manual status; `online` returns to automatic mode. `expiresAt` clears the message. */
  setStatus(status: ManualStatus, customMessage?: string | null, expiresAt?: string | null): Promise<View> {
    const body: Record<string, unknown> = { status };
    if (customMessage !== undefined) body.custom_message = customMessage;
    if (expiresAt !== undefined) body.expires_at = expiresAt;
    return this.#request('PUT', '/users/me/status', body);
  }

  /**
   * Declares an activity. `sessionId`: the socket declaring it (its `ready.session_id`): a game
   * activity then lasts while that socket does (docs/protocol.md §5 "Activities and games").
   * `keepalive`: the request outlives the page (sent from `pagehide`).
   */
  setActivity(activity: Activity, details?: Record<string, unknown>, opts: { sessionId?: string; keepalive?: boolean } = {}): Promise<View> {
    const body: Record<string, unknown> = { activity };
    if (details !== undefined) body.details = details;
    if (opts.sessionId !== undefined) body.session_id = opts.sessionId;
    return this.#request('POST', '/users/me/activity', body, true, opts.keepalive === true);
  }

  getSettings(): Promise<Settings> {
    return this.#request('GET', '/users/me/status/settings');
  }

  /**
   * Tells the server the user is active, for clients without a socket (reads never count
   * as activity). POST /api/v1/users/me/interaction, 204.
   */
  async reportInteraction(): Promise<void> {
    await this.#request('POST', '/users/me/interaction');
  }

  /** Your status schedule (GET /users/me/status/schedule). */
  getSchedule(): Promise<ScheduleBody> {
    return this.#request('GET', '/users/me/status/schedule');
  }

  /**
   * Your status schedule with its version (the `ETag`), for `setSchedule`'s `ifVersion`: read it
   * just before changing it, so that a change saved on another device meanwhile is not undone.
   */
  async getVersionedSchedule(): Promise<Versioned<ScheduleBody>> {
    const { body, version } = await this.#send<ScheduleBody>('GET', '/users/me/status/schedule');
    return { value: body, version };
  }

  /**
   * Replaces your status schedule; no rules removes the rules (the zone stays). With
   * `ifVersion` (from `getVersionedSchedule`), only if the schedule is still that version: if
   * it was saved elsewhere since, nothing is saved and the call fails with a
   * `PreconditionFailedError` (read it again and apply the change to what it holds).
   */
  async setSchedule(schedule: ScheduleBody, opts: { ifVersion?: string | null } = {}): Promise<ScheduleBody> {
    return (await this.setVersionedSchedule(schedule, opts)).value;
  }

  /**
   * `setSchedule` answering the saved schedule with its new version (the `ETag` of the save;
   * null from a server that sends none): the `ifVersion` of a next save, with no read between.
   * A 412's `PreconditionFailedError` carries the version stored now (`currentVersion`).
   */
  async setVersionedSchedule(schedule: ScheduleBody, opts: { ifVersion?: string | null } = {}): Promise<Versioned<ScheduleBody>> {
    const { body, version } = await this.#send<ScheduleBody>('PUT', '/users/me/status/schedule', schedule, { ifMatch: opts.ifVersion ?? undefined });
    return { value: body, version };
  }

  /** Your calendar feed's state (the URL itself is never sent back). */
  getCalendar(): Promise<CalendarInfo> {
    return this.#request('GET', '/users/me/calendar');
  }

  /** Sets your calendar feed; refused (400) if it cannot be read. */
  setCalendar(url: string, shareTitles: boolean): Promise<CalendarInfo> {
    return this.#request('PUT', '/users/me/calendar', { url, share_titles: shareTitles });
  }

  async removeCalendar(): Promise<void> {
    await this.#request('DELETE', '/users/me/calendar');
  }

  /** Your own week × hour pattern over the last `days` days. */
  getHistory(days = 28, timeZone?: string): Promise<HistoryInfo> {
    const q = new URLSearchParams({ days: String(days), ...(timeZone ? { time_zone: timeZone } : {}) });
    return this.#request('GET', `/users/me/status/history?${q.toString()}`);
  }

  /** A user's usual online hours, when they share them with you (403 FORBIDDEN otherwise). */
  userPattern(userId: number): Promise<PatternInfo> {
    return this.#request('GET', `/users/${seg(userId)}/pattern`);
  }

  /** The server's VAPID public key, for `pushManager.subscribe({ applicationServerKey })`. */
  async vapidPublicKey(): Promise<string> {
    return (await this.#request<{ public_key: string }>('GET', '/push/vapid-public-key')).public_key;
  }

  /** Saves this browser's push subscription (`PushSubscription.toJSON()`). */
  async savePushSubscription(sub: PushSubscriptionBody): Promise<void> {
    await this.#request('PUT', '/users/me/push-subscription', sub);
  }

  async deletePushSubscription(endpoint: string): Promise<void> {
    await this.#request('DELETE', '/users/me/push-subscription', { endpoint });
  }

  notificationSettings(): Promise<NotificationSettings> {
    return this.#request('GET', '/users/me/notifications/settings');
  }

  setNotificationPeriod(minutes: number): Promise<NotificationSettings> {
    return this.#request('PUT', '/users/me/notifications/settings', { period_minutes: minutes });
  }

  /** Friends you are told about when they come online. */
  watches(): Promise<Watch[]> {
    return this.#request('GET', '/users/me/notifications/watches');
  }

  /** "Tell me when this friend comes online" (friends only). */
  watch(userId: number): Promise<Watch> {
    return this.#request('PUT', `/users/me/notifications/watches/${seg(userId)}`);
  }

  async unwatch(userId: number): Promise<void> {
    await this.#request('DELETE', `/users/me/notifications/watches/${seg(userId)}`);
  }

  updateSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.#request('PUT', '/users/me/status/settings', patch);
  }

  /** Stops appearing offline: the server restores the audience in force when the user hid (POST /users/me/status/unhide). */
  unhide(): Promise<Settings> {
    return this.#request('POST', '/users/me/status/unhide');
  }

  /** Everything Beacon stores about the caller, as JSON (GET /users/me/export). */
  exportData(): Promise<Record<string, unknown>> {
    return this.#request('GET', '/users/me/export');
  }

  /** Deletes the caller's account and everything about it; the password is entered again. */
  async deleteAccount(password: string): Promise<void> {
    await this.#request('DELETE', '/users/me', { password });
  }

  /**
   * A new password, the current one entered again (PUT /users/me/password; standalone Beacon).
   * Every other login of the account ends (their sockets close with 4000), this one stays;
   * `signed_out` says how many ended; `device_token` replaces this device's token (the ones made
   * before the change name no known device any more: keep it and send it with the next login). A
   * wrong current password fails with `INVALID_CREDENTIALS` (10 per 15 min per login, then
   * `RATE_LIMITED` with `retryAfterMs`), a new one the rules refuse with `VALIDATION_ERROR` (its
   * message says why).
   */
  changePassword(currentPassword: string, newPassword: string): Promise<PasswordChanged> {
    return this.#request('PUT', '/users/me/password', { current_password: currentPassword, new_password: newPassword });
  }

  /** The caller's live logins, the latest used first; `current` is this one; never a token (GET /users/me/sessions). */
  listSessions(): Promise<SessionInfo[]> {
    return this.#request('GET', '/users/me/sessions');
  }

  /** Ends one of the caller's logins by its `id` (its sockets close with 4000; this one's: a logout). `NOT_FOUND` for no live login of the caller's. */
  async endSession(id: string): Promise<void> {
    await this.#request('DELETE', `/users/me/sessions/${encodeURIComponent(id)}`);
  }

  /** Ends every login of the caller but this one ("sign out everywhere else"); `signed_out` says how many. */
  endOtherSessions(): Promise<SignedOut> {
    return this.#request('DELETE', '/users/me/sessions');
  }

  async #request<T>(method: Method, path: string, body?: unknown, auth = true, keepalive = false): Promise<T> {
    return (await this.#send<T>(method, path, body, { auth, keepalive })).body;
  }

  /** A request; its answer's body and `ETag` (the version of what it answers, null without one). */
  async #send<T>(method: Method, path: string, body?: unknown, opts: { auth?: boolean; keepalive?: boolean; ifMatch?: string | undefined } = {}): Promise<{ body: T; version: string | null }> {
    const { auth = true, keepalive = false, ifMatch } = opts;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (ifMatch !== undefined) headers['If-Match'] = ifMatch;
    if (auth) {
      // A token given at once keeps the request synchronous up to fetch.
      const read = readToken(this.#getToken);
      let token: string | null | undefined;
      if ('now' in read) token = read.now;
      else if ('failed' in read) throw tokenUnavailable(read.failed);
      // Bounded by the request timeout: one that fails or hangs fails the call.
      else token = await tokenWithin(read.later, this.#timeoutMs, defaultTimers).catch((err: unknown) => Promise.reject(tokenUnavailable(err)));
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    // No Content-Type without a body: Fastify rejects an empty body declared as JSON.
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        ...(keepalive ? { keepalive } : {}),
        signal: typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(this.#timeoutMs) : undefined,
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK_ERROR', err instanceof Error ? err.message : 'Network request failed');
    }
    const text = res.status === 204 ? '' : await readText(res);
    const json = parseJson(text);
    const version = res.headers?.get('etag') ?? null;
    if (!res.ok) throw toApiError(res.status, json, retryAfterMs(res), version);
    return { body: json as T, version };
  }
}

// Ids are numbers by type, but callers may pass anything at runtime: keep paths intact.
function seg(id: number): string {
  return encodeURIComponent(String(id));
}

async function readText(res: Response): Promise<string> {
  try {
    return await res.text();
  } catch {
    return '';
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in milliseconds when it is a number of seconds (Beacon never sends a date). */
function retryAfterMs(res: Response): number | undefined {
  const raw = res.headers?.get('retry-after')?.trim();
  return raw && /^\d+$/.test(raw) ? Number(raw) * 1000 : undefined;
}

/** getToken threw or rejected: no request was sent (the host could not produce a token). */
function tokenUnavailable(err: unknown): ApiError {
  return new ApiError(0, 'TOKEN_UNAVAILABLE', `getToken failed: ${err instanceof Error ? err.message : String(err)}`);
}

/** `version`: the answer's `ETag` (a 412 names the version stored now). */
function toApiError(status: number, json: unknown, retryAfter: number | undefined, version: string | null): ApiError {
  const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const code =
    typeof obj.code === 'string' ? obj.code : (CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR'));
  const message = typeof obj.message === 'string' ? obj.message : `Request failed with status ${status}`;
  if (status === 412) return new PreconditionFailedError(message, version);
  return new ApiError(status, code, message, retryAfter);
}
