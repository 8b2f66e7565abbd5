/**
 * Finding: a friend request sent from one device did not reach the sender's other devices:
 * their Pending tab (outgoing requests) showed it only after a reconnect. Now every socket of
 * the sender gets `friend_request_sent` with the request as the POST answers it, on any
 * instance (two here, sharing a bus, a presence store and a database); the recipient gets
 * `friend_request_received` as before, never `friend_request_sent`. A cancel, decline or
 * acceptance closes the request on every socket of both sides (`friend_request_closed`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
type Request = { id: number; from_user_id: number; to_user_id: number; created_at: string };

const sent = (id?: number) => (f: Frame) => f.type === 'friend_request_sent' && (id === undefined || (f.request as Request).id === id);
const closed = (id: number) => (f: Frame) => f.type === 'friend_request_closed' && f.request_id === id;
const post = (t: LiveApp, who: U, url: string, payload?: object) =>
  t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });

/** Sends a request through `t` and answers the `request` of the 201. */
async function ask(t: LiveApp, from: U, to: U): Promise<Request> {
  const res = await post(t, from, '', { user_id: to.id });
  expect(res.statusCode).toBe(201);
  return res.json<{ request: Request }>().request;
}

/**
 * A frame of the user's own after everything before it: `socket`'s user sets a status, and
 * every socket in `all` waits for that `status_update`. A frame an earlier action caused on
 * these sockets would have come before it.
 */
async function flush(socket: TestSocket, all: TestSocket[], status: 'busy' | 'away' | 'online'): Promise<void> {
  const marks = all.map((s) => s.mark());
  socket.send({ type: 'set_status', status });
  await Promise.all(all.map((s, i) => s.next((f) => f.type === 'status_update' && f.status === status, { from: marks[i] })));
}

