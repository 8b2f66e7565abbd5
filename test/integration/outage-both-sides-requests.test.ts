/**
 * Friend-request frames made through A while B's bus was down reach B's sockets once it is
 * back: with both buses down (Redis unreachable for both), A holds what it published meanwhile
 * (held-request-frames.ts) and published it again on its return, while B still could not hear
 * it; with B's bus alone down, A published them at once, to nobody on B. B says its bus is back
 * and A sends them again to B alone (outage-catch-up.ts). Real Redis, a TCP proxy per instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { outagePair, type OutagePair } from '../helpers/one-sided-outage.js';
import { proxiedRedisParts, until } from '../helpers/shared-parts.js';
import { T0 } from '../unit/status/service-fixture.js';

const auth = (userId: number): AuthContext => ({ userId, sessionId: `login-${userId}`, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER });

async function request(s: Services, from: number, to: number): Promise<number> {
  const sent = await s.friends.sendRequest(from, to);
  if (!('request' in sent)) throw new Error('expected a request');
  return sent.request.id;
}

describe('friend-request frames made through A while B’s bus was down, alone or with A’s (Redis bus)', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  let redis: Awaited<ReturnType<typeof proxiedRedisParts>>;
  let w: OutagePair & { ids: Record<'alice' | 'bob' | 'carol' | 'erin' | 'frank', number>; carol: number; erin: number };
  beforeEach(async () => {
    cleanup = [];
    redis = await proxiedRedisParts(2);
    cleanup.push(redis.close);
    const pair = await outagePair(redis.parts, cleanup);
    const ids = {} as Record<'alice' | 'bob' | 'carol' | 'erin' | 'frank', number>;
    for (const name of ['alice', 'bob', 'carol', 'erin', 'frank'] as const) ids[name] = (await pair.a.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: T0 }))!.id;
    const carol = await request(pair.a, ids.carol, ids.bob);
    const erin = await request(pair.a, ids.erin, ids.bob);
    // Bob and Alice are connected to B only.
    for (const id of [ids.bob, ids.alice]) {
      await pair.b.presence.prepareViewer(auth(id));
      pair.b.presence.openSocket(auth(id), `b-${id}`);
    }
    await pair.a.presence.shared();
    await pair.b.presence.shared();
    w = { ...pair, ids, carol, erin };
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  /** `cut` cut (both, or B's alone); through A: Alice asks Bob, Bob declines Carol, Bob accepts Erin, Frank asks Bob. Answers Alice's request and Frank's. */
  async function changesOnA(cut: 'both' | 'b'): Promise<{ alice: number; frank: number }> {
    const [busA, busB] = redis.parts.map((p) => p.bus);
    for (const p of cut === 'both' ? redis.proxies : [redis.proxies[1]!]) p.cut();
    await until('Redis gone', () => !busB!.isHealthy() && busA!.isHealthy() === (cut === 'b'), 5000);
    w.seenB.length = 0;
    const alice = await request(w.a, w.ids.alice, w.ids.bob);
    await w.a.friends.decline(w.ids.bob, w.carol);
    await w.a.friends.accept(w.ids.bob, w.erin);
    const frank = await request(w.a, w.ids.frank, w.ids.bob);
    expect(w.seenB.filter((e) => e.kind.startsWith('request_'))).toEqual([]);
    return { alice, frank };
  }

  async function bConverges({ alice, frank }: { alice: number; frank: number }): Promise<void> {
    const { ids, seenB } = w;
    const is = (kind: string, viewerId: number, id: number) => (e: PresenceEvent) =>
      (e.kind === 'request_received' || e.kind === 'request_sent' || e.kind === 'request_closed') && e.kind === kind && e.viewerId === viewerId && (e.kind === 'request_closed' ? e.requestId : e.request.id) === id;
    await until('Bob on B is told Alice asked', () => seenB.some(is('request_received', ids.bob, alice)), 15_000);
    await until('Alice on B lists her request as sent', () => seenB.some(is('request_sent', ids.alice, alice)), 15_000);
    await until('Bob on B is told he declined Carol and accepted Erin', () => seenB.some(is('request_closed', ids.bob, w.carol)) && seenB.some(is('request_closed', ids.bob, w.erin)), 15_000);
    // Sentinel: a status change through A reaches B after anything A sent again.
    await w.a.presence.setStatus(ids.alice, { status: 'busy' });
    await until('B shows Alice busy', () => w.b.presence.engine.get(ids.alice).status === 'busy', 15_000);
    // Each frame once; Frank's request, cancelled before B was back, is not announced to it.
    for (const [kind, viewer, id] of [['request_received', ids.bob, alice], ['request_sent', ids.alice, alice], ['request_closed', ids.bob, w.carol], ['request_closed', ids.bob, w.erin]] as const) {
      expect(seenB.filter(is(kind, viewer, id)), `${kind} ${id}`).toHaveLength(1);
    }
    expect(seenB.filter(is('request_received', ids.bob, frank))).toEqual([]);
  }

  it('reach B when A’s bus is back before B’s (A published them again while B could not hear)', async () => {
    const made = await changesOnA('both');
    const [busA, busB] = redis.parts.map((p) => p.bus);
    redis.proxies[0]!.restore();
    await until('A is back', () => busA!.isHealthy(), 5000);
    // A's catch-up runs on its return, while B still hears nothing; then Frank cancels through A.
    await new Promise((r) => setTimeout(r, 1000));
    await w.a.friends.decline(w.ids.frank, made.frank);
    expect(busB!.isHealthy()).toBe(false);
    redis.proxies[1]!.restore();
    await until('B is back', () => busB!.isHealthy(), 5000);
    await bConverges(made);
  }, 40_000);

  it('reach B when only B’s bus was down (A published them to nobody there)', async () => {
    const made = await changesOnA('b');
    await w.a.friends.decline(w.ids.frank, made.frank);
    redis.proxies[1]!.restore();
    await until('B is back', () => redis.parts[1]!.bus.isHealthy(), 5000);
    await bConverges(made);
  }, 40_000);
});
