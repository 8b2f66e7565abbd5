/** The session id of a host token: one per token, however its signature is written. */
import { createHash } from 'node:crypto';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hostSessionIds } from '../../../src/server/integration/host-token-id.js';

const hashed = (text: string) => `h:${createHash('sha256').update(text).digest('base64url')}`;

/** The same ECDSA signature with s and n − s swapped (r‖s, each half of the bytes). */
function otherS(token: string, n: bigint): string {
  const [header, claims, signature] = token.split('.') as [string, string, string];
  const sig = Buffer.from(signature, 'base64url');
  const half = sig.length / 2;
  const s = BigInt(`0x${sig.subarray(half).toString('hex')}`);
  const flipped = Buffer.from((n - s).toString(16).padStart(half * 2, '0'), 'hex');
  return `${header}.${claims}.${Buffer.concat([sig.subarray(0, half), flipped]).toString('base64url')}`;
}

describe('hostSessionIds', () => {
  it('keeps the id a token in its one form had when tokens were hashed as written', async () => {
    const token = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a-secret-of-the-host-0123'));
    expect(hostSessionIds(token)).toEqual({ id: hashed(token), written: null });
    // An opaque token, and an unsigned one, are hashed whole.
    expect(hostSessionIds('opaque.session.token')).toEqual({ id: hashed('opaque.session.token'), written: null });
  });

  it('gives a rewritten signature (spare bits, padding, whitespace) the id of the token, and remembers the written one', async () => {
    const token = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a-secret-of-the-host-0123'));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    for (const variant of [`${token.slice(0, -1)}${alphabet[last ^ 1]}`, `${token}=`, `${token.slice(0, -5)} ${token.slice(-5)}`]) {
      expect(hostSessionIds(variant), variant).toEqual({ id: hashed(token), written: hashed(variant) });
    }
    // A signature of other bytes (a forgery with the token's header and claims) is another login.
    const [header, claims] = token.split('.');
    expect(hostSessionIds(`${header}.${claims}.${Buffer.alloc(32, 1).toString('base64url')}`).id).not.toBe(hashed(token));
  });

  it.each([
    ['ES256', 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n],
    ['ES384', 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n],
    ['ES512', 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n],
  ])('gives an %s signature and its (r, n − s), which verifies too, one id', async (alg, n) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    for (let i = 0; i < 4; i++) {
      const token = await new SignJWT({ sub: 'u', i }).setProtectedHeader({ alg }).sign(privateKey);
      const twin = otherS(token, n);
      await expect(jwtVerify(twin, publicKey)).resolves.toBeDefined();
      expect(hostSessionIds(twin).id).toBe(hostSessionIds(token).id);
    }
  });
});
