/**
 * EndedLogins (ended-logins.ts): while the bus is down, the logins with a socket here are read
 * from the database at most RECHECK_MS apart, one read at a time; an ended one goes to the
 * gateway as the bus's `revoked` would, and a deleted user (no row, or a host's deletion's
 * `deleted_at`) is then forgotten as the bus's `deleted` would. Nothing is read while the bus is
 * healthy, and a failing read is said once. An instance alone (no bus shared with others: a
 * revocation written by another process, `npm run admin -- reset-password`, reaches it by no
 * bus) reads them every ALONE_RECHECK_MS with its bus healthy too.
 */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { ALONE_RECHECK_MS, EndedLogins, RECHECK_MS } from '../../../src/server/status/ended-logins.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';
import { serviceFixture } from './service-fixture.js';

function world(logins: Record<string, number>, { live, deleted, shared = true }: { live: string[]; deleted: number[]; shared?: boolean }) {
  let healthy = true;
  let clock = 0;
  let fail = false;
  const reads: string[][] = [];
  const order: string[] = [];
  const warnings: string[] = [];
  const ended = new EndedLogins({
    bus: { isHealthy: () => healthy },
    shared,
    now: () => clock,
    sessions: {
      liveAmong: async (ids) => {
        reads.push([...ids]);
        if (fail) throw new Error('database down');
        return new Set(ids.filter((id) => live.includes(id)));
      },
    },
    users: { deletedAmong: async (ids) => new Set(ids.filter((id) => deleted.includes(id))) },
    logins: () => new Map(Object.entries(logins).map(([id, userId]) => [id, { userId }])),
    sink: (e: PresenceEvent) => void order.push(e.kind === 'revoked' ? `revoked ${e.sessionId}` : e.kind),
    forgetDeleted: (userId) => void order.push(`forget ${userId}`),
    log: { info: () => {}, warn: (_o: unknown, msg: string) => void warnings.push(msg) } as unknown as FastifyBaseLogger,
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    ended,
    reads,
    order,
    warnings,
    settle,
    down: () => void (healthy = false),
    at: (ms: number) => void (clock = ms),
    failing: (f: boolean) => void (fail = f),
  };
}

describe('logins ended elsewhere while the bus is down', () => {
  it('reads nothing while the bus is healthy; then every RECHECK_MS of the clock, one read at a time', async () => {
    const w = world({ s1: 1 }, { live: ['s1'], deleted: [] });
    w.ended.tick();
    await w.settle();
    expect(w.reads).toEqual([]);
    w.down();
    w.ended.tick();
    w.ended.tick();
    await w.settle();
    expect(w.reads).toEqual([['s1']]);
    w.at(RECHECK_MS - 1);
    w.ended.tick();
    await w.settle();
    expect(w.reads).toHaveLength(1);
    w.at(RECHECK_MS);
    w.ended.tick();
    await w.settle();
    expect(w.reads).toHaveLength(2);
    expect(w.order).toEqual([]);
  });

  it('alone (no bus shared with other instances): reads every ALONE_RECHECK_MS with the bus healthy, every RECHECK_MS while it is down', async () => {
    const w = world({ s1: 1, s2: 1 }, { live: ['s1'], deleted: [], shared: false });
    w.ended.tick();
    await w.settle();
    expect(w.reads).toEqual([['s1', 's2']]);
    expect(w.order).toEqual(['revoked s2']);
    w.at(ALONE_RECHECK_MS - 1);
    w.ended.tick();
    await w.settle();
    expect(w.reads).toHaveLength(1);
    w.at(ALONE_RECHECK_MS);
    w.ended.tick();
    await w.settle();
    expect(w.reads).toHaveLength(2);
    w.down();
    w.at(ALONE_RECHECK_MS + RECHECK_MS);
    w.ended.tick();
    await w.settle();
    expect(w.reads).toHaveLength(3);
    expect(ALONE_RECHECK_MS).toBe(30_000);
  });

  it('ends the logins found ended, then forgets the users found deleted (after their sockets closed)', async () => {
    const w = world({ live: 1, loggedOut: 1, deletedA: 2, deletedB: 2 }, { live: ['live'], deleted: [2] });
    expect(await w.ended.recheck()).toBe(3);
    expect(w.order).toEqual(['revoked loggedOut', 'revoked deletedA', 'revoked deletedB', 'forget 2']);
  });

  it('says a failing read once, and again only after one succeeded', async () => {
    const w = world({ s1: 1 }, { live: ['s1'], deleted: [] });
    w.down();
    w.failing(true);
    for (let i = 1; i <= 3; i++) {
      w.at(i * RECHECK_MS);
      w.ended.tick();
      await w.settle();
    }
    expect(w.reads).toHaveLength(3);
    expect(w.warnings).toHaveLength(1);
    w.failing(false);
    w.at(4 * RECHECK_MS);
    w.ended.tick();
    await w.settle();
    w.failing(true);
    w.at(5 * RECHECK_MS);
    w.ended.tick();
    await w.settle();
    expect(w.warnings).toHaveLength(2);
  });
});

describe('what the reads find in the database', () => {
  it('a session is live until revoked or gone with its user; a user is deleted once its row is gone or marked deleted_at', async () => {
    const f = await serviceFixture();
    try {
      const { sessions, users, database } = f.services;
      const [kept, loggedOut, removed, hostDeleted] = await Promise.all(['kept', 'out', 'removed', 'host'].map((n) => f.user(n)));
      for (const [i, u] of [kept, loggedOut, removed, hostDeleted].entries()) {
        await sessions.create({ id: `s${i}`, userId: u!.userId, now: f.now(), expiresAt: f.now() + 60_000, userAgent: null });
      }
      await sessions.revoke('s1', f.now());
      await database.db.deleteFrom('users').where('id', '=', removed!.userId).execute();
      await database.db.updateTable('users').set({ deleted_at: f.now() }).where('id', '=', hostDeleted!.userId).execute();
      expect(await sessions.liveAmong(['s0', 's1', 's2', 's3', 'never'])).toEqual(new Set(['s0', 's3']));
      expect(await users.deletedAmong([kept!.userId, loggedOut!.userId, removed!.userId, hostDeleted!.userId])).toEqual(new Set([removed!.userId, hostDeleted!.userId]));
    } finally {
      await f.close();
    }
  });
});
