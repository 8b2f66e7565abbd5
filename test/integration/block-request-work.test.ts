/**
 * Privacy finding (timing side channel): a friend request to someone who blocked you is answered
 * as one to a stranger (201, the same body), but skipped one query: whether the other side had
 * asked first (the auto-accept's check, never true from a blocker). Its sender could tell the
 * block from the time of the answer. Now both make the same reads and writes in the same order;
 * checked by recording the repository calls, not by timing. On SQLite and PostgreSQL.
 *
 * Likewise its bus work: one to a stranger published the recipient's `request_received` on her
 * topic, one to a blocker published nothing there (one publish fewer, with Redis a PUBLISH fewer
 * before the answer). Now a message every instance drops (`request_shadowed`, `request_hidden` for a close: as large) goes on
 * the blocker's topic in its place, and the blocker's sockets get no frame of it. On the memory
 * bus and on Redis, two instances. The same for its cancel: a stranger's `request_closed` on the
 * recipient's topic, nothing on a blocker's; now `request_shadowed` there too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { liveAppOn, twoLiveApps, type LiveApp, type TwoLiveApps } from '../helpers/live-app.js';
import { workRecorder } from '../helpers/work-recorder.js';
import { BlockRepository } from '../../src/server/friends/block-repository.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';

type U = { token: string; id: number };
const REPOSITORIES = { UserRepository, FriendRepository, BlockRepository };

const block = async (t: LiveApp, blocker: U, blocked: U) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(blocker.token), payload: { user_id: blocked.id } });
  expect(res.statusCode).toBe(204);
};
type Record = ReturnType<typeof workRecorder>;
/** `from` asks `to` through `t`, recorded: the answer's status and keys, and the work. */
const asker = (t: LiveApp, record: Record = workRecorder(t.app, REPOSITORIES)) => {
  return (from: U, to: U) =>
    record(async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(from.token), payload: { user_id: to.id } });
      const { request } = res.json<{ request: { id: number } }>();
      return { status: res.statusCode, keys: Object.keys(request), id: request.id };
    });
};
/** The sender's own topic (their replica, loaded for the request) differs by id only. */
const calls = (work: string[]) => work.map((w) => w.replace(/user:\d+/, 'user:<sender>'));
const publishes = (work: string[]) => work.filter((w) => w.startsWith('bus.publish'));
/** What loading the sender's replica for the request publishes (the same for every sender). */
const SENDERS_INPUT = ['bus.publishRemote input user:<id>'];
/**
 * With two instances (Redis), where the sender's own input (loading her replica for the request)
 * is published among the request's work depends on I/O: compared apart, as a count.
 */
const apart = (work: string[]) => ({ inputs: work.filter((w) => w.includes(' input ')).length, rest: calls(work.filter((w) => !w.includes(' input '))) });
/** A blocker's work as a stranger's: the message every instance drops stands where her frame (`frame`) would. */
const asToStranger = (work: string[], frame = 'request_received') => work.map((w) => w.replace(/bus\.publish request_(shadowed|hidden) /, `bus.publish ${frame} `));

