/**
 * The real process's logs: JSON when stdout is not a terminal, pretty on request; the
 * upgrade request's id carried into every socket line; and no password, token or secret
 * in any line, even at trace level, whatever a client sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { exitReport, logLines, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';

const SECRETS = {
  BEACON_JWT_SECRET: 'jwt-secret-SENTINEL-0123456789',
  BEACON_SERVICE_TOKEN: 'service-token-SENTINEL-0123456789',
  BEACON_METRICS_TOKEN: 'metrics-token-SENTINEL-0123456789',
};
const PASSWORD = 'password-SENTINEL-42';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Opens a socket, authenticates with `token`, and resolves with the first frame or the close. */
async function socketAuth(base: string, token: string): Promise<{ ws: WebSocket; first: string }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/status`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'auth', token }));
  const first = await new Promise<string>((resolve) => {
    ws.once('message', (d) => resolve(d.toString()));
    ws.once('close', (code) => resolve(`closed ${code}`));
  });
  return { ws, first };
}

// Each test starts Beacon as a child process (startChildServer waits up to 30 s for it): on a loaded
// 2-core box a start took 15-18 s, so the suite's 20 s per test timed out before that deadline could.
describe('logs', { timeout: 60_000 }, () => {
  let server: ChildServer | null = null;
  afterEach(async () => {
    await server?.cleanup();
    server = null;
  });

  it('warn of a BEACON_* variable that is no setting, naming the one likely meant', async () => {
    server = await startChildServer({ BEACON_RATE_LIMIT: 'off', BEACON_QUUX: '1' });
    const warnings = logLines(server.stdout()).filter((l) => l.level === 40 && typeof l.variable === 'string');
    expect(warnings.map((l) => [l.variable, l.meant, l.msg])).toEqual([
      ['BEACON_QUUX', null, 'BEACON_QUUX is not a Beacon setting and is ignored'],
      ['BEACON_RATE_LIMIT', 'BEACON_RATE_LIMITS', 'BEACON_RATE_LIMIT is not a Beacon setting and is ignored (did you mean BEACON_RATE_LIMITS?)'],
    ]);
  });

  it('say which mode started on which database, created now, with a secret generated, and warn of a sidecar whose service API is shut for want of BEACON_SERVICE_TOKEN', async () => {
    server = await startChildServer({ BEACON_AUTH_JWT_SECRET: 'host-site-secret-0123456789' });
    const lines = logLines(server.stdout());
    // A mistyped SQLite path starts on a new empty database: the log names it, by its full path, as created.
    expect(lines.filter((l) => typeof l.msg === 'string' && /^database (created|opened)/.test(l.msg)).map((l) => l.msg)).toEqual([`database created: sqlite:${server.dir}/beacon.db`]);
    expect(lines.some((l) => l.msg === 'generated a token-signing secret and stored it in the database (BEACON_JWT_SECRET is unset); keep the database private')).toBe(true);
    expect(lines.some((l) => l.msg === 'no BEACON_REDIS_URL: this instance runs alone (presence and events in memory)')).toBe(true);
    expect(lines.filter((l) => l.msg === 'sidecar mode: verifying the site’s JWTs').map((l) => [l.level, l.keys])).toEqual([[30, 'BEACON_AUTH_JWT_SECRET (HS256)']]);
    const warned = lines.filter((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('BEACON_SERVICE_TOKEN'));
    expect(warned.map((l) => l.msg)).toEqual([
      'sidecar mode without BEACON_SERVICE_TOKEN: the service API answers 403, so the site cannot push friendships, names or sign-outs, and game servers cannot report matches; set BEACON_SERVICE_TOKEN',
    ]);
  });

  it('warn when BEACON_WEB_ROOT has no web app, and name BEACON_DATABASE_URL when the database cannot be reached', async () => {
    server = await startChildServer({ BEACON_WEB_ROOT: '/nonexistent/web' });
    const warning = logLines(server.stdout()).find((l) => l.webRoot === '/nonexistent/web');
    expect(warning?.msg).toMatch(/BEACON_WEB_ROOT has no index\.html/);
    await server.cleanup();
    server = null;
    const failed = await startChildServer({ BEACON_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/server exited with 1:[\s\S]*cannot reach the database BEACON_DATABASE_URL names: connect ECONNREFUSED 127\.0\.0\.1:1/);
  });

  it('stop the start, naming BEACON_DATABASE_URL, when it is set but empty, instead of running on a local SQLite file', async () => {
    const failed = await startChildServer({ BEACON_DATABASE_URL: '' }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    // A ConfigError exits with 2 (loadConfigOrExit), as every refused setting does.
    expect(failed).toMatch(/^server exited with 2:[\s\S]*beacon: Invalid BEACON_DATABASE_URL: set but empty; unset it to use the embedded SQLite default/);
  });

  it('stop the start, naming BEACON_DATABASE_URL (exit 2, as a refused setting), when its ?schema= is no lower-case identifier', async () => {
    const failed = await startChildServer({ BEACON_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test?schema=Bad-Name' }).then(
      async (s) => {
        await s.cleanup();
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/^server exited with 2:[\s\S]*beacon: Invalid BEACON_DATABASE_URL: \?schema= must be a lower-case identifier .*got "Bad-Name"/);
  });

  it('stop the start, naming BEACON_REDIS_URL, when its database number is one Redis does not have, instead of using database 0', async () => {
    (await requireRedis()).disconnect();
    const failed = await startChildServer({ BEACON_REDIS_URL: `${REDIS_URL.replace(/\/\d*$/, '')}/99`, BEACON_REDIS_PREFIX: uniquePrefix() }).then(
      async (s) => {
        await s.cleanup();
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/^server exited with 2:[\s\S]*beacon: Invalid BEACON_REDIS_URL: this Redis has no database 99 \(ERR DB index is out of range\)/);
  });

  it('never contain a password, token or secret, and carry the request id into socket lines', async () => {
    server = await startChildServer({ ...SECRETS, BEACON_LOG_LEVEL: 'trace', BEACON_RATE_LIMITS: 'off' });
    const api = `${server.url}/api/v1`;
    const reg = await post(`${api}/auth/register`, { username: 'alice', password: PASSWORD });
    expect(reg.status).toBe(201);
    const { token } = (await reg.json()) as { token: string };
    const leaks = [...Object.values(SECRETS), PASSWORD, token, 'bad-token-SENTINEL-123', 'wrong-password-SENTINEL'];

    expect((await post(`${api}/auth/login`, { username: 'alice', password: 'wrong-password-SENTINEL' })).status).toBe(401);
    expect((await post(`${api}/auth/login`, { username: 'alice', password: PASSWORD })).status).toBe(200);
    expect((await post(`${api}/auth/register`, { username: 'bob', password: PASSWORD, token, extra: SECRETS.BEACON_JWT_SECRET })).status).toBe(400);
    expect((await fetch(`${api}/users/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${api}/users/me?token=${token}&password=${PASSWORD}`, { headers: { authorization: 'Bearer bad-token-SENTINEL-123' } })).status).toBe(401);
    const game = { event: 'match_started', match_id: 'm1', player_ids: [1] };
    expect((await post(`${api}/games/events`, game, { 'x-service-token': SECRETS.BEACON_SERVICE_TOKEN })).status).toBe(200);
    expect((await post(`${api}/games/events`, game, { 'x-service-token': 'bad-token-SENTINEL-123' })).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.BEACON_METRICS_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer bad-token-SENTINEL-123' } })).status).toBe(401);
    const bad = await socketAuth(server.url, 'bad-token-SENTINEL-123');
    expect(bad.first).toBe('closed 4401');
    const good = await socketAuth(server.url, token);
    expect(JSON.parse(good.first)).toMatchObject({ type: 'ready' });
    good.ws.send(JSON.stringify({ type: 'set_status', status: 'busy', custom_message: 'x'.repeat(500), token }));
    await new Promise((r) => setTimeout(r, 200));
    good.ws.close();
    await new Promise((r) => good.ws.once('close', r));
    expect((await post(`${api}/auth/logout`, {}, { authorization: `Bearer ${token}` })).status).toBe(204);

    server.child.kill('SIGTERM');
    expect((await server.exited).code, exitReport(server)).toBe(0);
    const out = server.stdout() + server.stderr();
    for (const secret of leaks) expect(out, `a log line contains ${secret}`).not.toContain(secret);

    // Not a terminal: one JSON object per line.
    const lines = logLines(server.stdout());
    expect(lines.length).toBeGreaterThan(20);
    const upgrades = lines.filter((l) => l.msg === 'incoming request' && (l.req as { path?: string } | undefined)?.path === '/ws/status');
    const connected = lines.find((l) => l.msg === 'socket connected');
    const closed = lines.find((l) => l.msg === 'socket closed');
    expect(connected?.reqId).toBeDefined();
    expect(upgrades.map((l) => l.reqId)).toContain(connected?.reqId);
    expect(closed?.reqId).toBe(connected?.reqId);
    expect(closed?.conn).toBe(connected?.conn);
    // A socket refused says so, and why, under its upgrade request's id; a failed login says so, with the account's id.
    const refused = lines.find((l) => l.msg === 'socket refused');
    expect(refused).toMatchObject({ level: 30, code: 4401, reason: 'invalid token' });
    expect(upgrades.map((l) => l.reqId)).toContain(refused?.reqId);
    const aliceId = lines.find((l) => l.msg === 'user registered')?.userId;
    expect(lines.filter((l) => l.msg === 'login failed')).toEqual([expect.objectContaining({ level: 30, userId: aliceId, reason: 'wrong password' })]);
  });

  it('are pretty when asked for (BEACON_LOG_FORMAT=pretty, the default at a terminal)', async () => {
    server = await startChildServer({ BEACON_LOG_FORMAT: 'pretty' });
    server.child.kill('SIGTERM');
    expect((await server.exited).code, exitReport(server)).toBe(0);
    const out = server.stdout();
    expect(out).toMatch(/INFO.*shutting down/);
    expect(out.split('\n')[0]).not.toMatch(/^\{/);
  });
});
