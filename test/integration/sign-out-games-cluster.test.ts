/**
 * Review of the sign-out that ends server games (sign-out-games.test.ts), over two instances: the
 * sign-out read the user's games from the replica of the instance that answered it. A game another
 * instance had just started (its `match_started` answered 200) whose bus message had not reached
 * that instance yet (bus latency, or lost in a bus outage) was not ended: once the message
 * arrived (or the resync after the outage reloaded the user), every instance showed the
 * signed-out user `in_game`, with no session, until the game's `_ended` or BEACON_MAX_GAME_MS.
 * The sign-out now ends every server game of the user started before it, whichever instance
 * started it: those the shared store names too (each start was saved there before it was
 * answered), under a version past the store's, and a start older than the sign-out that reaches
 * the answering instance later is not applied there, and ended again. Nothing but the `game` end
 * input every version knows crosses the bus (a rolling upgrade). A start answered after the
 * sign-out still starts a game, however late it reaches that instance. Latency on a memory bus
 * and on a real Redis; outages on a memory bus cut for one instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { BusMessage } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import type { BusEvent } from '../../src/server/status/presence-events.js';
import { freshDatabase } from '../helpers/databases.js';
import { CutOffBus } from '../helpers/flaky-bus.js';
import { HeldBus } from '../helpers/held-bus.js';
import { startLiveApp, twoLiveApps, type LiveApp, type SharedPart } from '../helpers/live-app.js';
import { framesUntilOwnChange } from '../helpers/sentinel.js';
import { hs256, SERVICE_TOKEN, serviceCall, signHost } from '../helpers/sidecar-app.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const service = serviceCall;
const game = (x: LiveApp, event: string, matchId: string, players: string[]) =>
  x.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { event, match_id: matchId, player_ids: players } });

const sign = (sub: string) => signHost(sub);

describe.each(['memory', 'redis'] as const)('a sign-out on A, before A heard that B started a server game (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  /** A's bus: what the other instance publishes can be held on its way to A. */
  let held: HeldBus;
  let store: PresenceStore;
  let close: () => Promise<void> = async () => {};
  /** What A published on the bus. */
  let publishedByA: BusMessage[] = [];
  /** g1 watches g2 over a socket on each instance. */
  let onA: TestSocket;
  let onB: TestSocket;
  let g1Token = '';
  let g2 = 0;

  const g2Change = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === g2;
  const statuses = () => [a, b].map((x) => x.app.services.presence.viewOf(g2, 'friend').status);
  const games = () => [a, b].map((x) => x.app.services.presence.engine.serverGames(g2).map((g) => g.matchId));
  /** The frames about g2 each socket got since its mark, up to a sentinel through the other instance (after all it shared before). */
  const seenUntilSentinels = async (markA: number, markB: number): Promise<[unknown[], unknown[]]> => {
    await a.app.services.presence.shared();
    await b.app.services.presence.shared();
    const onlyG2 = (frames: Frame[]) => frames.filter(g2Change).map((f) => f.status);
    return [onlyG2(await framesUntilOwnChange(onA, markA, b, g1Token)), onlyG2(await framesUntilOwnChange(onB, markB, a, g1Token))];
  };

  beforeEach(async () => {
    publishedByA = [];
    const recordedHold = (bus: SharedPart['bus']) => {
      held = new HeldBus(bus);
      const publishRemote = held.publishRemote.bind(held);
      held.publishRemote = (topic, message) => {
        publishedByA.push(message);
        publishRemote(topic, message);
      };
      return held;
    };
    let parts: SharedPart[];
    ({ a, b, parts, close } = await twoLiveApps(kind, { hostAuth: hs256, serviceToken: SERVICE_TOKEN }, (bus, instance) => (instance === 'a' ? recordedHold(bus) : bus)));
    store = parts[0]!.store;
    b.clock.t = a.clock.t;
    await service(a, 'PUT', '/friendships', { pairs: [{ a: 'g1', b: 'g2' }] });
    g2 = (await a.app.beacon.userIds(['g2'])).get('g2')!;
    g1Token = await sign('g1');
    ({ socket: onA } = await a.connect(g1Token));
    ({ socket: onB } = await b.connect(g1Token));
    await a.app.services.presence.shared();
    await b.app.services.presence.shared();
    expect(statuses()).toEqual(['offline', 'offline']);
  });
  afterEach(async () => {
    held.release();
    await close();
  });

  /** B answers a `match_started` naming g2 while A's bus holds it back; friends on B see g2 in game. */
  async function startedOnBUnheardByA(matchId: string): Promise<void> {
    held.hold();
    const mark = onB.mark();
    expect((await game(b, 'match_started', matchId, ['g2'])).json()).toEqual({ applied: ['g2'] });
    await onB.next((f) => g2Change(f) && f.status === 'in_game', { from: mark });
    // Over Redis it reaches A (and is held there) a moment later.
    await expect.poll(() => held.waiting).toBeGreaterThan(0);
    expect(a.app.services.presence.viewOf(g2, 'friend').status).toBe('offline');
  }

  for (const logins of [1, 0]) {
    it(`the game ends once A hears of it: both instances and the shared store show g2 offline, A never in game (${logins} login)`, async () => {
      // g2 signed in once (a login, no session left: offline), or never did.
      if (logins) expect((await a.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { authorization: `Bearer ${await sign('g2')}` } })).statusCode).toBeLessThan(300);
      const markA = onA.mark();
      const markB = onB.mark();
      // B's clock runs a minute ahead of A's: the start's version is later than the sign-out's by
      // the clocks. The sign-out still comes after it: A reads the user's version in the shared
      // store, where B saved the start before answering it.
      b.clock.t = a.clock.t + 60_000;
      await startedOnBUnheardByA('late-1');
      a.clock.t += 1000;
      b.clock.t += 1000;
      publishedByA = [];
      const res = await service(a, 'POST', '/users/g2/sign-out');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ sessions: logins });
      held.release();
      await expect.poll(statuses).toEqual(['offline', 'offline']);
      const [seenOnA, seenOnB] = await seenUntilSentinels(markA, markB);
      // A never showed the game: its start reached A after the sign-out. B showed it until the sign-out's end reached B.
      expect(seenOnA).toEqual([]);
      expect(seenOnB).toEqual(['in_game', 'offline']);
      expect(statuses()).toEqual(['offline', 'offline']);
      expect(games()).toEqual([[], []]);
      // An instance that loads g2 later reads no game either.
      expect((await store.load([g2], null)).get(g2)?.serverGames).toEqual([]);
      // Only inputs every version applies (an older instance beside this one ends the game alike):
      // the logout, and the game's end (at the sign-out, the shared store naming it, and again
      // when its start reached A).
      const inputs = (publishedByA as BusEvent[]).flatMap((m) => (m.kind === 'input' && m.userId === g2 ? [m.input] : []));
      const end = { op: 'game', matchId: 'late-1', kind: 'match', started: false };
      expect(inputs.filter((i) => i.op !== 'logout')).toEqual([end, end]);
      expect(inputs.filter((i) => i.op === 'logout')).toHaveLength(logins);
    });
  }

  // Review: the cut-off was A's own clock, never sent to B; a start B answered after the sign-out,
  // dated earlier by B's slower clock, was taken as before it and ended everywhere.
  for (const logins of [0, 1]) {
    it(`a game B starts after the sign-out goes on though B's clock runs 5 s behind A's (${logins} login)`, async () => {
      if (logins) expect((await a.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { authorization: `Bearer ${await sign('g2')}` } })).statusCode).toBeLessThan(300);
      b.clock.t = a.clock.t - 5000;
      expect((await service(a, 'POST', '/users/g2/sign-out')).json()).toEqual({ sessions: logins });
      await a.app.services.presence.shared();
      held.hold();
      expect((await game(b, 'match_started', 'after-2', ['g2'])).json()).toEqual({ applied: ['g2'] });
      await expect.poll(() => held.waiting).toBeGreaterThan(0);
      held.release();
      await expect.poll(games).toEqual([['after-2'], ['after-2']]);
      await a.app.services.presence.shared();
      await b.app.services.presence.shared();
      expect(games()).toEqual([['after-2'], ['after-2']]);
      expect(statuses()).toEqual(['in_game', 'in_game']);
      expect((await store.load([g2], null)).get(g2)?.serverGames.map((g) => g.matchId)).toEqual(['after-2']);
    });
  }

  it('a game B starts after the sign-out, reaching A after it too, goes on: only the one started before ends', async () => {
    const markA = onA.mark();
    const markB = onB.mark();
    await startedOnBUnheardByA('late-1');
    a.clock.t = b.clock.t += 1000;
    expect((await service(a, 'POST', '/users/g2/sign-out')).json()).toEqual({ sessions: 0 });
    await a.app.services.presence.shared();
    a.clock.t = b.clock.t += 1000;
    expect((await game(b, 'match_started', 'after-1', ['g2'])).json()).toEqual({ applied: ['g2'] });
    held.release();
    await expect.poll(games).toEqual([['after-1'], ['after-1']]);
    const [seenOnA, seenOnB] = await seenUntilSentinels(markA, markB);
    // A: only the new game. B: late-1 until the sign-out ended it, then the new game. (A frame
    // more when activity_since moves to the next minute.)
    const changes = (seen: unknown[]) => seen.filter((status, i) => status !== seen[i - 1]);
    expect(changes(seenOnA)).toEqual(['in_game']);
    expect(changes(seenOnB)).toEqual(['in_game', 'offline', 'in_game']);
    expect(statuses()).toEqual(['in_game', 'in_game']);
    expect(games()).toEqual([['after-1'], ['after-1']]);
    expect((await store.load([g2], null)).get(g2)?.serverGames.map((g) => g.matchId)).toEqual(['after-1']);
  });
});

