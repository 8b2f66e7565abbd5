/**
 * Sidecar identity: Beacon verifies the host's own JWTs with `jose`, either with a shared
 * HS256 secret or against the host's JWKS (issuer and audience checked when configured).
 * During a rotation a token whose signature does not verify with the secret is tried with the
 * previous one (BEACON_AUTH_JWT_PREVIOUS_SECRET), with the same checks.
 * The claims naming the user's id and name are configurable; users appear on first sight.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { hasUnsafeText } from '../../protocol/index.js';
import { HOST_ID_RULE, isHostId } from '../../protocol/integration.js';
import type { HostUser, IdentityPort } from '../ports/identity.js';
import { hasVisibleCharacter } from '../users/display-name.js';
import { ISSUED_AHEAD_MAX_MS } from './host-auth.js';

export interface JwtIdentityOptions {
  /** Shared HS256 secret (at least 16 characters). */
  secret?: string | null;
  /**
   * The HS256 secret being rotated from (`hostAuth.jwtPreviousSecret`, passed by services.ts's
   * spread of hostAuth): tried for a token whose signature does not verify with `secret`.
   */
  jwtPreviousSecret?: string | null;
  /** The host's JWKS URL (RS, PS, ES or EdDSA keys: ASYMMETRIC); used when no secret is given. */
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
  /**
   * Told why a token was refused (the client only hears 401 / 4401), in words naming the setting
   * to check; never the token.
   */
  refused?: (reason: string) => void;
}

/** Every public-key signature jose verifies of the kinds the docs name (RS, PS, ES, EdDSA: `Ed25519` is its fully specified name, RFC 9864). */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

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
    // A host's clock a little ahead: its "nbf" (often its issue time) is taken as its "iat" is
    // (host-auth.ts). jose applies the tolerance to "exp" too, which is checked strictly below.
    clockTolerance: ISSUED_AHEAD_MAX_MS / 1000,
    requiredClaims: ['exp'],
  });
  const previous = o.secret && o.jwtPreviousSecret ? new TextEncoder().encode(o.jwtPreviousSecret) : null;
  const keySetting = o.secret ? (previous ? 'BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWT_PREVIOUS_SECRET' : 'BEACON_AUTH_JWT_SECRET') : 'BEACON_AUTH_JWKS_URL';
  const verify = async (token: string) => {
    try {
      return key instanceof Uint8Array ? await jwtVerify(token, key, options()) : await jwtVerify(token, key, options());
    } catch (err) {
      // jose checks the signature before the claims: only a token the secret did not sign is tried with the previous one.
      if (previous === null || (err as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw err;
      return await jwtVerify(token, previous, options());
    }
  };
  return {
    async authenticate(token: string): Promise<HostUser | null> {
      try {
        const { payload } = await verify(token);
        if ((payload.exp as number) * 1000 <= (o.now?.() ?? Date.now())) {
          o.refused?.('it has expired ("exp" is past)');
          return null;
        }
        const user = userOf(payload, idClaim, nameClaim, o.adminClaim ?? null);
        if (!user) o.refused?.(noIdReason(payload[idClaim], idClaim));
        return user;
      } catch (err) {
        o.refused?.(whyRefused(err, keySetting));
        return null;
      }
    },
  };
}

function userOf(payload: JWTPayload, idClaim: string, nameClaim: string, adminClaim: string | null): HostUser | null {
  const id = payload[idClaim];
  if (!isHostId(id)) return null;
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

/** Why a verified token's id claim names no user (the claim's value is not said: it may be anything). */
function noIdReason(id: unknown, idClaim: string): string {
  if (typeof id === 'string' && hasUnsafeText(id)) return `its "${idClaim}" claim holds control characters, line breaks, bidi controls or half a character (an unpaired surrogate), which no user id may hold`;
  return `its "${idClaim}" claim is no user id (${HOST_ID_RULE}): set BEACON_AUTH_ID_CLAIM to the claim holding it`;
}

/** A jose error in words a host's developer can act on (the token itself is never part of it). */
function whyRefused(err: unknown, keySetting: string): string {
  const { code, message } = err as { code?: unknown; message?: unknown };
  const said = typeof message === 'string' ? message : String(err);
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return `its signature does not verify with ${keySetting} (${said})`;
    case 'ERR_JWT_EXPIRED':
      return `it has expired (${said})`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `its algorithm is not taken: HS256 with BEACON_AUTH_JWT_SECRET, RS/PS/ES/EdDSA with BEACON_AUTH_JWKS_URL (${said})`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if ((err as { claim?: unknown }).claim === 'nbf') return `it is not valid yet: its "nbf" is more than ${ISSUED_AHEAD_MAX_MS / 1000} s ahead of Beacon's clock (${said}): check the host's clock`;
      return `a claim does not check out (${said}): Beacon requires "exp", and "iss"/"aud" as BEACON_AUTH_ISSUER/BEACON_AUTH_AUDIENCE say`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return `no key at BEACON_AUTH_JWKS_URL verifies it (${said})`;
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return `it is not a JWT Beacon can read (${said})`;
    default:
      return said;
  }
}
