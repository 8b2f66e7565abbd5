/**
 * Registration, login, logout and token checks; a user's own logins (list, end one or all but
 * this one) and password changes. Passwords are hashed with argon2id.
 */
import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Role, User } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { displayNameFrom } from '../users/display-name.js';
import type { UserRecord, UserRepository } from '../users/user-repository.js';
import type { DeviceTokens } from './device-tokens.js';
import type { LastUses } from './last-uses.js';
import type { LoginThrottle } from './login-throttle.js';
import { passwordProblem } from './password-policy.js';
import type { LiveSession, NewSession, SessionRepository } from './session-repository.js';
import type { TokenService } from './tokens.js';

/** Who is calling: set on every authenticated request and socket. */
export interface AuthContext {
  userId: number;
  sessionId: string;
  role: Role;
  /** Token expiry, ms since the epoch. */
  expiresAt: number;
}

export interface AuthResult {
  token: string;
  user: User;
  /** Names this device for this account at the next login (device-tokens.ts). */
  device_token: string;
}

type RevokedListener = (sessionId: string, userId: number) => void;

/**
 * A login's last use is noted (last-uses.ts) when the one recorded is at least this old: a row
 * written per login per 5 min at most, not per request, and the sessions list says when a
 * login was last used to within this.
 */
export const LAST_USED_STEP_MS = 5 * 60_000;

