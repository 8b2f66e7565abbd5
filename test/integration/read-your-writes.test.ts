/**
 * Finding: with several instances, the answer to a change went out before the change had
 * reached the other instances. A client that hid on instance A and, right after the 200,
 * set a status on instance B leaked it: a friend whose socket is on B saw the new status and
 * message before the offline of the hide. Likewise demoting a friend on A, then setting a
 * message meant for the higher tier on B; and a status set on A, then another on B, could end
 * on the first everywhere when A's clock ran ahead. Now (plugin.ts, the `onSend` barrier) a change is
 * answered once it was saved and published to the others (PresenceService.shared,
 * EventBus.flushed), so the client's next request, to any instance, comes after it.
 *
 * Two live apps share a PostgreSQL database and a real Redis (bus and presence store). A talks
 * to Redis over a slow link (every byte it sends arrives SLOW_MS late, like a busy Redis),
 * so without the barrier A answers long before its change reaches B, every time. The link
 * slows A's store saves and its bus publishes alike (a demotion is a bus message, not a save):
 * each case fails without the barrier and passes with it.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { bearer } from '../helpers/app.js';
import { freshDatabase } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/shared-parts.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };

/** How late what instance A sends reaches Redis (its saves and publishes, its subscribes). */
const SLOW_MS = 40;
/** How far A's clock is ahead of B's in the last case (instances' clocks never agree exactly). */
const CLOCK_SKEW_MS = 1_000;

