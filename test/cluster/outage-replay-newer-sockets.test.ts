/**
 * Audit 208 (operator): after a Redis outage, friend-request frames are sent again
 * (outage-catch-up.ts): an instance whose bus returns publishes again those it published in the
 * 30 s before it saw the bus go, and an instance whose bus stayed up answers one whose bus
 * returns with those it published lately. A socket opened AFTER such a frame was first
 * published got it anyway: Bob, connected to instance two after his requests were accepted and
 * received through instance one, was told again `friend_request_closed` ("accepted") and
 * `friend_request_received` for what his `ready` and his request list already showed (a host
 * showing notices for them shows stale ones); Carol again `friend_request_sent`. A frame sent
 * again now reaches only the sockets opened before it was first published; those still get
 * what they missed (Dave's, made while a bus was down). Two instances on a real Redis, each
 * through its own proxy, so that one instance's bus alone goes (each path, in a fixed order).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, startRedisProxy, type RedisProxy } from '../helpers/redis.js';
import { connect, type Frame, type TestSocket } from '../helpers/ws-client.js';
import { api, register, startCluster, type Cluster, type Instance } from './harness.js';

type User = { token: string; id: number };

async function request(inst: Instance, from: User, to: User): Promise<number> {
  const res = await api(inst, 'POST', '/users/me/friends/requests', from.token, { user_id: to.id });
  expect(res.status).toBe(201);
  return ((await res.json()) as { request: { id: number } }).request.id;
}

const isRequestFrame = (f: Frame) => f.type === 'friend_request_received' || f.type === 'friend_request_closed' || f.type === 'friend_request_sent';
const receivedOf = (id: number) => (f: Frame) => f.type === 'friend_request_received' && (f.request as { id: number }).id === id;
const ready = (inst: Instance) => fetch(`${inst.url}/readyz`).then((r) => r.status);

describe('friend-request frames sent again after a Redis outage', { timeout: 150_000 }, () => {
  let cluster: Cluster | undefined;
  const proxies: RedisProxy[] = [];
  let watcher: Redis | undefined;
  afterEach(async () => {
    watcher?.disconnect();
    watcher = undefined;
    await cluster?.stop();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  /**
   * Instances one and two, each on its own proxy. Dave on two from the start; through one, bus
   * up: Alice asks Bob and Bob accepts, Carol asks Bob (pending); then, half a second later, Bob
   * and Carol open sockets on two (after all that: their `ready` and request lists show it).
   */
  async function world() {
    const [p1, p2] = [await startRedisProxy(), await startRedisProxy()];
    proxies.push(p1, p2);
    cluster = await startCluster({ BEACON_BATCH_WINDOW_MS: '0' });
    const one = await cluster.start('one', { BEACON_REDIS_URL: p1.url });
    const two = await cluster.start('two', { BEACON_REDIS_URL: p2.url });
    const users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank', User> = {} as never;
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const) users[name] = await register(one, name);
    const { alice, bob, carol, dave } = users;
    const { socket: d } = await connect(two.url, dave.token);
    const accepted = await request(one, alice, bob);
    expect((await api(one, 'POST', `/users/me/friends/requests/${accepted}/accept`, bob.token)).status).toBe(200);
    const pending = await request(one, carol, bob);
    // Where a frame sent again arrives, the moment it was first published is dated from its age:
    // later by the bus's delivery time (milliseconds here). A socket opened within that of the
    // publish may get it; these open well after (the audit's opened seconds after).
    await new Promise((r) => setTimeout(r, 500));
    const { socket: b } = await connect(two.url, bob.token);
    const { socket: c } = await connect(two.url, carol.token);
    const listed = (await (await api(two, 'GET', '/users/me/friends/requests', bob.token)).json()) as { incoming: Array<{ id: number }> };
    expect(listed.incoming.map((r) => r.id)).toEqual([pending]);
    return { one, two, p1, p2, users, accepted, b, c, d, marks: { b: b.mark(), c: c.mark(), d: d.mark() } };
  }

  /** Bus of `inst` cut (its proxy), the other's up; `during` runs while it is down; then restored. */
  async function outageOf(proxy: RedisProxy, inst: Instance, other: Instance, during: () => Promise<unknown>): Promise<void> {
    proxy.cut();
    await expect.poll(async () => [await ready(inst), await ready(other)], { timeout: 10_000, interval: 50 }).toEqual([503, 200]);
    await during();
    proxy.restore();
  }

  /** After the catch-up (Dave's frame in): a request through one reaches Bob after anything one sent before; Bob and Carol got nothing else. */
  async function onlyNews(w: Awaited<ReturnType<typeof world>>, b: TestSocket, c: TestSocket): Promise<void> {
    const sentinel = await request(w.one, w.users.frank, w.users.bob);
    await b.next(receivedOf(sentinel), { from: w.marks.b, timeoutMs: 10_000 });
    expect(b.since(w.marks.b).filter(isRequestFrame)).toEqual([expect.objectContaining({ type: 'friend_request_received', request: expect.objectContaining({ id: sentinel }) })]);
    expect(c.since(w.marks.c).filter(isRequestFrame)).toEqual([]);
  }

  it('published again by an instance whose bus returns reach only the sockets opened before they were first published', async () => {
    const w = await world();
    // One's bus alone goes; meanwhile Erin asks Dave through one (Dave's socket on two was open then).
    let during = 0;
    await outageOf(w.p1, w.one, w.two, async () => (during = await request(w.one, w.users.erin, w.users.dave)));
    // Dave gets what he missed, published after the frames one sent before its outage.
    await w.d.next(receivedOf(during), { from: w.marks.d, timeoutMs: 20_000 });
    expect(w.d.since(w.marks.d).filter(isRequestFrame)).toHaveLength(1);
    await onlyNews(w, w.b, w.c);
  });

  it('sent to an instance whose bus returns reach only the sockets there opened before they were first published', async () => {
    const w = await world();
    // What one answers two once two's bus is back, seen on Redis itself.
    watcher = new Redis(REDIS_URL);
    const answers: string[] = [];
    watcher.on('pmessage', (_p: string, _channel: string, raw: string) => answers.push(raw));
    await watcher.psubscribe(`${cluster!.env.BEACON_REDIS_PREFIX}:instances:*:request-frames`);
    // Two's bus alone goes; meanwhile Erin asks Dave through one, whose bus is up: two misses it.
    let during = 0;
    await outageOf(w.p2, w.two, w.one, async () => (during = await request(w.one, w.users.erin, w.users.dave)));
    await w.d.next(receivedOf(during), { from: w.marks.d, timeoutMs: 20_000 });
    expect(w.d.since(w.marks.d).filter(isRequestFrame)).toHaveLength(1);
    // One's answer held Bob's frames from before his socket opened too.
    await expect.poll(() => answers.some((raw) => raw.includes('"request_frames"') && raw.includes(`"requestId":${w.accepted}`)), { timeout: 5_000, interval: 50 }).toBe(true);
    await onlyNews(w, w.b, w.c);
  });
});
