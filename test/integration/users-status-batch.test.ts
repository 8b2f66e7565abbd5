/**
 * GET /users/status?ids=…: several users' views in one request, each exactly as GET
 * /users/:id/status answers it (one privacy path), on SQLite and PostgreSQL; its validation, and
 * its cost in the status-read budget (each other user one unit, as single reads).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { liveUsers, startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { MAX_STATUS_BATCH } from '../../src/protocol/enums.js';

type U = { token: string; id: number };

describe.each(testDialects())('GET /users/status on %s', (dialect) => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  beforeEach(async () => {
    ({ t, alice, bob, carol } = await liveUsers({}, ['alice', 'bob', 'carol'], { friends: [['alice', 'bob']], dialect }));
  });
  afterEach(() => t.close());

  const one = (who: U, id: number | string) => t.app.inject({ url: `/api/v1/users/${id}/status`, headers: bearer(who.token) });
  const many = (who: U | null, ids: string) => t.app.inject({ url: `/api/v1/users/status?ids=${ids}`, headers: who ? bearer(who.token) : {} });

  it('answers each user as the single read does, in the order asked, once each, leaving out who does not exist', async () => {
    await t.connect(bob.token);
    await t.connect(carol.token);
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(bob.token), payload: { status: 'busy', custom_message: 'in a meeting' } });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(carol.token), payload: { status: 'busy', custom_message: 'friends only' } });
    // Carol, a stranger to Alice, shows her status to friends only: Alice reads her offline, with no message.
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(carol.token), payload: { status_visibility: 'friends' } });

    const res = await many(alice, `${carol.id},${bob.id},99999,${alice.id},${bob.id}`);
    expect(res.statusCode).toBe(200);
    const views = res.json() as Array<{ user_id: number }>;
    expect(views.map((v) => v.user_id)).toEqual([carol.id, bob.id, alice.id]);
    expect(views).toEqual([(await one(alice, carol.id)).json(), (await one(alice, bob.id)).json(), (await one(alice, alice.id)).json()]);
    expect(views[0]).toMatchObject({ status: 'offline', custom_message: null });
    expect(views[1]).toMatchObject({ status: 'busy', custom_message: 'in a meeting' });
    // Nobody that exists: an empty list, not a 404.
    const none = await many(alice, '99998,99999');
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual([]);
  });

  it('refuses a request it cannot read with 400 {code, message}, and one without a token with 401', async () => {
    const tooMany = Array.from({ length: MAX_STATUS_BATCH + 1 }, (_, i) => i + 1).join(',');
    for (const ids of [tooMany, '', 'abc', '1,,2', '0', '-1', '1.5', '2147483648', `${'1,'.repeat(400)}1`]) {
      const res = await many(alice, ids);
      expect(res.statusCode, ids).toBe(400);
      expect(res.json(), ids).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    }
    const missing = await t.app.inject({ url: '/api/v1/users/status', headers: bearer(alice.token) });
    expect(missing.statusCode).toBe(400);
    // The same id many times is one user: within the limit.
    expect((await many(alice, Array.from({ length: 40 }, () => bob.id).join(','))).json()).toHaveLength(1);
    expect((await many(null, String(bob.id))).statusCode).toBe(401);
  });
});

describe('GET /users/status and the status-read budget', () => {
  let t: LiveApp;
  beforeEach(async () => {
    t = await startLiveApp({ rateLimits: true });
  });
  afterEach(() => t.close());

  it('costs a unit per other user, whether they exist or not, as single reads do: a full batch spends the burst', async () => {
    const [reader, other] = [await t.register('reader'), await t.register('other')];
    const single = () => t.app.inject({ url: `/api/v1/users/${other.id}/status`, headers: bearer(reader.token) });
    const batch = (ids: number[]) => t.app.inject({ url: `/api/v1/users/status?ids=${ids.join(',')}`, headers: bearer(reader.token) });
    expect((await single()).statusCode).toBe(200);
    await t.advance(60_000); // the budget full again
    // Yourself costs nothing: a batch of you alone, many times, leaves the budget whole.
    for (let i = 0; i < 40; i++) expect((await batch([reader.id])).statusCode).toBe(200);
    const strangers = Array.from({ length: MAX_STATUS_BATCH }, (_, i) => 500_000 + i);
    expect((await batch(strangers)).statusCode).toBe(200);
    const refused = await single();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // And a batch past what is left is refused whole, nothing read.
    await t.advance(1_000);
    const partly = await batch(strangers.slice(0, 10));
    expect(partly.statusCode).toBe(429);
  });
});