/** A TCP link to the test Redis on which every byte the client sends arrives `delayMs` late, in order. */
async function slowLink(delayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    track(client);
    track(upstream);
    // Timers of one duration fire in the order they were set: the stream stays in order.
    client.on('data', (chunk) => void setTimeout(() => upstream.destroyed || upstream.write(chunk), delayMs));
    upstream.pipe(client);
    client.on('close', () => setTimeout(() => upstream.destroy(), delayMs));
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(REDIS_URL);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('read your writes across instances: a change answered by A is at B before the next request', () => {
  let a: LiveApp;
  let b: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  let bobs: TestSocket;
  let cleanup: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    cleanup = [];
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    (await requireRedis()).disconnect();
    const link = await slowLink(SLOW_MS);
    cleanup.push(link.close);
    const prefix = uniquePrefix();
    // A reaches Redis through the slow link, B directly; both share one prefix (one deployment).
    const parts = [link.url, REDIS_URL].map((url, i) => ({
      bus: new RedisBus({ url, prefix, instanceId: `redis-${i}` }),
      store: new RedisPresenceStore({ url, prefix }),
    }));
    for (const p of parts) {
      cleanup.push(() => p.store.close(), () => p.bus.close());
      await p.store.connect();
    }
    await until('the buses connected', () => parts.every((p) => p.bus.isHealthy()));
    expect(parts.every((p) => p.store.shared)).toBe(true);
    a = await startLiveApp({ databaseUrl: db.url }, parts[0]!);
    cleanup.push(() => a.close());
    b = await startLiveApp({ databaseUrl: db.url }, parts[1]!);
    cleanup.push(() => b.close());

    alice = await a.register('alice');
    bob = await a.register('bob');
    carol = await a.register('carol');
    await a.befriend(alice, bob);
    await a.befriend(carol, bob);
    // Bob watches from B; Alice and Carol are on A.
    ({ socket: bobs } = await b.connect(bob.token));
    await a.connectSeenBy(alice.token, bobs);
    await a.connectSeenBy(carol.token, bobs);
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  const api = (t: LiveApp, who: U, method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
  const ok = async (t: LiveApp, who: U, method: 'PUT' | 'PATCH', url: string, payload: object) => {
    const res = await api(t, who, method, url, payload);
    expect(res.statusCode, res.body).toBe(200);
  };
  const about = (who: U) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === who.id;
  /** Bob's view of Alice, as instance `t` answers it. */
  const bobsView = async (t: LiveApp) => {
    const res = await api(t, bob, 'GET', '/users/me/friends/status');
    expect(res.statusCode).toBe(200);
    return res.json<Array<Record<string, unknown>>>().find((v) => v.user_id === alice.id);
  };
  /**
   * Carol changes her status on A, and Bob's socket on B gets it: A's messages reach B in the
   * order A sent them, and B sent Bob what the earlier requests caused before: every frame the
   * earlier changes send Bob has arrived once this one has.
   */
  let markers = 0;
  const allArrived = async (from: number) => {
    const message = `marker ${++markers}`;
    await ok(a, carol, 'PUT', '/users/me/status', { status: 'online', custom_message: message });
    await bobs.next((f) => about(carol)(f) && f.custom_message === message, { from });
  };
  const shown = (from: number) => bobs.since(from).filter(about(alice)).map((f) => ({ status: f.status, custom_message: f.custom_message }));

  it('hidden on A, then a status on B: Bob (on B) sees Alice go offline, never the status or message set on B', async () => {
    const from = bobs.mark();
    await ok(a, alice, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    await ok(b, alice, 'PUT', '/users/me/status', { status: 'busy', custom_message: 'set on B while hidden' });
    await bobs.next((f) => about(alice)(f) && f.status === 'offline', { from });
    await allArrived(from);

    expect(shown(from)).toEqual([{ status: 'offline', custom_message: null }]);
    expect(await bobsView(b)).toMatchObject({ status: 'offline', custom_message: null, activity: null });
  });

  it('Bob demoted on A, then a message for close friends only set on B: Bob (on B) never gets the message', async () => {
    await ok(a, alice, 'PUT', '/users/me/status/settings', { custom_message_visibility: 'close_friends' });
    await ok(a, alice, 'PATCH', `/users/me/friends/${bob.id}`, { category: 'close_friend' });
    let from = bobs.mark();
    await ok(a, alice, 'PUT', '/users/me/status', { status: 'online', custom_message: 'for close friends' });
    // As a close friend Bob sees her messages (so the demotion is what hides the next one).
    await bobs.next((f) => about(alice)(f) && f.custom_message === 'for close friends', { from });

    from = bobs.mark();
    await ok(a, alice, 'PATCH', `/users/me/friends/${bob.id}`, { category: 'friend' });
    await ok(b, alice, 'PUT', '/users/me/status', { status: 'busy', custom_message: 'not for Bob' });
    await bobs.next((f) => about(alice)(f) && f.status === 'busy', { from });
    await allArrived(from);

    expect(shown(from)).toEqual([
      { status: 'online', custom_message: null },
      { status: 'busy', custom_message: null },
    ]);
    expect(await bobsView(b)).toMatchObject({ status: 'busy', custom_message: null });
  });

  it('busy on A, then away on B, A’s clock ahead of B’s: A, B and Bob’s socket all end on away, the later change', async () => {
    // Versions are hybrid logical clocks: B's change must be dated after A's, though B's clock
    // is behind, which it is only if B saw A's change first (without the barrier B's "away"
    // was the older one, and every instance ended on "busy": the client's last change lost).
    a.clock.t = b.clock.t + CLOCK_SKEW_MS;
    const from = bobs.mark();
    await ok(a, alice, 'PUT', '/users/me/status', { status: 'busy' });
    await ok(b, alice, 'PUT', '/users/me/status', { status: 'away' });
    await bobs.next((f) => about(alice)(f) && f.status === 'away', { from });
    await allArrived(from);

    expect(await bobsView(b)).toMatchObject({ status: 'away' });
    expect(await bobsView(a)).toMatchObject({ status: 'away' });
    for (const t of [a, b]) {
      const own = await api(t, alice, 'GET', `/users/${alice.id}/status`);
      expect(own.json()).toMatchObject({ status: 'away' });
    }
    expect(shown(from)).toEqual([
      { status: 'busy', custom_message: null },
      { status: 'away', custom_message: null },
    ]);
  });
});
