/**
 * Which presence sessions a login has, here and on the other instances: a socket's session
 * (opened and closed with the socket), a polling client's (a login with no socket, kept live by
 * its polls), and a logout ending them all. Also which users have a socket here: a local viewer
 * holds themself and their friends (interest.ts). Every change is an input to the user's
 * presence, applied and shared by the presence service.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuthContext } from '../auth/auth-service.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { FriendGraph } from './friend-graph.js';
import type { Interest } from './interest.js';
import type { PresenceInput } from './presence-events.js';

export interface LoginSessionsDeps {
  instanceId: string;
  engine: PresenceEngine;
  graph: FriendGraph;
  /** Which replicas local viewers need (replica lifecycle). */
  interest: Interest;
  log: FastifyBaseLogger;
  ensureLoaded(ids: readonly number[]): Promise<void>;
  /** Applies the input here and shares it with the other instances. */
  input(userId: number, input: PresenceInput): void;
  /** Tells every instance the login ended (BusMessages.revoked). */
  publishRevoked(userId: number, sessionId: string): void;
}

export class LoginSessions {
  /** Open sockets per login session: a login with a socket is not also a polling client. */
  readonly #logins = new Map<string, { userId: number; sockets: number }>();
  /** Open sockets here per user: a user with one is a local viewer, holding themself and their friends. */
  readonly #viewerSockets = new Map<number, number>();

  constructor(private readonly d: LoginSessionsDeps) {}

  /** The logins with a socket here, by login session id. */
  get logins(): ReadonlyMap<string, { userId: number }> {
    return this.#logins;
  }

