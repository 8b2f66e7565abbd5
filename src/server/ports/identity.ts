/**
 * Identity port: who is behind a token. Beacon's own accounts are the default adapter
 * (its login tokens); an embedding host passes its own function; sidecar mode verifies the
 * host's JWTs (integration/jwt-identity.ts).
 */

/** A host's id for one of its users: its own primary key or a JWT `sub`. Compared as a string. */
export type HostUserId = string | number;

/** A user as the host knows them. */
export interface HostUser {
  /** As HOST_ID_RULE says (isHostId): a safe integer, or 1-128 characters without control characters or bidi controls; any other id is refused as the token is. */
  id: HostUserId;
  /**
   * The name friends see (Beacon shows it as both username and display name). Absent: the
   * token names nobody and the name stays as it is (a user Beacon never saw shows their id).
   */
  name?: string;
  /**
   * When the credential was issued, ms since the epoch (a JWT's `iat`). With it, a token issued
   * before the user was last renamed (by a newer token, or the service API) does not name them
   * back. Without it, the name is taken only for a user no dated source has named. After the
   * host signs the user out (or deletes them), a token issued before that is refused, even one
   * Beacon never saw; a token without it is refused only if Beacon saw it before the sign-out.
   * One more than a minute ahead of Beacon's clock is refused (it would outlive every sign-out).
   */
  issuedAt?: number;
  /** Admins see everyone's true status (CONTRACT "Viewer tiers"). Default false. */
  admin?: boolean;
  /** When the credential stops being valid, ms since the epoch; Beacon closes a socket on it then. */
  expiresAt?: number;
}

export interface IdentityPort {
  /**
   * The user behind a bearer token (the REST `Authorization` header or the socket's `auth`
   * frame), or null for a token the host does not accept: malformed, forged, expired or
   * revoked. Must not throw for a bad token; a throw is treated as a refusal. Called on every
   * REST request and socket: keep it cheap (verify a signature, no password hashing). A socket
   * is checked once, when it opens: when the host logs a token out, it calls
   * `app.beacon.signOutToken(token)` too, or a socket open on it stays until its `expiresAt`.
   */
  authenticate(token: string): Promise<HostUser | null>;
}
