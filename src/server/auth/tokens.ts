/** Signs and checks JWTs. A token names its `user_sessions` row (jti), so logout can revoke it. */
import { createSigner, createVerifier } from 'fast-jwt';

export interface TokenClaims {
  userId: number;
  sessionId: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export interface TokenService {
  sign(claims: TokenClaims): string;
  /** The claims, or null for a malformed, forged or expired token. */
  verify(token: string): TokenClaims | null;
}

export function createTokenService(secret: string, now: () => number = Date.now): TokenService {
  const signer = createSigner({ key: secret, algorithm: 'HS256' });
  // No cache: fast-jwt's cache keys on a SHA-256 of the token, which costs as much as the
  // HS256 check it would save, and each socket presents its token once. Expiry is checked
  // below against the service's clock only (fast-jwt would read Date.now() as well).
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'], ignoreExpiration: true });
  return {
    sign: ({ userId, sessionId, expiresAt }) =>
      signer({ sub: String(userId), jti: sessionId, exp: Math.floor(expiresAt / 1000), iat: Math.floor(now() / 1000) }),
    verify(token) {
      try {
        const p = verifier(token) as { sub?: unknown; jti?: unknown; exp?: unknown };
        const userId = Number(p.sub);
        if (!Number.isSafeInteger(userId) || typeof p.jti !== 'string' || typeof p.exp !== 'number') return null;
        const expiresAt = p.exp * 1000;
        if (expiresAt <= now()) return null;
        return { userId, sessionId: p.jti, expiresAt };
      } catch {
        return null;
      }
    },
  };
}
