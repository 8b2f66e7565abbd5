/**
 * Turns a host's identity port into Beacon's AuthContext. A host token gets a login session
 * row of its own (id derived from the token's hash, never the token), created once, so
 * presence can tell one tab's login from another and the socket closes when the token expires.
 * Rows are deleted a day after their expiry (`Housekeeping`). After the host signs a user out
 * (`app.beacon.signOut`, `POST /service/users/:id/sign-out`) or deletes them, a token is
 * refused, even while the host's identity port (or the JWT's signature) still accepts it, when
 * its row was revoked (a token Beacon saw; the row of one with no expiry is never deleted once
 * revoked), or when it was issued (`iat`) before the sign-out, seen or not. A token issued in
 * the same second as the sign-out counts as issued after it (`iat` has whole seconds).
 *
 * A token issued in the future is refused: its `iat` is more than ISSUED_AHEAD_MAX_MS ahead of
 * Beacon's clock. Otherwise such a token (a host whose clock is far ahead, or one minted to be
 * kept for later) would count as issued after every sign-out until that moment came, and would
 * name the user over every rename meanwhile. A host clock a little ahead is tolerated.
 */
import type { AuthContext } from '../auth/auth-service.js';
import type { Role } from '../../protocol/index.js';
import { HOST_ID_RULE, isHostId } from '../../protocol/integration.js';
import type { Db } from '../db/database.js';
import type { IdentityPort } from '../ports/identity.js';
import type { SessionRepository } from '../auth/session-repository.js';
import type { IdMap } from './id-map.js';
import { hostSessionIds } from './host-token-id.js';
import { AppError } from '../errors.js';
import type { HostUser } from '../ports/identity.js';
import { bounded, HOST_PORT_TIMEOUT_MS, PortTimeout } from './bounded-call.js';

/** How far ahead of Beacon's clock a token's issue time may be (hosts' clocks drift): a minute. */
export const ISSUED_AHEAD_MAX_MS = 60_000;

/** Tokens whose row's expiry is remembered; beyond this the memory starts over (a row is written again). */
const RECORDED_MAX = 10_000;

export interface HostAuthOptions {
  db: Db;
  sessions: Pick<SessionRepository, 'hostTokenRefused'>;
  identity: IdentityPort;
  ids: IdMap;
  now: () => number;
  /** Lifetime given to a token that says nothing of its expiry, in seconds. */
  tokenTtlS: number;
  /** A token named its user differently from before: friends are to see the new name (presence.renamed). */
  renamed?: (userId: number) => void;
  /** Told why a token the identity port accepted is refused all the same (the client hears 401 / 4401); never the token. */
  refused?: (reason: string) => void;
  /** Told that the identity port did not answer within `timeoutMs` (the request answers 503). */
  unanswered?: (reason: string) => void;
  /** The bound on each `authenticate` (HOST_PORT_TIMEOUT_MS by default). */
  timeoutMs?: number;
}

/**
 * The identity port did not answer in time: no refusal of the token (a 401 would sign the page
 * out for good), but the site's sign-in check unavailable: REST answers 503, a socket closes 1011
 * `auth check timed out` (the client retries with backoff).
 */
export class HostIdentityUnavailable extends AppError {
  constructor() {
    super('SERVICE_UNAVAILABLE', "The site's sign-in check did not answer in time; try again shortly");
  }
}

/**
 * The identity port's answer within the bound: null when it refuses, throws or rejects (a throw
 * counts as a refusal, docs/integration.md, "Ports and their contracts"); HostIdentityUnavailable when it hangs.
 */
function authenticateWithin(o: Pick<HostAuthOptions, 'identity' | 'unanswered' | 'timeoutMs'>, token: string): Promise<HostUser | null> {
  return bounded(() => o.identity.authenticate(token), o.timeoutMs ?? HOST_PORT_TIMEOUT_MS, 'the identity port').catch((err: unknown) => {
    if (!(err instanceof PortTimeout)) return null;
    o.unanswered?.(err.message);
    throw new HostIdentityUnavailable();
  });
}