describe('a friend request reaches every socket of the user who sent it', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveUsers({}, ['alice', 'bob']));
  });
  afterEach(() => t.close());

  it('both of the sender’s sockets get friend_request_sent with the POST answer; the recipient gets only friend_request_received', async () => {
    const { socket: phone } = await t.connect(alice.token);
    const { socket: laptop } = await t.connect(alice.token);
    const { socket: bobs } = await t.connect(bob.token);
    const [fromPhone, fromLaptop, fromBob] = [phone.mark(), laptop.mark(), bobs.mark()];

    const request = await ask(t, alice, bob);
    expect(request).toMatchObject({ from_user_id: alice.id, to_user_id: bob.id, created_at: expect.any(String) });
    for (const [s, from] of [[laptop, fromLaptop], [phone, fromPhone]] as const) {
      const frame = await s.next(sent(request.id), { from });
      expect(frame.request).toEqual(request);
      expect(frame.seq).toEqual(expect.any(Number));
      expect(s.since(from).filter((f) => f.type === 'friend_request_received')).toEqual([]);
    }
    expect((await bobs.next((f) => f.type === 'friend_request_received', { from: fromBob })).request).toEqual(request);

    await flush(phone, [phone, laptop], 'busy');
    await flush(bobs, [bobs], 'busy');
    expect(bobs.since(fromBob).filter((f) => f.type === 'friend_request_sent')).toEqual([]);
    // One frame per request per socket.
    for (const [s, from] of [[laptop, fromLaptop], [phone, fromPhone]] as const) expect(s.since(from).filter(sent())).toHaveLength(1);
  });

  it('a cancel on one device, and a decline or an acceptance by the recipient, close the request on every socket of both sides', async () => {
    const carol = await t.register('carol');
    const { socket: phone } = await t.connect(alice.token);
    const { socket: laptop } = await t.connect(alice.token);
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: carols } = await t.connect(carol.token);

    // Cancelled by Alice from her phone (REST): her laptop and Bob hear of it.
    const first = await ask(t, alice, bob);
    let marks = [phone, laptop, bobs].map((s) => s.mark());
    expect((await post(t, alice, `/${first.id}/decline`)).statusCode).toBe(204);
    for (const [i, s] of [phone, laptop, bobs].entries()) {
      expect(await s.next(closed(first.id), { from: marks[i] })).toMatchObject({ reason: 'cancelled' });
    }

    // Declined by Carol: both of Alice's sockets.
    const second = await ask(t, alice, carol);
    marks = [phone, laptop, carols].map((s) => s.mark());
    expect((await post(t, carol, `/${second.id}/decline`)).statusCode).toBe(204);
    for (const [i, s] of [phone, laptop, carols].entries()) {
      expect(await s.next(closed(second.id), { from: marks[i] })).toMatchObject({ reason: 'declined' });
    }

    // Accepted by Bob: both of Alice's sockets, then friend_added.
    const third = await ask(t, alice, bob);
    marks = [phone, laptop].map((s) => s.mark());
    expect((await post(t, bob, `/${third.id}/accept`)).statusCode).toBe(200);
    for (const [i, s] of [phone, laptop].entries()) {
      await s.next((f) => f.type === 'friend_added', { from: marks[i] });
      const types = s.since(marks[i]!).map((f) => f.type);
      expect(types.indexOf('friend_request_closed')).toBeLessThan(types.indexOf('friend_added'));
      expect(s.since(marks[i]!).find(closed(third.id))).toMatchObject({ reason: 'accepted' });
    }
  });

  it('asking someone who already asked makes friends at once: no friend_request_sent, the request closes as accepted', async () => {
    const { socket: phone } = await t.connect(alice.token);
    const { socket: laptop } = await t.connect(alice.token);
    const theirs = await ask(t, bob, alice);
    const [fromPhone, fromLaptop] = [phone.mark(), laptop.mark()];
    const res = await post(t, alice, '', { user_id: bob.id });
    expect(res.statusCode).toBe(200);
    for (const [s, from] of [[phone, fromPhone], [laptop, fromLaptop]] as const) {
      expect(await s.next(closed(theirs.id), { from })).toMatchObject({ reason: 'accepted' });
      await s.next((f) => f.type === 'friend_added', { from });
    }
    await flush(phone, [phone, laptop], 'away');
    for (const [s, from] of [[phone, fromPhone], [laptop, fromLaptop]] as const) expect(s.since(from).filter(sent())).toEqual([]);
  });
});

describe('a friend request reaches the sender’s sockets on every instance', () => {
  const two = useTwoInstances();

  it('a request sent through either instance reaches the sender’s sockets on both', async () => {
    const { a, b } = two;
    const alice = await a.register('alice');
    const bob = await a.register('bob');
    const carol = await a.register('carol');
    const { socket: phone } = await a.connect(alice.token);
    const { socket: laptop } = await b.connect(alice.token);

    // Through instance a: the laptop, on b, hears of it.
    let [fromPhone, fromLaptop] = [phone.mark(), laptop.mark()];
    const toBob = await ask(a, alice, bob);
    expect((await laptop.next(sent(toBob.id), { from: fromLaptop })).request).toEqual(toBob);
    expect((await phone.next(sent(toBob.id), { from: fromPhone })).request).toEqual(toBob);

    // Through instance b: the phone, on a, hears of it.
    [fromPhone, fromLaptop] = [phone.mark(), laptop.mark()];
    const toCarol = await ask(b, alice, carol);
    expect((await phone.next(sent(toCarol.id), { from: fromPhone })).request).toEqual(toCarol);
    expect((await laptop.next(sent(toCarol.id), { from: fromLaptop })).request).toEqual(toCarol);

    // A cancel through b closes it on the phone, on a.
    fromPhone = phone.mark();
    expect((await post(b, alice, `/${toCarol.id}/decline`)).statusCode).toBe(204);
    expect(await phone.next(closed(toCarol.id), { from: fromPhone })).toMatchObject({ reason: 'cancelled' });
  });
});
