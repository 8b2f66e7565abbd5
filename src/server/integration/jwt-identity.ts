/**
 * Sidecar identity: Beacon verifies the host's own JWTs with `jose`, either with a shared
 * HS256 secret or against the host's JWKS (issuer and audience checked when configured).
 * The claims naming the user's id and name are configurable; users appear on first sight.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { HostUser, IdentityPort } from '../ports/identity.js';
import { hasVisibleCharacter } from '../users/display-name.js';

export interface JwtIdentityOptions {
  /** Shared HS256 secret (at least 16 characters). */
  secret?: string | null;
  /** The host's JWKS URL (RS256/ES256/EdDSA keys); used when no secret is given. */
  jwksUrl?: string | null;
  issuer?: string | null;
  audience?: string | null;
  /** Claim holding the user's id (default `sub`). */
  idClaim?: string;
  /** Claim holding the name friends see (default `name`; falls back to the id when it shows nothing). */
  nameClaim?: string;
  /** Claim that is `true` for admins (default none: nobody is admin by token). */
  adminClaim?: string | null;
  /** The clock, for tests (ms since the epoch). */
  now?: () => number;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export function jwtIdentity(o: JwtIdentityOptions): IdentityPort {
  const key = o.secret ? new TextEncoder().encode(o.secret) : o.jwksUrl ? createRemoteJWKSet(new URL(o.jwksUrl)) : null;
  if (!key) throw new Error('jwtIdentity needs a secret or a JWKS URL');
  const idClaim = o.idClaim ?? 'sub';
  const nameClaim = o.nameClaim ?? 'name';
  const options = (): JWTVerifyOptions => ({
    algorithms: o.secret ? ['HS256'] : ASYMMETRIC,
    ...(o.issuer ? { issuer: o.issuer } : {}),
    ...(o.audience ? { audience: o.audience } : {}),
    ...(o.now ? { currentDate: new Date(o.now()) } : {}),
    requiredClaims: ['exp'],
  });
  return {
    async authenticate(token: string): Promise<HostUser | null> {
      try {
        const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, options()) : await jwtVerify(token, key, options());
        return userOf(payload, idClaim, nameClaim, o.adminClaim ?? null);
      } catch {
        return null;
      }
    },
  };
}

function userOf(payload: JWTPayload, idClaim: string, nameClaim: string, adminClaim: string | null): HostUser | null {
  const id = payload[idClaim];
  if (!((typeof id === 'string' && id.length > 0 && id.length <= 128) || (typeof id === 'number' && Number.isSafeInteger(id)))) return null;
  const name = payload[nameClaim];
  return {
    id,
    // No name claim: the token names nobody (the name stays; a new user shows their id). A blank
    // name, or one only of characters that draw nothing, is no name either.
    ...(typeof name === 'string' && hasVisibleCharacter(name) ? { name } : {}),
    // `iat` is in whole seconds: a token issued in the second of a rename counts as after it.
    ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat * 1000 + 999 } : {}),
    admin: adminClaim !== null && payload[adminClaim] === true,
    expiresAt: (payload.exp as number) * 1000,
  };
}
