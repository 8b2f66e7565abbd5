/**
 * Identity port: who is behind a token. Beacon's own accounts are the default adapter
 * (its login tokens); an embedding host passes its own function; sidecar mode verifies the
 * host's JWTs (integration/jwt-identity.ts).
 */

/** A host's id for one of its users: its own primary key or a JWT `sub`. Compared as a string. */
export type HostUserId = string | number;

/** A user as the host knows them. */
export interface HostUser {
  id: HostUserId;
  /** The name friends see (Beacon shows it as both username and display name). */
  name: string;
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
   * REST request and socket: keep it cheap (verify a signature, no password hashing).
   */
  authenticate(token: string): Promise<HostUser | null>;
}
