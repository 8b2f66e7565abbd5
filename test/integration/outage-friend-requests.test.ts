/**
 * Friend-request frames made through A while only A's bus was down reach B's sockets once A is
 * back: `friend_request_received` to the recipient, `friend_request_sent` to the sender's other
 * sockets, `friend_request_closed` (accepted, declined, cancelled) to both sides, an acceptance
 * before its `friend_added`. B's bus never went down, so B never catches up by itself: A holds
 * the frames it published meanwhile and publishes them again when its bus returns, minus those
 * that no longer hold (a request closed since, here or through B). Two instances on a memory hub
 * (A's bus alone cut) and on a real Redis (a TCP proxy per instance, A's alone cut).
 */
import { expect } from 'vitest';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import type { Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { describeOneSidedOutage, outagePair, type OutagePair } from '../helpers/one-sided-outage.js';
import { until } from '../helpers/shared-parts.js';
import { T0 } from '../unit/status/service-fixture.js';

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'] as const;
type Name = (typeof NAMES)[number];

interface World extends OutagePair {
  ids: Record<Name, number>;
  /** Requests pending before the outage: Carol's, Dave's and Erin's to Bob. */
  before: { carol: number; dave: number; erin: number };
}

const auth = (userId: number): AuthContext => ({ userId, sessionId: `login-${userId}`, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER });

async function request(s: Services, from: number, to: number): Promise<number> {
  const sent = await s.friends.sendRequest(from, to);
  if (!('request' in sent)) throw new Error('expected a request');
  return sent.request.id;
}

async function world(parts: Array<{ bus: EventBus; store: PresenceStore }>, cleanup: Array<() => Promise<unknown>>): Promise<World> {
  const t = T0;
  const { a, b, seenB } = await outagePair(parts, cleanup);
  const ids = {} as Record<Name, number>;
  for (const name of NAMES) ids[name] = (await a.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: t }))!.id;
  const before = { carol: await request(a, ids.carol, ids.bob), dave: await request(a, ids.dave, ids.bob), erin: await request(a, ids.erin, ids.bob) };
  // Bob, Alice and Dave are connected to B only.
  for (const id of [ids.bob, ids.alice, ids.dave]) {
    await b.presence.prepareViewer(auth(id));
    b.presence.openSocket(auth(id), `b-${id}`);
  }
  await a.presence.shared();
  await b.presence.shared();
  return { a, b, seenB, ids, before };
}

const requestFrames = (seen: PresenceEvent[]) => seen.filter((e) => e.kind === 'request_received' || e.kind === 'request_sent' || e.kind === 'request_closed');

/**
 * Through A, its bus down: Alice asks Bob (still pending at the end), Bob declines Carol, Dave
 * cancels, Bob accepts Erin, Frank asks Bob and cancels; Grace asks Bob, and Bob declines her
 * through B. Answers the ids of the requests made meanwhile.
 */
async function changesOnA(w: World): Promise<{ alice: number; frank: number; grace: number }> {
  const { a, b, ids, before } = w;
  w.seenB.length = 0;
  const alice = await request(a, ids.alice, ids.bob);
  await a.friends.decline(ids.bob, before.carol);
  await a.friends.decline(ids.dave, before.dave);
  await a.friends.accept(ids.bob, before.erin);
  const frank = await request(a, ids.frank, ids.bob);
  await a.friends.decline(ids.frank, frank);
  const grace = await request(a, ids.grace, ids.bob);
  await b.friends.decline(ids.bob, grace);
  // Nothing of A's reached B: only the decline made through B itself.
  expect(requestFrames(w.seenB)).toEqual([{ kind: 'request_closed', viewerId: ids.bob, requestId: grace, reason: 'declined' }]);
  return { alice, frank, grace };
}

/** B's sockets end up told what A did, in order; never of Frank's request, nor again of Grace's. */
async function bConverges(w: World, made: { alice: number; frank: number; grace: number }): Promise<void> {
  const { a, b, ids, before, seenB } = w;
  const received = (viewerId: number, id: number) => (e: PresenceEvent) => (e.kind === 'request_received' || e.kind === 'request_sent') && e.viewerId === viewerId && e.request.id === id;
  const closed = (viewerId: number, id: number, reason: string) => (e: PresenceEvent) => e.kind === 'request_closed' && e.viewerId === viewerId && e.requestId === id && e.reason === reason;
  await until('Bob on B is told Alice asked', () => seenB.some((e) => e.kind === 'request_received' && received(ids.bob, made.alice)(e)), 15_000);
  await until('Alice on B lists her request as sent', () => seenB.some((e) => e.kind === 'request_sent' && received(ids.alice, made.alice)(e)), 15_000);
  await until('Bob on B is told he declined Carol', () => seenB.some(closed(ids.bob, before.carol, 'declined')), 15_000);
  await until('Bob and Dave on B are told Dave cancelled', () => seenB.some(closed(ids.bob, before.dave, 'cancelled')) && seenB.some(closed(ids.dave, before.dave, 'cancelled')), 15_000);
  await until('Bob on B is told Erin’s request was accepted, then that she is his friend', () => seenB.some((e) => e.kind === 'friend_added' && e.viewerId === ids.bob && e.subjectId === ids.erin), 15_000);
  const accepted = seenB.findIndex(closed(ids.bob, before.erin, 'accepted'));
  expect(accepted).toBeGreaterThanOrEqual(0);
  expect(accepted).toBeLessThan(seenB.findIndex((e) => e.kind === 'friend_added' && e.viewerId === ids.bob && e.subjectId === ids.erin));
  // Sentinel: a status change published through A after its catch-up reaches B after anything A re-sent.
  await a.presence.setStatus(ids.alice, { status: 'busy' });
  await until('B shows Alice busy', () => b.presence.engine.get(ids.alice).status === 'busy', 15_000);
  // Frank's request, made and cancelled during the outage, and Grace's, closed through B, are not announced.
  const about = (id: number) => requestFrames(seenB).filter((e) => (e.kind === 'request_closed' ? e.requestId : e.request.id) === id);
  expect(about(made.frank)).toEqual([]);
  expect(about(made.grace)).toEqual([{ kind: 'request_closed', viewerId: ids.bob, requestId: made.grace, reason: 'declined' }]);
  // Each frame once.
  expect(seenB.filter(received(ids.bob, made.alice))).toHaveLength(1);
}

describeOneSidedOutage({
  subject: 'friend-request frames made through A while only A’s bus was down reach B’s sockets',
  test: 'received, sent and closed (accepted, declined, cancelled) reach B when A is back',
  world,
  whileDown: changesOnA,
  converges: bConverges,
});