describe.each(testDialects())('a friend request to someone who blocked you takes the work of one to a stranger, on %s', (dialect) => {
  let t: LiveApp;
  beforeEach(async () => {
    t = await liveAppOn(dialect);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  it('Eve, blocked by Alice, and Sam, a stranger to Carol, each ask', async () => {
    const alice = await t.register('alice');
    const carol = await t.register('carol');
    const eve = await t.register('eve');
    const sam = await t.register('sam');
    await block(t, alice, eve);
    const ask = asker(t);
    const toBlocker = await ask(eve, alice);
    const toStranger = await ask(sam, carol);
    expect({ ...toBlocker.result, id: 0 }).toEqual({ ...toStranger.result, id: 0 });
    expect(toBlocker.result.status).toBe(201);
    expect(publishes(toStranger.work)).toEqual([...SENDERS_INPUT, 'bus.publish request_received user:<id>', 'bus.publish request_sent user:<id>']);
    expect(publishes(toBlocker.work)).toEqual([...SENDERS_INPUT, 'bus.publish request_shadowed user:<id>', 'bus.publish request_sent user:<id>']);
    expect(asToStranger(calls(toBlocker.work))).toEqual(calls(toStranger.work));
  });
});

describe.each(['memory', 'redis'] as const)('the bus work of a request to a blocker, two instances on %s bus', (kind) => {
  let w: TwoLiveApps;
  beforeEach(async () => {
    w = await twoLiveApps(kind);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await w.close();
  });

  it('Eve asks Alice, who blocks her, and Sam asks Carol through A; both recipients are connected to B: the same publishes, and Alice gets no frame', async () => {
    const { a, b } = w;
    const [alice, carol, eve, sam] = [await a.register('alice'), await a.register('carol'), await a.register('eve'), await a.register('sam')];
    await block(a, alice, eve);
    const { socket: alices } = await b.connect(alice.token);
    const { socket: carols } = await b.connect(carol.token);
    const [fromAlice, fromCarol] = [alices.mark(), carols.mark()];
    const ask = asker(a);
    const toBlocker = await ask(eve, alice);
    const toStranger = await ask(sam, carol);
    // Carol is told through B; then Sam asks Alice too: the first request frame Alice gets is his.
    expect((await carols.next((f) => f.type === 'friend_request_received', { from: fromCarol })).request).toMatchObject({ id: toStranger.result.id });
    const fromSam = await ask(sam, alice);
    await alices.next((f) => f.type === 'friend_request_received' && (f.request as { id: number }).id === fromSam.result.id, { from: fromAlice });
    expect(alices.since(fromAlice).filter((f) => f.type.startsWith('friend_request'))).toEqual([expect.objectContaining({ request: expect.objectContaining({ id: fromSam.result.id }) })]);
    expect(publishes(toBlocker.work).sort()).toEqual([...SENDERS_INPUT, 'bus.publish request_shadowed user:<id>', 'bus.publish request_sent user:<id>'].sort());
    expect(apart(asToStranger(toBlocker.work))).toEqual(apart(toStranger.work));
  });

  it('Eve and Sam then cancel their requests: the same publishes, and Alice, connected to B, gets no frame of it', async () => {
    const { a, b } = w;
    const [alice, carol, eve, sam] = [await a.register('alice'), await a.register('carol'), await a.register('eve'), await a.register('sam')];
    await block(a, alice, eve);
    const { socket: alices } = await b.connect(alice.token);
    const { socket: carols } = await b.connect(carol.token);
    const record = workRecorder(a.app, REPOSITORIES);
    const ask = asker(a, record);
    const [eves, sams] = [(await ask(eve, alice)).result.id, (await ask(sam, carol)).result.id];
    const cancel = (by: U, id: number) =>
      record(async () => (await a.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/decline`, headers: bearer(by.token) })).statusCode);
    const [fromAlice, fromCarol] = [alices.mark(), carols.mark()];
    const toBlocker = await cancel(eve, eves);
    const toStranger = await cancel(sam, sams);
    expect([toBlocker.result, toStranger.result]).toEqual([204, 204]);
    // Carol is told through B; then Sam asks Alice and cancels: the only request frames Alice gets are of his.
    expect((await carols.next((f) => f.type === 'friend_request_closed', { from: fromCarol })).request_id).toBe(sams);
    const samToAlice = (await ask(sam, alice)).result.id;
    await cancel(sam, samToAlice);
    await alices.next((f) => f.type === 'friend_request_closed' && f.request_id === samToAlice, { from: fromAlice });
    expect(alices.since(fromAlice).filter((f) => f.type.startsWith('friend_request')).map((f) => f.type)).toEqual(['friend_request_received', 'friend_request_closed']);
    expect(publishes(toStranger.work).sort()).toEqual([...SENDERS_INPUT, 'bus.publish request_closed user:<id>', 'bus.publish request_closed user:<id>'].sort());
    expect(publishes(toBlocker.work).sort()).toEqual([...SENDERS_INPUT, 'bus.publish request_closed user:<id>', 'bus.publish request_hidden user:<id>'].sort());
    expect(apart(asToStranger(toBlocker.work, 'request_closed'))).toEqual(apart(toStranger.work));
  });
});