export class AuthService {
  #revokedListeners: RevokedListener[] = [];
  /** A real hash to verify against when the username is unknown, so timing does not reveal which usernames exist. */
  #dummyHash: Promise<string> = hash('not-a-real-password-0000');

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly tokens: TokenService,
    private readonly devices: DeviceTokens,
    private readonly opts: {
      tokenTtlS: number;
      now: () => number;
      /** Failed-login budgets per account (null: BEACON_RATE_LIMITS=off). */
      throttle: LoginThrottle | null;
      /** Where token checks note each login's use, written behind (none: not recorded). */
      lastUses?: LastUses;
      /** Embedded and sidecar modes: the host's tokens, and only those, authenticate (integration/host-auth.ts). */
      external?: (token: string) => Promise<AuthContext | null>;
      /** Embedded and sidecar modes: how one host token's login ends (integration/host-auth.ts, hostTokenSignOut). */
      externalSignOut?: (token: string) => Promise<{ sessionId: string; userId: number; ended: boolean } | null>;
    },
  ) {}

  async register(input: { username: string; password: string; displayName?: string; userAgent: string | null }): Promise<AuthResult> {
    const problem = passwordProblem(input.password, input.username);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    // No display name: the username. One given must show something (users/display-name.ts), as on a rename.
    const displayName = input.displayName === undefined ? input.username : displayNameFrom(input.displayName);
    const passwordHash = await hash(input.password);
    // Never admin by registering a name, even one in BEACON_ADMINS (see users/admin-roles.ts).
    const role: Role = 'user';
    const user = await this.users.register({
      username: input.username,
      displayName,
      passwordHash,
      role,
      now: this.opts.now(),
    });
    if (user === 'taken') throw new AppError('CONFLICT', 'That username is taken');
    if (user === 'lookalike') {
      throw new AppError('CONFLICT', 'That username is too like an existing username (I, l and 1 look alike, as do O and 0, rn and m, vv and w); choose another');
    }
    // A new account: its password is known to this request only, nothing to check again.
    const session = this.#newSession(user.id, input.userAgent);
    await this.sessions.create(session);
    return { token: this.#token(session), user, device_token: this.devices.issue(user.id, passwordHash) };
  }

  /** Throws LoginFailed (an AppError) for a wrong password, an unknown username or a spent failed-login budget. */
  async login(input: { username: string; password: string; deviceToken?: string; userAgent: string | null }): Promise<AuthResult> {
    const key = input.username.toLowerCase();
    const record = await this.users.findByUsername(input.username);
    // A device this account logged in from before, with its current password, has a failed-login budget of its own.
    const device = record ? this.devices.deviceOf(input.deviceToken, record.id, record.passwordHash) : null;
    // Counted before the password is checked (login-throttle.ts), forgotten if it is right; an
    // unknown username is counted alike (answered alike), only forgotten first when memory is full.
    const wait = (await this.opts.throttle?.attempt(key, device, record !== null)) ?? 0;
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      throw new LoginFailed(
        record?.id ?? null,
        'too many failed logins',
        'RATE_LIMITED',
        device === null
          ? `Too many failed logins for this account; try again in ${minutes} min, or log in from a device you have used before`
          : `Too many failed logins for this account from this device; try again in ${minutes} min`,
        { retryAfterMs: wait },
      );
    }
    const ok = record
      ? await verify(record.passwordHash, input.password).catch(() => false)
      : await verify(await this.#dummyHash, input.password).then(() => false, () => false);
    if (!record || !ok) {
      throw new LoginFailed(record?.id ?? null, record ? 'wrong password' : 'no such account', 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
    // Written only if the password is still the one just checked (session-repository.ts): a
    // password change that came first makes this the wrong password now, answered as one (and
    // still counted in the budget).
    const session = this.#newSession(record.id, input.userAgent);
    if (!(await this.sessions.createIfHashStill(session, record.passwordHash))) {
      throw new LoginFailed(record.id, 'password changed meanwhile', 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
    await this.opts.throttle?.succeeded(key, device);
    const { passwordHash: _hash, ...user } = record;
    return {
      token: this.#token(session),
      user,
      device_token: device === null ? this.devices.issue(user.id, record.passwordHash) : input.deviceToken!,
    };
  }

  /** Revokes the session at once and tells listeners (the gateway closes its sockets with 4000). */
  async logout(auth: AuthContext): Promise<void> {
    await this.sessions.revoke(auth.sessionId, this.opts.now());
    this.revoked(auth.sessionId, auth.userId);
  }

  /**
   * Ends the one login a token belongs to (`app.beacon.signOutToken`: the host logged it out):
   * its sockets close with 4000 on every instance, and the token is refused from then on. In a
   * host mode, also a token Beacon has not seen yet that the host's identity still accepts.
   * Answers whether a login Beacon knew ended.
   */
  async signOutToken(token: string): Promise<boolean> {
    if (this.opts.externalSignOut) {
      const login = await this.opts.externalSignOut(token);
      if (login === null) return false;
      this.revoked(login.sessionId, login.userId);
      return login.ended;
    }
    const auth = await this.authenticate(token);
    if (!auth || !(await this.sessions.revoke(auth.sessionId, this.opts.now()))) return false;
    this.revoked(auth.sessionId, auth.userId);
    return true;
  }

  /**
   * Signs the user out of every login at once (a host signed them out, or deleted them): each
   * session is revoked and its sockets close with 4000 on every instance. Answers how many.
   */
  async signOutEverywhere(userId: number): Promise<number> {
    const ids = await this.sessions.revokeAll(userId, this.opts.now());
    for (const id of ids) this.revoked(id, userId);
    return ids.length;
  }

  /**
   * The account's password entered again by a signed-in login, for a change that needs it (a
   * password change, deleting the account): checked as at login (argon2), and counted in a
   * failed-password budget of the calling login (login-throttle.ts), one budget for every route
   * that asks, so a stolen token gets no more guesses than a login, and strangers spending the
   * account's budget for unknown devices do not lock the owner out of it. `wrong`: the message
   * of a wrong password (401 INVALID_CREDENTIALS); 429 RATE_LIMITED once the budget is spent.
   */
  async confirmPassword(auth: AuthContext, password: string, wrong: string): Promise<void> {
    const record = await this.users.findRecordById(auth.userId);
    if (!record) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    await this.#confirm(auth, record, password, wrong);
  }

  async #confirm(auth: AuthContext, record: UserRecord, password: string, wrong: string): Promise<void> {
    // The login's own budget (login-throttle.ts): not the account's for unknown devices, which strangers can spend.
    const key = record.username.toLowerCase();
    const login = { login: auth.sessionId };
    const wait = (await this.opts.throttle?.attempt(key, login)) ?? 0;
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', `Too many wrong passwords from this login; try again in ${Math.ceil(wait / 60_000)} min`, { retryAfterMs: wait });
    }
    if (!(await verify(record.passwordHash, password).catch(() => false))) throw new AppError('INVALID_CREDENTIALS', wrong);
    await this.opts.throttle?.succeeded(key, login);
  }

  /**
   * A new password, the current one entered again (confirmPassword: the login's budget), the new
   * one by the rules of registration. Every other login of the user ends (its sockets close with
   * 4000 on every instance); the caller's stays. Answers how many ended, and a device token for
   * the caller's device: the tokens made before name no known device any more (device-tokens.ts).
   */
  async changePassword(auth: AuthContext, currentPassword: string, newPassword: string): Promise<{ ended: number; deviceToken: string }> {
    const record = await this.users.findRecordById(auth.userId);
    if (!record) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    // The new password's rules first: refusing it tells nothing of the current one, and costs no attempt.
    const problem = passwordProblem(newPassword, record.username);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    if (newPassword === currentPassword) throw new AppError('VALIDATION_ERROR', 'The new password must differ from the current one');
    await this.#confirm(auth, record, currentPassword, 'Wrong current password');
    // Written only if the password is still the one just checked and this login is still live
    // (session-repository.ts): a change or an end of logins that came first wins.
    const newHash = await hash(newPassword);
    const ended = await this.sessions.replacePassword(auth.userId, newHash, this.opts.now(), { sessionId: auth.sessionId, checkedHash: record.passwordHash });
    if (ended === 'no account') throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    if (ended === 'login ended') throw loginEnded();
    if (ended === 'changed meanwhile') throw new AppError('CONFLICT', 'The password was changed meanwhile');
    for (const id of ended) this.revoked(id, auth.userId);
    return { ended: ended.length, deviceToken: this.devices.issue(auth.userId, newHash) };
  }

  /**
   * The caller's live logins, the latest used first: each one's last use as written, or as noted
   * here since (last-uses.ts); the caller's own is in use now.
   */
  async sessionsOf(auth: AuthContext): Promise<LiveSession[]> {
    const now = this.opts.now();
    const rows = await this.sessions.listLive(auth.userId, now);
    const latest = rows.map((s) => ({ ...s, lastUsedAt: s.id === auth.sessionId ? now : Math.max(s.lastUsedAt, this.opts.lastUses?.of(s.id) ?? 0) }));
    // listLive's order, moved by what is noted here.
    return latest.sort((a, b) => b.lastUsedAt - a.lastUsedAt || b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Ends one of the caller's logins (the caller's own: a logout). NOT_FOUND for an id that is no
   * live login of the caller's, another user's alike.
   */
  async endSession(auth: AuthContext, sessionId: string): Promise<void> {
    const ended = await this.sessions.revokeOwn(sessionId, auth.userId, auth.sessionId, this.opts.now());
    if (ended === 'login ended') throw loginEnded();
    if (ended === 'not found') throw new AppError('NOT_FOUND', 'No such session');
    this.revoked(sessionId, auth.userId);
  }

  /** Ends every login of the caller but the calling one; answers how many. */
  async endOtherSessions(auth: AuthContext): Promise<number> {
    const ended = await this.sessions.revokeOthers(auth.userId, auth.sessionId, this.opts.now());
    if (ended === null) throw loginEnded();
    for (const id of ended) this.revoked(id, auth.userId);
    return ended.length;
  }

  /** Announces a revocation (local logout, or one heard from another instance). */
  revoked(sessionId: string, userId: number): void {
    for (const fn of this.#revokedListeners) fn(sessionId, userId);
  }

  onRevoked(fn: RevokedListener): void {
    this.#revokedListeners.push(fn);
  }

  /** The caller behind a bearer token, or null if the token is bad, expired or revoked. */
  async authenticate(token: string): Promise<AuthContext | null> {
    if (this.opts.external) return this.opts.external(token);
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const session = await this.sessions.findLive(claims.sessionId, claims.userId);
    if (!session) return null;
    const now = this.opts.now();
    // Noted in memory only, written behind in batches (last-uses.ts): no write on a token check.
    if (now - session.lastUsedAt >= LAST_USED_STEP_MS) this.opts.lastUses?.note(claims.sessionId, now);
    return { userId: claims.userId, sessionId: claims.sessionId, role: session.role, expiresAt: claims.expiresAt };
  }

  /** A new login's session (its row not written yet). */
  #newSession(userId: number, userAgent: string | null): NewSession {
    const now = this.opts.now();
    return { id: randomUUID(), userId, now, expiresAt: now + this.opts.tokenTtlS * 1000, userAgent };
  }

  /** The token of a session whose row is written. */
  #token(s: NewSession): string {
    return this.tokens.sign({ userId: s.userId, sessionId: s.id, expiresAt: s.expiresAt });
  }
}

/**
 * The calling login was ended (by its user from another login, a password change, a reset)
 * after its request was let in: answered as its token would be now.
 */
const loginEnded = (): AppError => new AppError('UNAUTHORIZED', 'Invalid, expired or revoked token');

/**
 * A login refused for its credentials or its failed-login budget: what the route logs (`login
 * failed`), with the account's id when there is one (never the username a client typed, which
 * may be a password typed in the wrong field, nor the password).
 */
export class LoginFailed extends AppError {
  constructor(
    readonly userId: number | null,
    /** 'password changed meanwhile': the password was right when checked, but a change landed before the login was written. */
    readonly reason: 'wrong password' | 'no such account' | 'too many failed logins' | 'password changed meanwhile',
    ...error: ConstructorParameters<typeof AppError>
  ) {
    super(...error);
  }
}