/**
 * A bus outage instead of latency: the start never reaches A (lost, not late), and the resync
 * after the outage reloads every replica from the shared store. The sign-out leaves there, under
 * a version later than the start's, a copy without the game, which the resync takes everywhere.
 */
describe.each(['A (which answers the sign-out)', 'B (which starts the game)'] as const)('a sign-out while the bus of %s is cut off', (cut) => {
  let a: LiveApp;
  let b: LiveApp;
  let buses: CutOffBus[];
  let store: MemoryPresenceStore;
  let cleanup: Array<() => Promise<unknown>> = [];
  let onA: TestSocket;
  let onB: TestSocket;
  let g1Token = '';
  let g2 = 0;

  const g2Change = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === g2;
  const statuses = () => [a, b].map((x) => x.app.services.presence.viewOf(g2, 'friend').status);
  const synced = () => [a, b].every((x) => x.app.services.presence.replicaSync().synced);

  beforeEach(async () => {
    cleanup = [];
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const hub = new MemoryHub();
    store = new MemoryPresenceStore();
    buses = [new CutOffBus({ hub, instanceId: 'a' }), new CutOffBus({ hub, instanceId: 'b' })];
    const config = { databaseUrl: db.url, hostAuth: hs256, serviceToken: SERVICE_TOKEN };
    a = await startLiveApp(config, { bus: buses[0]!, store });
    cleanup.push(() => a.close());
    b = await startLiveApp(config, { bus: buses[1]!, store });
    cleanup.push(() => b.close());
    b.clock.t = a.clock.t;
    await service(a, 'PUT', '/friendships', { pairs: [{ a: 'g1', b: 'g2' }] });
    g2 = (await a.app.beacon.userIds(['g2'])).get('g2')!;
    g1Token = await sign('g1');
    ({ socket: onA } = await a.connect(g1Token));
    ({ socket: onB } = await b.connect(g1Token));
    await a.app.services.presence.shared();
    await b.app.services.presence.shared();
    expect(statuses()).toEqual(['offline', 'offline']);
  });
  afterEach(async () => {
    for (const bus of buses) bus.down = false;
    for (const fn of cleanup.reverse()) await fn();
  });

  it('the game B started just before the sign-out is over on both once the bus is back, and stays so', async () => {
    const bus = buses[cut.startsWith('A') ? 0 : 1]!;
    bus.down = true;
    const markB = onB.mark();
    expect((await game(b, 'match_started', 'lost-1', ['g2'])).json()).toEqual({ applied: ['g2'] });
    await onB.next((f) => g2Change(f) && f.status === 'in_game', { from: markB });
    expect(a.app.services.presence.viewOf(g2, 'friend').status).toBe('offline');
    a.clock.t = b.clock.t += 1000;
    expect((await service(a, 'POST', '/users/g2/sign-out')).json()).toEqual({ sessions: 0 });
    const markA = onA.mark();
    bus.down = false;
    await expect.poll(() => synced(), { timeout: 10_000 }).toBe(true);
    await expect.poll(statuses, { timeout: 5000 }).toEqual(['offline', 'offline']);
    // And it stays so: what each instance shared since has arrived before a sentinel of g1's own.
    await a.app.services.presence.shared();
    await b.app.services.presence.shared();
    const seen = [await framesUntilOwnChange(onA, markA, b, g1Token), await framesUntilOwnChange(onB, markB, a, g1Token)].map((frames) => frames.filter(g2Change).map((f) => f.status));
    expect(seen[0]!.every((status) => status === 'offline')).toBe(true);
    expect(seen[1]!.at(-1)).toBe('offline');
    expect(statuses()).toEqual(['offline', 'offline']);
    expect((await store.load([g2], null)).get(g2)?.serverGames).toEqual([]);
  }, 30_000);
});
