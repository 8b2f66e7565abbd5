/**
 * GET /metrics during real socket traffic: access is refused without the token, and the
 * counters, gauges and histograms move as the traffic says they must. One instance, then
 * two over Redis for the bus metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { parsePrometheus, sample, type Samples } from '../helpers/prometheus.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { openSocket } from '../helpers/ws-client.js';

const TOKEN = 'metrics-token-0123456789';

async function scrape(t: LiveApp): Promise<Samples> {
  const res = await fetch(`${t.url}/metrics`, { headers: bearer(TOKEN) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePrometheus(await res.text());
}

describe('GET /metrics', () => {
  const apps: LiveApp[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function live(config = {}): Promise<LiveApp> {
    const t = await startLiveApp({ metricsToken: TOKEN, persistIntervalMs: 3_600_000, ...config });
    apps.push(t);
    return t;
  }

  it('refuses scrapes without the right bearer token, and every scrape when no token is configured', async () => {
    const t = await live();
    for (const headers of [{}, bearer('wrong-token-0123456789'), { authorization: `Basic ${TOKEN}` }, bearer(`${TOKEN}x`)]) {
      const res = await fetch(`${t.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(body)).not.toContain('beacon_');
    }
    const off = await live({ metricsToken: null });
    const res = await fetch(`${off.url}/metrics`, { headers: bearer(TOKEN) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain('BEACON_METRICS_TOKEN');
  });

  it('moves the socket, delivery, latency, write-behind and HTTP metrics with real traffic', async () => {
    const t = await live();
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    const before = await scrape(t);
    expect(sample(before, 'beacon_ws_sockets')).toBe(0);
    expect(before.has('process_cpu_user_seconds_total')).toBe(true);
    expect(before.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(sample(before, 'beacon_http_requests_total{method="POST",route="/api/v1/auth/register",code="201"}')).toBe(2);

    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const connected = await scrape(t);
    expect(sample(connected, 'beacon_ws_sockets')).toBe(2);
    expect(sample(connected, 'beacon_ws_users')).toBe(2);
    expect(sample(connected, 'beacon_online_users{status="online"}')).toBe(2);
    expect(sample(connected, 'beacon_ws_connections_total') - sample(before, 'beacon_ws_connections_total')).toBe(2);

    const fromA = a.mark();
    const fromB = b.mark();
    a.send({ type: 'set_status', status: 'busy', custom_message: 'in a meeting' });
    await b.next((f) => f.type === 'friend_status_change' && f.status === 'busy', { from: fromB });
    await a.next((f) => f.type === 'status_update' && f.status === 'busy', { from: fromA });
    const busy = await scrape(t);
    expect(sample(busy, 'beacon_online_users{status="busy"}')).toBe(1);
    expect(sample(busy, 'beacon_online_users{status="online"}')).toBe(1);
    // Bob's friend_status_change and Alice's own status_update: two events, two frames.
    const delivered = sample(busy, 'beacon_deliveries_total') - sample(connected, 'beacon_deliveries_total');
    const frames = sample(busy, 'beacon_frames_sent_total') - sample(connected, 'beacon_frames_sent_total');
    expect(delivered).toBe(2);
    expect(frames).toBe(2);
    expect(sample(busy, 'beacon_delivery_latency_seconds_count') - sample(connected, 'beacon_delivery_latency_seconds_count')).toBe(frames);
    expect(sample(busy, 'beacon_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(sample(busy, 'beacon_delivery_latency_seconds_count'));
    expect(sample(busy, 'beacon_batch_size_sum') - sample(connected, 'beacon_batch_size_sum')).toBe(delivered);
    // The write-behind queue holds Alice until the flush writes her.
    expect(sample(busy, 'beacon_write_behind_queue')).toBeGreaterThanOrEqual(1);
    await t.app.services.presence.flush();
    const flushed = await scrape(t);
    expect(sample(flushed, 'beacon_write_behind_queue')).toBe(0);
    expect(sample(flushed, 'beacon_write_behind_flush_seconds_count') - sample(busy, 'beacon_write_behind_flush_seconds_count')).toBe(1);
    expect(sample(flushed, 'beacon_write_behind_failures_total')).toBe(0);
    expect(sample(flushed, 'beacon_db_query_seconds_count')).toBeGreaterThan(sample(busy, 'beacon_db_query_seconds_count'));
    expect(sample(flushed, 'beacon_db_errors_total{kind="other"}')).toBe(0);

    a.close();
    await a.waitClosed();
    await t.advance(0);
    const closed = await scrape(t);
    expect(sample(closed, 'beacon_ws_sockets')).toBe(1);
    expect(sample(closed, 'beacon_ws_closes_total{code="1005"}') + sample(closed, 'beacon_ws_closes_total{code="1000"}')).toBe(1);
    expect(sample(closed, 'beacon_http_requests_total{method="GET",route="/metrics",code="200"}')).toBe(4);
  });

  it('counts a user who appears offline (status_visibility hidden) as `offline` in beacon_online_users, as friends see them', async () => {
    const t = await live();
    const carol = await t.register('carol');
    const { socket } = await t.connect(carol.token);
    expect(sample(await scrape(t), 'beacon_online_users{status="online"}')).toBe(1);
    const from = socket.mark();
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(carol.token), payload: { status_visibility: 'hidden' } });
    expect(res.statusCode).toBe(200);
    await socket.next((f) => f.type === 'settings_update', { from });
    const hidden = await scrape(t);
    expect(sample(hidden, 'beacon_online_users{status="offline"}')).toBe(1);
    expect(sample(hidden, 'beacon_online_users{status="online"}')).toBe(0);
    expect(sample(hidden, 'beacon_ws_users')).toBe(1);
  });

  it('counts every HTTP response once: 404s, /docs and the web app root too', async () => {
    const t = await live();
    for (const path of ['/nope', '/api/v1/nope', '/docs/json', '/', '/healthz']) await (await fetch(`${t.url}${path}`)).arrayBuffer();
    const after = await scrape(t);
    expect(sample(after, 'beacon_http_requests_total{method="GET",route="unmatched",code="404"}')).toBe(2);
    expect(sample(after, 'beacon_http_requests_total{method="GET",route="/docs/json",code="200"}')).toBe(1);
    expect(sample(after, 'beacon_http_requests_total{method="GET",route="/",code="200"}')).toBe(1);
    expect(sample(after, 'beacon_http_requests_total{method="GET",route="/healthz",code="200"}')).toBe(1);
  });

  it('counts close codes a client picks as `other`: one user cannot add series to every scrape', async () => {
    const t = await live();
    const alice = await t.register('alice');
    const codes = [4100, 4101, 3999, 4998, 1000];
    for (const code of codes) {
      const { socket } = await t.connect(alice.token);
      socket.ws.close(code);
      await socket.waitClosed();
    }
    await t.advance(0);
    const closed = await scrape(t);
    expect(sample(closed, 'beacon_ws_closes_total{code="other"}')).toBe(4);
    expect(sample(closed, 'beacon_ws_closes_total{code="1000"}')).toBe(1);
    expect([...closed.keys()].filter((k) => k.startsWith('beacon_ws_closes_total{')).sort()).toEqual(['beacon_ws_closes_total{code="1000"}', 'beacon_ws_closes_total{code="other"}']);
  });

  // Sockets refused before their `ready` (a bad or expired token after a secret change, the
  // database down) were counted nowhere: beacon_ws_closes_total counts authenticated sockets only,
  // so the "auth problems" signal operations.md gave never moved for them.
  it('counts sockets refused before their ready by close code, apart from the closes of authenticated ones', async () => {
    const t = await live();
    const alice = await t.register('alice');
    const before = await scrape(t);
    for (const first of [{ type: 'auth', token: 'not-a-token' }, { type: 'auth', token: `${alice.token}x` }, { type: 'heartbeat' }]) {
      const socket = await openSocket(t.url);
      socket.send(first);
      expect(await socket.waitClosed()).toMatchObject({ code: 4401 });
    }
    const after = await scrape(t);
    expect(sample(after, 'beacon_ws_refused_total{code="4401"}') - (before.get('beacon_ws_refused_total{code="4401"}') ?? 0)).toBe(3);
    expect([...after.keys()].filter((k) => k.startsWith('beacon_ws_closes_total{'))).toEqual([]);
    expect(sample(after, 'beacon_ws_connections_total')).toBe(sample(before, 'beacon_ws_connections_total'));
  });

  it('counts bus traffic between two instances over Redis, with its lag', async () => {
    const admin = await requireRedis();
    await admin.quit();
    const dir = mkdtempSync(join(tmpdir(), 'beacon-metrics-'));
    dirs.push(dir);
    // Two instances of one deployment: one database, one Redis prefix.
    const config = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), databaseUrl: `sqlite:${join(dir, 'beacon.db')}` };
    const one = await live(config);
    const two = await live(config);
    const [alice, bob] = await one.registerFriends('alice', 'bob');
    const { socket: b } = await two.connect(bob.token);
    const { socket: a } = await one.connectSeenBy(alice.token, b);
    const [oneBefore, twoBefore] = [await scrape(one), await scrape(two)];
    expect(sample(twoBefore, 'beacon_bus_healthy')).toBe(1);

    await b.after(
      () => a.send({ type: 'set_status', status: 'busy' }),
      (f) => f.type === 'friend_status_change' && f.status === 'busy',
      { timeoutMs: 5000 },
    );
    const [oneAfter, twoAfter] = [await scrape(one), await scrape(two)];
    expect(sample(oneAfter, 'beacon_bus_published_total{result="sent"}')).toBeGreaterThan(sample(oneBefore, 'beacon_bus_published_total{result="sent"}'));
    expect(sample(twoAfter, 'beacon_bus_received_total')).toBeGreaterThan(sample(twoBefore, 'beacon_bus_received_total'));
    expect(sample(twoAfter, 'beacon_bus_lag_seconds_count')).toBeGreaterThan(sample(twoBefore, 'beacon_bus_lag_seconds_count'));
    expect(sample(twoAfter, 'beacon_bus_lag_seconds_bucket{le="1"}')).toBe(sample(twoAfter, 'beacon_bus_lag_seconds_count'));
    expect(sample(oneAfter, 'beacon_bus_published_total{result="dropped"}')).toBe(0);
  });
});
