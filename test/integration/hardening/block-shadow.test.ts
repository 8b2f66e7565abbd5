/**
 * Finding (outside audit, medium, privacy): a blocked user could tell they were blocked. Their
 * request to the blocker was refused with 403 "This user does not accept requests from you"
 * where a stranger's got 201; a request pending when the block came closed as `declined` but
 * left no decline behind (a retry got that 403, not the decline's 429 cooldown, and their export
 * listed no decline). Now the blocked user is answered as any stranger whose requests are
 * ignored or declined, and the blocker never hears of their requests. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRIEND_REQUEST_COOLDOWN_MS } from '../../../src/server/friends/friends-service.js';
import { bearer } from '../../helpers/app.js';
import { testDialects } from '../../helpers/databases.js';
import { liveUsers, type LiveApp } from '../../helpers/live-app.js';
import { framesUntilOwnChange } from '../../helpers/sentinel.js';
import type { Frame, TestSocket } from '../../helpers/ws-client.js';

type U = { token: string; id: number };
type Req = { id: number; from_user_id: number; to_user_id: number; created_at: string };
type Export = { friend_requests: { incoming: Req[]; outgoing: Req[] }; declined_requests: Array<{ from_user_id: number; to_user_id: number; declined_at: string }> };

const isRequestFrame = (f: Frame) => f.type.startsWith('friend_request');
/** What a request or a block may tell someone. */
const isTelling = (f: Frame) => isRequestFrame(f) || f.type === 'block_changed';

