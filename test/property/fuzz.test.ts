/**
 * Fuzz test (issue 10, "the attack as tests"): random path parameters, query strings and
 * bodies on every route of the OpenAPI document, and random frames of every type on the
 * WebSocket. Nothing may answer 5xx or log an error; every 4xx is `{code, message}`; the
 * socket keeps answering. On SQLite and PostgreSQL. BEACON_FUZZ_RUNS sets the size
 * (CI default 300 requests and 300 frames per dialect).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { TestSocket } from '../helpers/ws-client.js';

const RUNS = Number(process.env.BEACON_FUZZ_RUNS ?? 300);
const SERVICE_TOKEN = 'fuzz-service-token-0123456789';
const KEYS = [
  'username', 'password', 'display_name', 'user_id', 'status', 'custom_message', 'expires_at', 'activity', 'details', 'category',
  'event', 'match_id', 'player_ids', 'status_visibility', 'activity_visibility', 'last_seen_visibility', 'custom_message_visibility', 'type', 'token',
];
const VALUES = ['1', '2', '0', '-1', 'Infinity', '1e400', 'NaN', '1.5', ' 1', '0x10', '9007199254740993', 'a\u0000b', '..', '%00', 'true', 'null', ''];

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('a\u0000b', '\u0000', 'x'.repeat(200)));
const nasty = fc.oneof(
  { arbitrary: fc.constantFrom(...VALUES), weight: 4 },
  { arbitrary: text, weight: 1 },
  { arbitrary: fc.oneof(fc.integer(), fc.double()).map(String), weight: 1 },
);
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), text, fc.constantFrom(...VALUES), fc.constantFrom(1, 2, -1, 0, 2 ** 31, 1e300, true, false, null));
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
  // Shapes that pass most of validation, with hostile text where it would be stored.
  fc.record({ status: fc.constantFrom('online', 'busy', 'away'), custom_message: fc.oneof(text, fc.constant(null)) }),
  fc.record({ username: fc.oneof(text, fc.constantFrom('fuzz_new', 'FUZZ_BOB')), password: fc.oneof(text, fc.constant('a-long-enough-pass')), display_name: text }),
  fc.record({ username: text, password: text }, { requiredKeys: [] }),
  fc.record({ activity: fc.constantFrom('chatting', 'playing_pong', 'idle', 'x'), details: fc.dictionary(text, value, { maxKeys: 3 }) }),
  fc.record({ event: fc.constantFrom('match_started', 'match_ended'), match_id: fc.oneof(value, text), player_ids: fc.array(value, { maxLength: 3 }) }),
);

interface Route {
  method: string;
  path: string;
}

/** A body each route accepts: the fuzzer breaks one field of it, so the rest passes validation. */
const VALID: Record<string, Record<string, unknown>> = {
  'POST /api/v1/auth/register': { username: 'fz_new', password: 'a-long-enough-pass', display_name: 'Fuzz' },
  'POST /api/v1/auth/login': { username: 'fuzz_bob', password: 'not-the-password' },
  'POST /api/v1/users/me/friends/requests': { user_id: 2 },
  'PATCH /api/v1/users/me/friends/{user_id}': { category: 'friend' },
  'PUT /api/v1/users/me/status': { status: 'busy', custom_message: 'hi', expires_at: null },
  'POST /api/v1/users/me/activity': { activity: 'chatting', details: { map: 'classic' } },
  'PUT /api/v1/users/me/status/settings': { status_visibility: 'public', last_seen_visibility: 'friends' },
  'POST /api/v1/games/events': { event: 'match_started', match_id: 'm1', player_ids: [1], details: {} },
  'POST /api/v1/users/me/blocks': { user_id: 2 },
  'DELETE /api/v1/users/me': { password: 'not-the-password' },
};

