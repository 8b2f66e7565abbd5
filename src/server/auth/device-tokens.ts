/**
 * Device tokens ("device cookies", OWASP's answer to lockout abuse): a login or sign-up that
 * succeeds hands the client a token naming this device for this account. A later login that
 * presents it gets a failed-login budget of its own, so strangers guessing at an account can
 * lock out only untrusted clients, never a device the owner has logged in from before.
 *
 * A token grants nothing else: it is not a session and does not skip the password. It is
 * stateless, `d2.<id>.<mac>` with an HMAC-SHA256 over the account id, a random device id and the
 * account's stored password hash, keyed by a key derived from the server's JWT secret (so every
 * instance accepts it). The hash is in it because a device is trusted for having proved the
 * password: once the password changes (the user's change, an operator's reset), no token made
 * before is a known device. Without it, whoever knew an old password kept, for every login made
 * with it, a budget of guesses at the new one that the account's lockout did not stop. (`d1`
 * tokens, made before the hash was in it, are unknown devices: the next login gives a `d2`.)
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DeviceTokens {
  /** A new token for this account on a device that just proved the password whose stored hash is `passwordHash`. */
  issue(userId: number, passwordHash: string): string;
  /**
   * The device id the token names for this account and its password (stored hash `passwordHash`),
   * or null (malformed, forged, another account's, or made before the password last changed).
   */
  deviceOf(token: string | undefined, userId: number, passwordHash: string): string | null;
}

const PREFIX = 'd2';
const ID = /^[A-Za-z0-9_-]{22}$/;

export function createDeviceTokens(secret: string): DeviceTokens {
  const key = createHash('sha256').update(`beacon device tokens\n${secret}`).digest();
  // The id has no newline and the hash comes last: no two inputs read alike.
  const mac = (userId: number, id: string, passwordHash: string): Buffer =>
    createHmac('sha256', key).update(`${userId}\n${id}\n${passwordHash}`).digest();
  return {
    issue(userId, passwordHash) {
      const id = randomBytes(16).toString('base64url');
      return `${PREFIX}.${id}.${mac(userId, id, passwordHash).toString('base64url')}`;
    },
    deviceOf(token, userId, passwordHash) {
      if (token === undefined) return null;
      const [prefix, id, given, ...rest] = token.split('.');
      if (prefix !== PREFIX || id === undefined || given === undefined || rest.length > 0 || !ID.test(id)) return null;
      const expected = mac(userId, id, passwordHash);
      const got = Buffer.from(given, 'base64url');
      return got.length === expected.length && timingSafeEqual(got, expected) ? id : null;
    },
  };
}
