import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwtIdentity } from '../../../src/server/integration/jwt-identity.js';

const SECRET = 'unit-host-secret-0123456789';
const sign = (claims: JWTPayload, exp: string | number = '1h') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));

describe('jwtIdentity (sidecar host tokens)', () => {
  it('reads the id, name and admin claims it is told to, and the expiry', async () => {
    const identity = jwtIdentity({ secret: SECRET, idClaim: 'uid', nameClaim: 'nick', adminClaim: 'staff' });
    const user = await identity.authenticate(await sign({ uid: 42, nick: 'Zed', staff: true }, 2_000_000_000));
    expect(user).toMatchObject({ id: 42, name: 'Zed', admin: true, expiresAt: 2_000_000_000_000 });
    // No name claim: the token names nobody (Beacon keeps the name it has; a new user shows the id).
    const nameless = await identity.authenticate(await sign({ uid: 'u-1', staff: 'yes' }));
    expect(nameless).toMatchObject({ id: 'u-1', admin: false });
    expect(nameless).not.toHaveProperty('name');
  });

  it('takes a name claim that shows nothing (blank, or only invisible characters) as no name', async () => {
    const identity = jwtIdentity({ secret: SECRET });
    for (const name of ['', '   ', '\u200b', '\u3164\u3164', '\u2800', '\u115f\uffa0', '\u034f\u00ad\u180e', '\u2060\u200d']) {
      expect(await identity.authenticate(await sign({ sub: 'u-1', name })), JSON.stringify(name)).not.toHaveProperty('name');
    }
    expect(await identity.authenticate(await sign({ sub: 'u-1', name: 'Zoë\u200b' }))).toMatchObject({ name: 'Zoë\u200b' });
  });

  it('makes nobody admin without an admin claim configured', async () => {
    const identity = jwtIdentity({ secret: SECRET });
    expect(await identity.authenticate(await sign({ sub: 'u-1', admin: true, is_admin: true }))).toMatchObject({ admin: false });
  });

  it('refuses tokens without a usable id or without an expiry', async () => {
    const identity = jwtIdentity({ secret: SECRET });
    expect(await identity.authenticate(await sign({ name: 'No id' }))).toBeNull();
    expect(await identity.authenticate(await sign({ sub: 'x'.repeat(129) }))).toBeNull();
    // Nor one whose id holds a control character, a bidi control or half a character, saying so (never the id).
    const said: string[] = [];
    const telling = jwtIdentity({ secret: SECRET, refused: (reason) => said.push(reason) });
    for (const sub of ['a\u0001b', 'line\nbreak', 'del\u007f', 'rtl\u202eevil', 'half\ud800']) expect(await telling.authenticate(await sign({ sub })), JSON.stringify(sub)).toBeNull();
    expect(said).toHaveLength(5);
    for (const reason of said) expect(reason).toMatch(/^its "sub" claim holds control characters, line breaks, bidi controls or half a character/);
    expect(await telling.authenticate(await sign({ sub: 'auth0|abc 👍🏽' }))).toMatchObject({ id: 'auth0|abc 👍🏽' });
    const noExp = await new SignJWT({ sub: 'u-1' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await identity.authenticate(noExp)).toBeNull();
  });

  it('judges expiry by the injected clock', async () => {
    let now = Date.now();
    const identity = jwtIdentity({ secret: SECRET, now: () => now });
    const token = await sign({ sub: 'u-1' }, '10m');
    expect(await identity.authenticate(token)).not.toBeNull();
    now += 11 * 60_000;
    expect(await identity.authenticate(token)).toBeNull();
  });
});

describe('jwtIdentity: a host whose clock is a little ahead of Beacon\'s', () => {
  // Beacon takes an `iat` up to a minute ahead (host-auth.ts, ISSUED_AHEAD_MAX_MS: hosts' clocks
  // drift); an `nbf` set to the issue time (Azure AD's tokens have one) was refused with none
  // ahead at all: a host clock a second ahead had every fresh token refused at first use.
  const now = 1_800_000_000_000;
  const at = (offsetS: number) => now / 1000 + offsetS;
  const signAt = (offsetS: number, expS = 3600) =>
    new SignJWT({ sub: 'u-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(at(offsetS)).setNotBefore(at(offsetS)).setExpirationTime(at(offsetS + expS)).sign(new TextEncoder().encode(SECRET));

  it('takes a token not valid before a moment up to a minute ahead, as its iat', async () => {
    const identity = jwtIdentity({ secret: SECRET, now: () => now });
    for (const ahead of [1, 5, 60]) expect(await identity.authenticate(await signAt(ahead)), `${ahead} s ahead`).toMatchObject({ id: 'u-1' });
  });

  it('refuses one not valid for more than a minute yet, and an expired one as strictly as before', async () => {
    const said: string[] = [];
    const identity = jwtIdentity({ secret: SECRET, now: () => now, refused: (reason) => said.push(reason) });
    expect(await identity.authenticate(await signAt(61))).toBeNull();
    expect(said.pop()).toMatch(/"nbf"/);
    expect(await identity.authenticate(await signAt(-3600, 3600))).toBeNull();
    expect(await identity.authenticate(await signAt(-3601, 3600))).toBeNull();
    expect(said).toEqual([expect.stringMatching(/^it has expired/), expect.stringMatching(/^it has expired/)]);
    expect(await identity.authenticate(await signAt(-3599, 3600))).toMatchObject({ id: 'u-1' });
  });
});

describe('jwtIdentity: when a token was issued', () => {
  it('gives iat as the end of its second (a token of the second of a rename counts as after it), and nothing without iat', async () => {
    const identity = jwtIdentity({ secret: SECRET });
    const dated = await new SignJWT({ name: 'Zed' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setIssuedAt(1_700_000_000).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    expect(await identity.authenticate(dated)).toMatchObject({ issuedAt: 1_700_000_000_999 });
    expect(await identity.authenticate(await sign({ sub: 'u-1' }))).not.toHaveProperty('issuedAt');
  });
});

describe('jwtIdentity: rotating the shared secret', () => {
  const PREVIOUS = 'unit-previous-secret-0123456789';
  const signWith = (secret: string, exp: string | number = '1h') => new SignJWT({ sub: 'u-1', name: 'Zed' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));

  it('takes a token signed with the previous secret only while that one is configured, with the same checks', async () => {
    const said: string[] = [];
    const refused = (reason: string) => said.push(reason);
    const old = await signWith(PREVIOUS);
    expect(await jwtIdentity({ secret: SECRET, refused }).authenticate(old)).toBeNull();
    expect(said).toEqual([expect.stringMatching(/^its signature does not verify with BEACON_AUTH_JWT_SECRET \(/)]);

    const rolling = jwtIdentity({ secret: SECRET, jwtPreviousSecret: PREVIOUS, refused });
    expect(await rolling.authenticate(old)).toMatchObject({ id: 'u-1', name: 'Zed' });
    expect(await rolling.authenticate(await signWith(SECRET))).toMatchObject({ id: 'u-1', name: 'Zed' });

    // Signed with neither: refused, naming both settings (never a secret or the token).
    said.length = 0;
    const stranger = await signWith('some-other-secret-0123456789');
    expect(await rolling.authenticate(stranger)).toBeNull();
    expect(said).toEqual([expect.stringMatching(/^its signature does not verify with BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWT_PREVIOUS_SECRET \(/)]);
    for (const secret of [SECRET, PREVIOUS]) expect(said[0]).not.toContain(secret);

    // The previous secret's tokens are checked as any other: expired is refused as expired.
    said.length = 0;
    expect(await rolling.authenticate(await signWith(PREVIOUS, Math.floor(Date.now() / 1000) - 60))).toBeNull();
    expect(said).toEqual([expect.stringMatching(/^it has expired/)]);
  });
});

describe('jwtIdentity: the host\'s keys at a JWKS URL', () => {
  // The docs and the refusal's reason say RS/PS/ES/EdDSA; PS384, PS512, ES512 (P-521) and
  // Ed25519 (the fully specified name jose signs with, RFC 9864) were refused as "not taken".
  it('takes every RS, PS, ES and EdDSA algorithm jose verifies, and no HMAC', async () => {
    const algs = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
    const keys = await Promise.all(algs.map(async (alg, i) => ({ alg, kid: `k${i}`, pair: await generateKeyPair(alg, { extractable: true }) })));
    const jwks = { keys: await Promise.all(keys.map(async ({ alg, kid, pair }) => ({ ...(await exportJWK(pair.publicKey)), kid, alg }))) };
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const said: string[] = [];
      const identity = jwtIdentity({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, refused: (reason) => said.push(reason) });
      for (const { alg, kid, pair } of keys) {
        const token = await new SignJWT({ sub: 'u-1' }).setProtectedHeader({ alg, kid }).setExpirationTime('1h').sign(pair.privateKey);
        expect(await identity.authenticate(token), alg).toMatchObject({ id: 'u-1' });
      }
      expect(said).toEqual([]);
      expect(await identity.authenticate(await sign({ sub: 'u-1' }))).toBeNull();
    } finally {
      server.close();
    }
  });
});