/** Each field of a valid body kept, or (one time in three) replaced by something hostile. */
function bodyFor(route: Route): fc.Arbitrary<unknown> {
  const valid = VALID[`${route.method} ${route.path}`];
  if (!valid) return body;
  const hostile = fc.oneof(fc.constantFrom('a\u0000b', '\u0000', ...VALUES), text, value);
  const fields = Object.fromEntries(
    Object.entries(valid).map(([k, v]) => [k, fc.oneof({ arbitrary: fc.constant(v), weight: 2 }, { arbitrary: hostile, weight: 1 })]),
  );
  return fc.oneof({ arbitrary: fc.record(fields), weight: 4 }, { arbitrary: body, weight: 1 });
}

describe.each(testDialects())('fuzz on %s', (dialect) => {
  let t: LiveApp;
  let drop: () => Promise<void>;
  let token: string;
  let routes: Route[];
  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await startLiveApp({ databaseUrl: fresh.url, serviceToken: SERVICE_TOKEN });
    const bob = await t.register('fuzz_bob');
    await t.register('fuzz_alice');
    token = bob.token;
    const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  it('covers every documented route', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it(`answers ${RUNS} random requests on every route with 2xx or 4xx {code, message}, never 5xx or an error log`, async () => {
    const errors = vi.spyOn(t.app.log, 'error');
    // Every route gets its share of the runs.
    const perRoute = Math.max(10, Math.ceil(RUNS / routes.length));
    for (const route of routes) {
      const request = fc.record({
        b: fc.option(bodyFor(route), { nil: undefined, freq: 6 }),
        params: fc.array(nasty, { minLength: 3, maxLength: 3 }),
        query: fc.option(fc.dictionary(fc.constantFrom('query', 'online', 'x'), nasty, { maxKeys: 2 }), { nil: undefined }),
        raw: fc.option(fc.string({ maxLength: 40 }), { nil: undefined, freq: 8 }),
        service: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.params[i++] ?? '1'));
          const qs = r.query ? `?${new URLSearchParams(r.query).toString()}` : '';
          // Logging out would end the fuzzing session: that route gets a bad token.
          const auth = route.path.endsWith('/auth/logout') ? bearer('not.a.token') : bearer(token);
          const res = await t.app.inject({
            method: route.method as 'GET',
            url: `${path}${qs}`,
            headers: { ...auth, ...(r.service ? { 'x-service-token': SERVICE_TOKEN } : {}), ...(r.raw !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(r.raw !== undefined ? { payload: r.raw } : r.b !== undefined && route.method !== 'GET' ? { payload: r.b as object } : {}),
          });
          expect(res.statusCode, `${route.method} ${path}${qs} ${JSON.stringify(r.b)} → ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const b = res.json<{ code: unknown; message: unknown }>();
            expect(b.code).toMatch(/^[A-Z_]+$/);
            expect(typeof b.message).toBe('string');
            expect(res.body).not.toMatch(/\n\s+at /);
          }
        }),
        { numRuns: perRoute, endOnFailure: true },
      );
    }
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  }, 300_000);

  it(`answers ${RUNS} random frames of every type with an error frame or nothing, and the socket keeps answering`, async () => {
    const errors = vi.spyOn(t.app.log, 'error');
    const { socket } = await t.connect(token);
    const types = fc.constantFrom('auth', 'heartbeat', 'interaction', 'still_here', 'set_status', 'activity', 'batch', 'x', '');
    const frame = fc.oneof(
      fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }).chain((d) => types.map((type) => JSON.stringify({ ...d, type }))),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        for (const f of frames) socket.send(f);
        await heartbeat(socket);
      }),
      { numRuns: Math.ceil(RUNS / 3), endOnFailure: true },
    );
    expect(socket.closed).toBeNull();
    for (const e of socket.ofType('error')) {
      expect(e.code).toMatch(/^[A-Z_]+$/);
      expect(typeof e.message).toBe('string');
    }
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  }, 300_000);
});

async function heartbeat(socket: TestSocket): Promise<void> {
  const from = socket.frames.length;
  socket.send({ type: 'heartbeat' });
  await socket.next((f) => f.type === 'heartbeat_ack', { from });
}
