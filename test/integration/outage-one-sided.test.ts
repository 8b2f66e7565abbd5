/**
 * Review finding: after a bus outage only the instances whose own bus went down caught up. With
 * only A cut off (B never saw an outage), friend-graph changes made through A meanwhile
 * (a friendship made, one ended, a category changed) never reached B's sockets: B's viewers kept
 * the old friend list and views until they reconnected. And a status set through A for a user
 * with no socket there was saved but never announced (A's resync re-announced only users with
 * sockets on A, or whose save failed).
 *
 * Now an instance that changed the friend graph while its bus was down asks, once it is back,
 * the other instances holding those users to re-read their friend lists (`friends_changed`, per
 * user), and its resync re-announces every user whose presence it changed meanwhile.
 * Two instances on a memory hub (A's bus alone cut) and on a real Redis (a TCP proxy per
 * instance, A's alone cut).
 */
import { expect } from 'vitest';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { describeOneSidedOutage, outagePair, type OutagePair } from '../helpers/one-sided-outage.js';
import { until } from '../helpers/shared-parts.js';
import { T0 } from '../unit/status/service-fixture.js';

interface World extends OutagePair {
  ids: { alice: number; bob: number; carol: number; dave: number };
  requestId: number;
}

const auth = (userId: number, sessionId: string): AuthContext => ({ userId, sessionId, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER });

async function world(parts: Array<{ bus: EventBus; store: PresenceStore }>, cleanup: Array<() => Promise<unknown>>): Promise<World> {
  const t = T0;
  const { a, b, seenB } = await outagePair(parts, cleanup);
  const make = async (name: string) => (await a.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: t }))!.id;
  const ids = { alice: await make('alice'), bob: await make('bob'), carol: await make('carol'), dave: await make('dave') };
  await a.friendRepo.befriend(ids.bob, ids.carol, t);
  await a.friendRepo.befriend(ids.bob, ids.dave, t);
  const sent = await a.friends.sendRequest(ids.alice, ids.bob);
  if (!('request' in sent)) throw new Error('expected a request');
  // Bob and Dave are connected to B only.
  for (const [id, conn] of [[ids.bob, 'b1'], [ids.dave, 'b2']] as const) {
    await b.presence.prepareViewer(auth(id, `login-${id}`));
    b.presence.openSocket(auth(id, `login-${id}`), conn);
  }
  await a.presence.shared();
  await b.presence.shared();
  return { a, b, seenB, ids, requestId: sent.request.id };
}

/** Through A, its bus down: Bob accepts Alice, Carol unfriends Bob, Dave makes Bob an acquaintance and sets himself busy. */
async function changesOnA(w: World): Promise<void> {
  const { a, ids } = w;
  w.seenB.length = 0;
  await a.friends.accept(ids.bob, w.requestId);
  await a.friends.remove(ids.carol, ids.bob);
  await a.friends.setCategory(ids.dave, ids.bob, 'acquaintance');
  await a.presence.setStatus(ids.dave, { status: 'busy' });
  // Nothing of it reached B.
  expect(w.seenB.filter((e) => e.kind === 'friend_added' || e.kind === 'friend_removed')).toEqual([]);
  expect(w.b.presence.engine.get(ids.dave).status).toBe('online');
}

/** B's viewer Bob ends up with what A did: Alice added, Carol removed, Dave seen as an acquaintance, busy. */
async function bConverges(w: World): Promise<void> {
  const { b, ids, seenB } = w;
  await until('Bob on B is told Alice is his friend', () => seenB.some((e) => e.kind === 'friend_added' && e.viewerId === ids.bob && e.subjectId === ids.alice), 15_000);
  await until('Bob on B is told Carol is gone', () => seenB.some((e) => e.kind === 'friend_removed' && e.viewerId === ids.bob && e.subjectId === ids.carol), 15_000);
  await until('B holds the category Dave gives Bob', () => b.presence.graph.category(ids.bob, ids.dave) === 'acquaintance', 15_000);
  await until('B shows Dave busy', () => b.presence.engine.get(ids.dave).status === 'busy', 15_000);
  expect([...b.presence.graph.friendIds(ids.bob)].sort()).toEqual([ids.alice, ids.dave].sort());
  // Bob sees Dave as the public does now (an acquaintance), and busy.
  expect(b.presence.viewOf(ids.dave, b.presence.graph.tier(ids.bob, ids.dave)).status).toBe(b.presence.viewOf(ids.dave, 'public').status);
}

describeOneSidedOutage({
  subject: 'changes made through A while only A’s bus was down reach B’s sockets',
  test: 'friend added, friend removed, category and status converge on B when A is back',
  world,
  whileDown: changesOnA,
  converges: bConverges,
});