  /**
   * Opens a socket session. `reconnect`: the client says it reconnected by itself, which is no
   * interaction (engine).
   */
  openSocket(auth: AuthContext, connId: string, reconnect: boolean): void {
    const login = this.#logins.get(auth.sessionId);
    if (login) login.sockets++;
    else this.#logins.set(auth.sessionId, { userId: auth.userId, sockets: 1 });
    const open = this.#viewerSockets.get(auth.userId) ?? 0;
    this.#viewerSockets.set(auth.userId, open + 1);
    if (open === 0) {
      this.d.interest.hold([auth.userId]);
      this.d.interest.hold(this.d.graph.friendIds(auth.userId));
    }
    this.d.input(auth.userId, { op: 'open', sessionId: this.#socketSession(auth, connId), kind: 'socket', ...(reconnect ? { reconnect } : {}) });
    // The socket supersedes a polling session of the same login: it must not outlive the tab.
    if (this.d.engine.sessionIds(auth.userId).includes(pollId(auth.sessionId))) {
      this.d.input(auth.userId, { op: 'close', sessionId: pollId(auth.sessionId), immediate: false });
    }
  }

  /** A socket ended (`at`: when, if earlier than now: a socket that went silent). `immediate` (logout) skips the offline grace. */
  closeSocket(auth: AuthContext, connId: string, immediate: boolean, at?: number): void {
    const login = this.#logins.get(auth.sessionId);
    if (login && --login.sockets === 0) this.#logins.delete(auth.sessionId);
    this.d.input(auth.userId, { op: 'close', sessionId: this.#socketSession(auth, connId), immediate, ...(at === undefined ? {} : { at }) });
    const open = (this.#viewerSockets.get(auth.userId) ?? 0) - 1;
    if (open > 0) this.#viewerSockets.set(auth.userId, open);
    else if (this.#viewerSockets.delete(auth.userId)) {
      this.d.interest.drop([auth.userId]);
      this.d.interest.drop(this.d.graph.friendIds(auth.userId));
    }
  }

  /**
   * A poll of the friends' status: a login with no socket is a polling client, live for
   * BEACON_POLL_SESSION_TTL_MS after each poll. Other API calls do not make anyone online. The
   * poll is a read, and reads never count as interaction (CONTRACT), so the poll that opens the
   * polling session is taken as a socket's `?reconnect=1`: a widget polling in the background
   * does not bring its absent person back `online` each time a polling session begins. A page
   * the person opened reports their arrival with POST /users/me/interaction first (the SDK does).
   */
  async polled(auth: AuthContext): Promise<void> {
    await this.d.ensureLoaded([auth.userId]);
    // A login with a socket, here or on another instance, is not also a polling client.
    if (this.#logins.has(auth.sessionId)) return;
    const ids = this.d.engine.sessionIds(auth.userId);
    const tag = `~${loginTag(auth.sessionId)}`;
    if (ids.some((id) => id.endsWith(tag))) return;
    const sessionId = pollId(auth.sessionId);
    const live = ids.includes(sessionId);
    this.d.input(auth.userId, live ? { op: 'touch', sessionId } : { op: 'open', sessionId, kind: 'poll', reconnect: true });
  }

  /**
   * Logout: the login's sockets (on every instance) and polling session end at once, without
   * grace, and so does a grace the close of its last socket, or its polling session's expiry,
   * began moments before.
   */
  revoked(userId: number, sessionId: string): void {
    // Its polling session ends now, and so does the offline grace it began on expiring: at once
    // where this replica holds the user, else once loaded (the second call then finds nothing).
    const poll = pollId(sessionId);
    const endPolling = () => {
      if (this.d.engine.sessionIds(userId).includes(poll) || this.d.engine.graceBegunBy(userId, poll)) {
        this.d.input(userId, { op: 'logout', sessionSuffix: poll });
      }
    };
    endPolling();
    // Every replica ends the login's sessions it still holds and a grace one of them began. Sent
    // whatever this replica knows: it may not have heard yet that the login's socket on another
    // instance closed (it holds the session, no grace), while that instance runs the grace. Such
    // a replica ends the session at the logout (its last_seen then; the close, arriving later,
    // finds nothing to close), as it would have applied the close a bus delay late anyway.
    void this.d
      .ensureLoaded([userId])
      .then(() => {
        endPolling();
        this.d.input(userId, { op: 'logout', sessionSuffix: `~${loginTag(sessionId)}` });
      })
      .catch((err: unknown) => this.d.log.error({ err, userId }, 'logout: the offline grace of its last socket was not ended; it runs out by itself'));
    this.d.publishRevoked(userId, sessionId);
  }

  /**
   * The live sessions declaring a client game, here or on another instance: the socket named
   * (`by.socket`, a connection id) if it is live, otherwise every live session of the login (its
   * sockets and its polling session); null when the login has none (declared over REST by a
   * login without a session: the game is held by no session in particular).
   */
  holdersOf(userId: number, by: { login: string; socket?: string }): string[] | null {
    const ids = this.d.engine.sessionIds(userId);
    const tag = `~${loginTag(by.login)}`;
    const named = by.socket === undefined ? undefined : ids.find((id) => id.endsWith(`/${by.socket}${tag}`));
    if (named !== undefined) return [named];
    const own = ids.filter((id) => id.endsWith(tag) || id === pollId(by.login));
    return own.length > 0 ? own : null;
  }

  /** A friendship of a local viewer began or ended: the viewer now needs (or no longer needs) the friend. */
  friendship(viewerId: number, subjectId: number, friends: boolean): void {
    if (!this.#viewerSockets.has(viewerId)) return;
    if (friends) this.d.interest.hold([subjectId]);
    else this.d.interest.drop([subjectId]);
  }

  /**
   * A socket's session id: `<instance>/<connection>~<login tag>`. The tag (a hash of the login
   * session) lets any instance tell that a login already has a socket somewhere, so a REST read
   * that reaches another instance (no sticky sessions) is not taken for a polling client.
   */
  #socketSession(auth: AuthContext, connId: string): string {
    return `${this.d.instanceId}/${connId}~${loginTag(auth.sessionId)}`;
  }
}

const pollId = (sessionId: string) => `poll:${sessionId}`;

/** A short hash of a login session id (FNV-1a, 32 bits, base 36): which socket sessions are whose. */
function loginTag(sessionId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) h = Math.imul(h ^ sessionId.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
