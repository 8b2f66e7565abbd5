/**
 * The session id of a host token: a hash, so neither the database nor the logs hold the token.
 *
 * A JWT's signature can be written many ways that verify alike: jose's base64url decoding takes
 * padding, whitespace and other spare bits in the last character, and an ECDSA signature (r, s)
 * verifies as (r, n − s) too, which anyone holding the token can compute. Hashed as written, each
 * way was a login of its own: whoever held a token the host had signed out used it again,
 * rewritten. So a signed JWS is hashed in one form: its signature as the bytes jose verifies,
 * an ECDSA one with the lower s, written back in base64url. A signature that is not the same
 * bytes (a forgery carrying a real token's header and claims) names another login, so signing
 * it out ends nobody's. A token in that form already (what hosts issue, bar half of ECDSA ones)
 * keeps the id it had when tokens were hashed as written.
 */
import { createHash } from 'node:crypto';

/** The order n of each ECDSA curve a JWS names, by the signature's length (r and s, each padded). */
const CURVE_ORDERS: Record<string, { bytes: number; n: bigint }> = {
  ES256: { bytes: 64, n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  ES384: { bytes: 96, n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n },
  ES512: { bytes: 132, n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n },
};

/**
 * The token's session id, and `written`: the id it had when tokens were hashed as written, when
 * that differs (a sign-out recorded then still holds).
 */
export function hostSessionIds(token: string): { id: string; written: string | null } {
  const canonical = canonicalJws(token) ?? token;
  return { id: hashId(canonical), written: canonical === token ? null : hashId(token) };
}

function hashId(text: string): string {
  return `h:${createHash('sha256').update(text).digest('base64url')}`;
}

/** A signed JWS with its signature in the one form above, or null for a token of another shape. */
function canonicalJws(token: string): string | null {
  const [header, claims, signature, ...rest] = token.split('.');
  if (rest.length > 0 || signature === undefined || !/^[\w-]+$/.test(header!) || !/^[\w-]+$/.test(claims!)) return null;
  const alg = algOf(header!);
  // An unsigned token ("none") proves nothing by its form: a host taking one looks it up whole.
  if (alg === null || alg === 'none') return null;
  const bytes = decodeAsJose(signature);
  if (bytes === null) return null;
  return `${header}.${claims}.${Buffer.from(lowS(alg, bytes)).toString('base64url')}`;
}

function algOf(header: string): string | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const alg = typeof parsed === 'object' && parsed !== null ? (parsed as { alg?: unknown }).alg : undefined;
    return typeof alg === 'string' ? alg : null;
  } catch {
    return null;
  }
}

/** base64url as jose reads it on Node 20 (lib/buffer_utils.js decodeBase64: atob's forgiving decoding), or null where it refuses. */
function decodeAsJose(text: string): Uint8Array | null {
  if (text.includes('+') || text.includes('/')) return null;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** An ECDSA signature r‖s with s ≤ n/2 (n − s otherwise); any other signature as it is. */
function lowS(alg: string, sig: Uint8Array): Uint8Array {
  const curve = CURVE_ORDERS[alg];
  if (curve === undefined || sig.length !== curve.bytes) return sig;
  const half = curve.bytes / 2;
  const s = BigInt(`0x${Buffer.from(sig.subarray(half)).toString('hex') || '0'}`);
  if (s <= curve.n / 2n) return sig;
  const low = Buffer.from((curve.n - s).toString(16).padStart(half * 2, '0'), 'hex');
  return Uint8Array.from([...sig.subarray(0, half), ...low]);
}