describe.each(testDialects())('a blocked user is answered as a stranger (%s)', (dialect) => {
  let t: LiveApp;
  let alice: U;
  let mallory: U;
  let dave: U;
  beforeEach(async () => {
    ({ t, alice, mallory, dave } = await liveUsers({}, ['alice', 'mallory', 'dave'], { dialect }));
  });
  afterEach(() => t.close());

  const ask = (from: U, to: U) => t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(from.token), payload: { user_id: to.id } });
  const close = (who: U, id: number, verb = 'decline') => t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/${verb}`, headers: bearer(who.token) });
  const block = (who: U, other: U) => t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(who.token), payload: { user_id: other.id } });
  const unblock = (who: U, other: U) => t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/blocks/${other.id}`, headers: bearer(who.token) });
  const requests = async (who: U) => (await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(who.token) })).json<{ incoming: Req[]; outgoing: Req[] }>();
  const exported = async (who: U) => (await t.app.inject({ url: '/api/v1/users/me/export', headers: bearer(who.token) })).json<Export>();
  /**
   * The request frames `socket` (of `who`) got while `action` ran, ids made generic: up to a
   * sentinel sent after it (the user's own status change), through the same fan-out.
   */
  const requestFrames = async (socket: TestSocket, who: U, action: () => Promise<unknown>) => {
    const from = socket.mark();
    await action();
    return (await told(socket, who, from)).map(({ seq: _seq, request_id: _id, request: _r, ...rest }) => rest);
  };
  /** What `socket` (of `who`) was told of requests and blocks since `from`, up to a sentinel. */
  const told = async (socket: TestSocket, who: U, from: number) => (await framesUntilOwnChange(socket, from, t, who.token)).filter(isTelling);
  /** `from` asks `to`, once `socket` (of either) has heard of it: what it hears after is what came later. */
  const sent = async (socket: TestSocket, from: U, to: U) => {
    let res!: Awaited<ReturnType<typeof ask>>;
    await socket.after(async () => (res = await ask(from, to)), (f) => f.type === 'friend_request_sent' || f.type === 'friend_request_received');
    return res;
  };
  /** A request answer with its ids and time made generic: what a sender can compare. */
  const shape = (res: { statusCode: number; json: () => unknown }) => {
    const body = res.json() as { request?: Req };
    return { status: res.statusCode, keys: Object.keys(body), request: body.request && Object.keys(body.request).sort() };
  };

  it('a blocked user asking the blocker gets what a stranger gets, and the blocker hears nothing of it', async () => {
    expect((await block(alice, mallory)).statusCode).toBe(204);
    const { socket: aliceTab } = await t.connect(alice.token);
    const { socket: malloryTab } = await t.connect(mallory.token);
    const { socket: daveTab } = await t.connect(dave.token);

    let fromMallory!: Awaited<ReturnType<typeof ask>>;
    let fromDave!: Awaited<ReturnType<typeof ask>>;
    const toAliceA = aliceTab.mark();
    const malloryGot = await requestFrames(malloryTab, mallory, async () => (fromMallory = await ask(mallory, alice)));
    expect(await told(aliceTab, alice, toAliceA)).toEqual([]);
    const toAliceD = aliceTab.mark();
    const daveGot = await requestFrames(daveTab, dave, async () => (fromDave = await ask(dave, alice)));
    expect((await told(aliceTab, alice, toAliceD)).map((f) => f.type)).toEqual(['friend_request_received']);

    expect(shape(fromMallory)).toEqual(shape(fromDave));
    expect(fromMallory.statusCode).toBe(201);
    expect(malloryGot).toEqual(daveGot);
    expect(malloryGot).toEqual([{ type: 'friend_request_sent' }]);

    const mine = fromMallory.json<{ request: Req }>().request;
    expect((await requests(mallory)).outgoing).toEqual([mine]);
    // Alice sees Dave's request only: in her list, in her export; nor can she act on Mallory's.
    const daves = fromDave.json<{ request: Req }>().request;
    expect(await requests(alice)).toEqual({ incoming: [daves], outgoing: [] });
    expect((await exported(alice)).friend_requests).toEqual({ incoming: [daves], outgoing: [] });
    expect((await exported(mallory)).friend_requests).toEqual({ incoming: [], outgoing: [mine] });
    expect((await close(alice, mine.id, 'accept')).statusCode).toBe(404);
    expect((await close(alice, mine.id)).statusCode).toBe(404);
    // Asking again is what it is for a stranger whose request is pending.
    expect((await ask(mallory, alice)).statusCode).toBe((await ask(dave, alice)).statusCode);

    // Mallory may cancel it as usual; Alice hears nothing of that either.
    const toAliceC = aliceTab.mark();
    expect(await requestFrames(malloryTab, mallory, async () => expect((await close(mallory, mine.id)).statusCode).toBe(204))).toEqual([{ type: 'friend_request_closed', reason: 'cancelled' }]);
    expect(await told(aliceTab, alice, toAliceC)).toEqual([]);
    expect((await requests(mallory)).outgoing).toEqual([]);
  });

  it('a request pending when the block comes is declined, as a real decline: same frame, cooldown and export record', async () => {
    const { socket: malloryTab } = await t.connect(mallory.token);
    const { socket: daveTab } = await t.connect(dave.token);
    const daves = (await sent(daveTab, dave, alice)).json<{ request: Req }>().request;
    expect((await sent(malloryTab, mallory, alice)).statusCode).toBe(201);

    const daveGot = await requestFrames(daveTab, dave, () => close(alice, daves.id));
    const malloryGot = await requestFrames(malloryTab, mallory, () => block(alice, mallory));
    expect(malloryGot).toEqual(daveGot);
    expect(malloryGot).toEqual([{ type: 'friend_request_closed', reason: 'declined' }]);

    const [retryM, retryD] = [await ask(mallory, alice), await ask(dave, alice)];
    expect(retryM.statusCode).toBe(429);
    expect(retryM.json()).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/declined/) });
    expect(retryM.headers['retry-after']).toBe(retryD.headers['retry-after']);
    expect(retryD.statusCode).toBe(429);
    const record = (who: U) => ({ from_user_id: who.id, to_user_id: alice.id, declined_at: expect.any(String) });
    expect((await exported(mallory)).declined_requests).toEqual([record(mallory)]);
    expect((await exported(dave)).declined_requests).toEqual([record(dave)]);

    // Once the cooldown is over, Mallory's request is taken as a stranger's: 201, unseen by Alice.
    t.clock.advance(FRIEND_REQUEST_COOLDOWN_MS + 1);
    expect((await ask(mallory, alice)).statusCode).toBe(201);
    expect((await requests(alice)).incoming).toEqual([]);
  });

  it('a request the blocker had sent closes as her cancel: the blocked user sees a cancel and no decline', async () => {
    const { socket: malloryTab } = await t.connect(mallory.token);
    const { socket: daveTab } = await t.connect(dave.token);
    const toDave = (await sent(daveTab, alice, dave)).json<{ request: Req }>().request;
    expect((await sent(malloryTab, alice, mallory)).statusCode).toBe(201);
    const daveGot = await requestFrames(daveTab, dave, () => close(alice, toDave.id));
    const malloryGot = await requestFrames(malloryTab, mallory, () => block(alice, mallory));
    expect(malloryGot).toEqual(daveGot);
    expect(malloryGot).toEqual([{ type: 'friend_request_closed', reason: 'cancelled' }]);
    expect((await exported(mallory)).declined_requests).toEqual([]);
    expect(await requests(mallory)).toEqual({ incoming: [], outgoing: [] });
  });

  it('at unblock, a request made while blocked becomes an ordinary request: the unblocker is told of it and may accept it; its sender hears nothing new', async () => {
    await block(alice, mallory);
    const { socket: aliceTab } = await t.connect(alice.token);
    const { socket: malloryTab } = await t.connect(mallory.token);
    const mine = (await sent(malloryTab, mallory, alice)).json<{ request: Req }>().request;
    // A repeated block keeps a request made while blocked unseen (and does not close it).
    const reblocked = aliceTab.mark();
    expect(await requestFrames(malloryTab, mallory, () => block(alice, mallory))).toEqual([]);
    expect((await requests(mallory)).outgoing).toEqual([mine]);
    // Alice's tab is told the block held: that frame is in before what the unblock tells her is marked.
    await aliceTab.next((f) => f.type === 'block_changed' && f.user_id === mallory.id && f.blocked === true, { from: reblocked });

    const toAlice = aliceTab.mark();
    const malloryGot = await requestFrames(malloryTab, mallory, async () => expect((await unblock(alice, mallory)).statusCode).toBe(204));
    expect(malloryGot).toEqual([]);
    const aliceGot = await told(aliceTab, alice, toAlice);
    expect(aliceGot.map((f) => f.type)).toEqual(['block_changed', 'friend_request_received']);
    expect(aliceGot.find((f) => f.type === 'friend_request_received')?.request).toEqual(mine);
    // Listed as any request received, dated when it was sent; still pending for Mallory.
    expect(await requests(alice)).toEqual({ incoming: [mine], outgoing: [] });
    expect((await requests(mallory)).outgoing).toEqual([mine]);
    const [aliceExport, malloryExport] = [await exported(alice), await exported(mallory)];
    expect(aliceExport.declined_requests).toEqual([]);
    expect(aliceExport.friend_requests).toEqual({ incoming: [mine], outgoing: [] });
    expect(malloryExport.declined_requests).toEqual([]);
    expect(malloryExport.friend_requests).toEqual({ incoming: [], outgoing: [mine] });

    // Alice may accept it as any request: both hear of it, and they are friends.
    const accepted = await close(alice, mine.id, 'accept');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ friend: { user_id: mallory.id } });
    const friends = async (who: U) => (await t.app.inject({ url: '/api/v1/users/me/friends', headers: bearer(who.token) })).json<Array<{ user_id: number }>>();
    expect((await friends(mallory)).map((f) => f.user_id)).toEqual([alice.id]);
    expect(await requests(mallory)).toEqual({ incoming: [], outgoing: [] });
  });

  it('at unblock, an older decline by the unblocker is left as it was, and declining the request then is a decline as any', async () => {
    const { socket: malloryTab } = await t.connect(mallory.token);
    const first = (await sent(malloryTab, mallory, alice)).json<{ request: Req }>().request;
    expect((await close(alice, first.id)).statusCode).toBe(204);
    const before = (await exported(alice)).declined_requests;
    expect(before).toEqual([{ from_user_id: mallory.id, to_user_id: alice.id, declined_at: expect.any(String) }]);

    await block(alice, mallory);
    t.clock.advance(FRIEND_REQUEST_COOLDOWN_MS + 1);
    const mine = (await sent(malloryTab, mallory, alice)).json<{ request: Req }>().request;
    t.clock.advance(60_000);
    expect((await unblock(alice, mallory)).statusCode).toBe(204);
    expect((await exported(alice)).declined_requests).toEqual(before);
    expect((await exported(mallory)).declined_requests).toEqual(before);

    // Declined now, it is a decline as any: Mallory hears it, and it is recorded at this time.
    t.clock.advance(60_000);
    expect(await requestFrames(malloryTab, mallory, async () => expect((await close(alice, mine.id)).statusCode).toBe(204))).toEqual([{ type: 'friend_request_closed', reason: 'declined' }]);
    expect((await exported(alice)).declined_requests).toEqual([{ from_user_id: mallory.id, to_user_id: alice.id, declined_at: new Date(t.clock.now()).toISOString() }]);
    expect((await ask(mallory, alice)).statusCode).toBe(429);
  });

  it('the blocker’s account deletion closes a request made while blocked as declined, as for any request it received', async () => {
    await block(alice, mallory);
    const { socket: malloryTab } = await t.connect(mallory.token);
    const { socket: daveTab } = await t.connect(dave.token);
    expect((await sent(malloryTab, mallory, alice)).statusCode).toBe(201);
    expect((await sent(daveTab, dave, alice)).statusCode).toBe(201);
    const [fromM, fromD] = [malloryTab.mark(), daveTab.mark()];
    const gone = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(alice.token), payload: { password: 'pass-phrase-for-tests' } });
    expect(gone.statusCode).toBe(204);
    expect((await told(malloryTab, mallory, fromM)).map((f) => f.reason)).toEqual(['declined']);
    expect((await told(daveTab, dave, fromD)).map((f) => f.reason)).toEqual(['declined']);
  });

  it('a blocked user who asks while also blocking is told to unblock first, as anyone blocking a stranger', async () => {
    await block(alice, mallory);
    await block(mallory, alice);
    const res = await ask(mallory, alice);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/unblock/) });
  });
});
