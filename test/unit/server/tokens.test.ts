import { createSigner } from 'fast-jwt';
import { describe, expect, it } from 'vitest';
import { createTokenService } from '../../../src/server/auth/tokens.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const claims = (expiresAt: number) => ({ userId: 42, sessionId: 'session-1', expiresAt });

describe('token service', () => {
  it('gives back the claims of a token it signed, to the second', () => {
    let now = 1_700_000_000_000;
    const tokens = createTokenService(SECRET, () => now);
    const token = tokens.sign(claims(now + 3_600_500));
    expect(tokens.verify(token)).toEqual({ userId: 42, sessionId: 'session-1', expiresAt: now + 3_600_000 });
    now += 1;
    expect(tokens.verify(token)).not.toBeNull();
  });

  it('judges expiry by its own clock only, not the machine’s', () => {
    // Years in the past for Date.now(): still valid while the injected clock is before the expiry.
    let now = 1_000_000_000_000;
    const tokens = createTokenService(SECRET, () => now);
    const token = tokens.sign(claims(now + 60_000));
    expect(tokens.verify(token)).not.toBeNull();
    now += 59_999;
    expect(tokens.verify(token)).not.toBeNull();
    now += 1;
    expect(tokens.verify(token)).toBeNull();
    // Far in the future for Date.now(), already past for the injected clock.
    const late = createTokenService(SECRET, () => 4_000_000_000_000);
    expect(late.verify(late.sign(claims(3_999_999_000_000)))).toBeNull();
  });

  it('refuses forged, tampered, unsigned and malformed tokens', () => {
    const now = Date.now();
    const tokens = createTokenService(SECRET, () => now);
    const other = createTokenService('another-secret-0123456789abcdef0123456789', () => now);
    expect(tokens.verify(other.sign(claims(now + 60_000)))).toBeNull();
    const [head, , sig] = tokens.sign(claims(now + 60_000)).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: '1', jti: 'session-1', exp: Math.floor(now / 1000) + 60 })).toString('base64url');
    expect(tokens.verify(`${head}.${payload}.${sig}`)).toBeNull();
    const unsigned = createSigner({ algorithm: 'none' })({ sub: '42', jti: 'session-1', exp: Math.floor(now / 1000) + 60 });
    expect(tokens.verify(unsigned)).toBeNull();
    for (const bad of ['', 'not-a-token', 'a.b.c', `${head}.${payload}`]) expect(tokens.verify(bad)).toBeNull();
  });

  it('refuses a signed token without a numeric user, a session id or an expiry', () => {
    const now = Date.now();
    const tokens = createTokenService(SECRET, () => now);
    const sign = createSigner({ key: SECRET, algorithm: 'HS256' });
    const exp = Math.floor(now / 1000) + 60;
    expect(tokens.verify(sign({ sub: 'abc', jti: 's', exp }))).toBeNull();
    expect(tokens.verify(sign({ sub: '42', exp }))).toBeNull();
    expect(tokens.verify(sign({ sub: '42', jti: 's' }))).toBeNull();
    expect(tokens.verify(sign({ sub: '42', jti: 's', exp }))).toEqual({ userId: 42, sessionId: 's', expiresAt: exp * 1000 });
  });
});
