/**
 * Device tokens ("device cookies", OWASP's answer to lockout abuse): a login or sign-up that
 * succeeds hands the client a token naming this device for this account. A later login that
 * presents it gets a failed-login budget of its own, so strangers guessing at an account can
 * lock out only untrusted clients, never a device the owner has logged in from before.
 *
 * A token grants nothing else: it is not a session and does not skip the password. It is
 * stateless, `d1.<id>.<mac>` with an HMAC-SHA256 over the account id and a random device id,
 * keyed by a key derived from the server's JWT secret (so every instance accepts it).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DeviceTokens {
  /** A new token for this account on a device that just proved the password. */
  issue(userId: number): string;
  /** The device id the token names for this account, or null (malformed, forged, another account's). */
  deviceOf(token: string | undefined, userId: number): string | null;
}

const PREFIX = 'd1';
const ID = /^[A-Za-z0-9_-]{22}$/;

export function createDeviceTokens(secret: string): DeviceTokens {
  const key = createHash('sha256').update(`beacon device tokens\n${secret}`).digest();
  const mac = (userId: number, id: string): Buffer => createHmac('sha256', key).update(`${userId}\n${id}`).digest();
  return {
    issue(userId) {
      const id = randomBytes(16).toString('base64url');
      return `${PREFIX}.${id}.${mac(userId, id).toString('base64url')}`;
    },
    deviceOf(token, userId) {
      if (token === undefined) return null;
      const [prefix, id, given, ...rest] = token.split('.');
      if (prefix !== PREFIX || id === undefined || given === undefined || rest.length > 0 || !ID.test(id)) return null;
      const expected = mac(userId, id);
      const got = Buffer.from(given, 'base64url');
      return got.length === expected.length && timingSafeEqual(got, expected) ? id : null;
    },
  };
}
