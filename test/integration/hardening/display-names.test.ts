/**
 * Finding (Medium): a display name could carry line breaks, control characters and bidi
 * controls. Friends see display names in their lists, rename frames, toasts and system push
 * notifications ("<name> is online"), so one user could write lines of their own into another
 * user's notification ("bob\nYour session expired: sign in at …") or reverse the text around
 * their name (U+202E). Such names are now refused with 400 at registration and on rename;
 * letters of every script, spaces and emoji stay allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';

const BAD = ['bob\nYour session expired', 'bob\r', 'tab\there', 'bell\u0007', 'del\u007f', 'c1\u0085', '\u202Eevil', 'iso\u2066x\u2069', 'mark\u200F', 'line\u2028sep', 'para\u2029sep', 'arabic\u061Cmark'];

describe.each(testDialects())('display names on %s', (dialect) => {
  let t: TestApp;
  let drop: () => Promise<void>;
  let alice: { token: string; id: number };
  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await createTestApp({ databaseUrl: fresh.url });
    alice = await t.register('alice');
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  const register = (username: string, display_name: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username, password: 'pass-phrase-for-tests', display_name } });
  const rename = (display_name: string) => t.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(alice.token), payload: { display_name } });

  it.each(BAD.map((name) => [JSON.stringify(name), name]))('refuses %s at registration and on rename, with 400 {code, message}', async (_shown, name) => {
    for (const res of [await register('mallory', name), await rename(name)]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    }
    const me = await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) });
    expect(me.json()).toMatchObject({ display_name: 'alice' });
  });

  it('still takes names in any script, with spaces, accents and emoji', async () => {
    for (const name of ['Zoë Saldaña', '李小龙', 'محمد علي', 'Ana 🏓', 'שלום']) {
      const res = await rename(name);
      expect(res.statusCode, name).toBe(200);
      expect(res.json()).toMatchObject({ display_name: name });
    }
    expect((await register('zoe_r', 'Zoë R')).statusCode).toBe(201);
  });
});