export function hostAuthenticator(o: HostAuthOptions): (token: string) => Promise<AuthContext | null> {
  /**
   * Session id → the expiry its row holds, and the name and role the identity port last gave
   * for it: a known token costs no write, and a new name for the same token (a host whose
   * `authenticate` reads the user's current profile) still reaches friends.
   */
  const recorded = new Map<string, { expiresAt: number; name: string | undefined; role: Role }>();
  const ttlMs = o.tokenTtlS * 1000;
  return async (token) => {
    const user = await authenticateWithin(o, token);
    if (!user) return null;
    if (!isHostId(user.id)) {
      // An embedded host's identity port answered an id no request may name (sidecar tokens are checked in jwt-identity.ts).
      o.refused?.(`the identity port answered no user id (${HOST_ID_RULE})`);
      return null;
    }
    const now = o.now();
    if (user.issuedAt !== undefined && user.issuedAt - now > ISSUED_AHEAD_MAX_MS) {
      const ahead = Math.floor((user.issuedAt - now) / 1000);
      o.refused?.(`its "iat" is ${ahead} s ahead of Beacon's clock (at most ${ISSUED_AHEAD_MAX_MS / 1000} s is tolerated): check the host's clock, and issue tokens dated when they are issued`);
      return null;
    }
    const expiresAt = user.expiresAt ?? now + ttlMs;
    if (!(expiresAt > now)) return null;
    const role: Role = user.admin === true ? 'admin' : 'user';
    const { id: sessionId, written } = hostSessionIds(token);
    const userId = await o.ids.one(user.id);
    if (await o.sessions.hostTokenRefused([sessionId, written], userId, user.issuedAt ?? null)) return null;
    const known = recorded.get(sessionId);
    if (known === undefined || known.name !== user.name || known.role !== role) {
      if (await o.ids.describe(userId, user.name, role, user.issuedAt ?? null)) o.renamed?.(userId);
    }
    // A token without an expiry is given the TTL from each use; its row's expiry moves on
    // (at most twice per TTL) so that expired sessions can be deleted without taking it.
    // A login Beacon has not recorded here: a user the host deleted and who signs in again is known again.
    if (known === undefined) await o.ids.seen([userId]);
    if (known === undefined || expiresAt - known.expiresAt > ttlMs / 2) {
      await o.db
        .insertInto('user_sessions')
        .values({ id: sessionId, user_id: userId, created_at: now, last_seen_at: now, expires_at: expiresAt, revoked_at: null, user_agent: null, open_ended: user.expiresAt === undefined ? 1 : 0 })
        .onConflict((oc) =>
          oc
            .column('id')
            // A row written before migration 013 learns whether its token is open-ended here.
            .doUpdateSet({ expires_at: (eb) => eb.ref('excluded.expires_at'), open_ended: (eb) => eb.ref('excluded.open_ended') })
            .where((eb) => eb.or([eb('user_sessions.expires_at', '<', eb.ref('excluded.expires_at')), eb('user_sessions.open_ended', '<>', eb.ref('excluded.open_ended'))])),
        )
        .execute();
      if (recorded.size >= RECORDED_MAX) recorded.clear();
      recorded.set(sessionId, { expiresAt, name: user.name, role });
    } else {
      known.name = user.name;
      known.role = role;
    }
    return { userId, sessionId, role, expiresAt };
  };
}

export interface HostTokenSignOutOptions {
  sessions: Pick<SessionRepository, 'revokeToken' | 'putRevokedToken'>;
  identity: IdentityPort;
  ids: Pick<IdMap, 'internal'>;
  now: () => number;
  tokenTtlS: number;
  unanswered?: (reason: string) => void;
  timeoutMs?: number;
}

/**
 * One host login ends (`app.beacon.signOutToken`, `POST /service/tokens/sign-out`): the host
 * logged this token out, on one device, while the user's other logins stay. The identity port
 * refusing it from then on refuses it at the next request or connect, but a socket already open
 * on it was authenticated once: without this it stayed open, the user online to friends and
 * receiving their presence, until the token's expiry. Its session row is revoked, and the
 * caller announces it (AuthService.revoked: the login's sockets close with 4000 on every
 * instance, its user offline at once if it was their last). A token Beacon has not seen that the
 * identity port still accepts (a JWT cannot be withdrawn) gets a revoked row, so it is refused
 * when it comes. Answers the login to announce, and whether it was live here.
 */
export function hostTokenSignOut(o: HostTokenSignOutOptions): (token: string) => Promise<{ sessionId: string; userId: number; ended: boolean } | null> {
  return async (token) => {
    const sessionId = hostSessionIds(token).id;
    const ended = await o.sessions.revokeToken(sessionId, o.now());
    if (ended !== null) return { sessionId, userId: ended, ended: true };
    const user = await authenticateWithin(o, token);
    if (!user || !isHostId(user.id)) return null;
    // A user Beacon never saw gets only the row that dates the refusal (as signOut makes it).
    const userId = [...(await o.ids.internal([user.id], { create: 'unseen' })).values()][0]!;
    const now = o.now();
    await o.sessions.putRevokedToken({ id: sessionId, userId, expiresAt: user.expiresAt ?? now + o.tokenTtlS * 1000, openEnded: user.expiresAt === undefined }, now);
    // A connect with this token may have made its row meanwhile, live: it ends too.
    const meanwhile = await o.sessions.revokeToken(sessionId, o.now());
    // Announced either way: a socket authenticating with it at this moment is closed as it opens.
    return { sessionId, userId, ended: meanwhile !== null };
  };
}
