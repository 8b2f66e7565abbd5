/** The site's own login: scrypt password hashes and its own HS256 JWTs (jose). */
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { jwtVerify, SignJWT } from 'jose';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('base64')}:${(await scryptAsync(password, salt, 32)).toString('base64')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  return timingSafeEqual(await scryptAsync(password, Buffer.from(salt, 'base64'), 32), Buffer.from(hash, 'base64'));
}

export class SiteTokens {
  readonly #key: Uint8Array;
  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  issue(user: { id: number; name: string }): Promise<string> {
    // A token of its own per login (jti): two logins in one second would otherwise get the same
    // token, and logging one device out (Beacon's signOutToken) would log out the other too.
    return new SignJWT({ name: user.name }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setJti(randomUUID()).setIssuedAt().setExpirationTime('12h').sign(this.#key);
  }

  /**
   * The user behind one of the site's tokens, or null. Times in ms; `iat` is in whole seconds,
   * so `issuedAt` is the end of that second: a token issued in the second of a sign-out or
   * rename counts as after it (see docs/integration.md, "Identity").
   */
  async verify(token: string): Promise<{ id: number; name: string; issuedAt: number; expiresAt: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], requiredClaims: ['iat', 'exp'] });
      return { id: Number(payload.sub), name: String(payload.name), issuedAt: payload.iat! * 1000 + 999, expiresAt: payload.exp! * 1000 };
    } catch {
      return null;
    }
  }
}
