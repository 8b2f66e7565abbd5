/**
 * The replica lifecycle on one instance, on a fake clock: a user's replica, profile, friend
 * list and bus subscription live while a local viewer needs them, and go shortly after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryBus } from '../../../src/server/adapters/bus-memory.js';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { serviceFixture, T0, type ServiceFixture } from './service-fixture.js';

const GRACE = 10_000;
const LINGER = 30_000;

describe('replica lifecycle (one instance)', () => {
  let f: ServiceFixture;
  afterEach(async () => {
    await f.close();
  });

  async function world(config: { replicaLingerMs?: number } = {}) {
    f = await serviceFixture({ offlineGraceMs: GRACE, replicaLingerMs: LINGER, ...config });
    const alice = await f.user('alice');
    const bob = await f.user('bob');
    const carol = await f.user('carol');
    await f.befriend(alice, bob);
    await f.befriend(bob, carol);
    return { alice, bob, carol, presence: f.services.presence, topics: () => (f.services.bus as MemoryBus).topics().filter((t) => t.startsWith('user:')).sort() };
  }

  /** Moves the clock in one-second steps, so every release sweep runs. */
  const wait = (ms: number) => {
    for (let left = ms; left > 0; left -= 1000) f.advance(Math.min(1000, left));
  };
  const close = (auth: AuthContext, conn: string) => f.services.presence.closeSocket(auth, conn, false);

  it('holds a viewer and their friends while the socket is open, then releases replica, profile, friend list and subscription', async () => {
    const { alice, bob, carol, presence, topics } = await world();
    await f.connect(alice, 'a1');
    expect(presence.replicates(alice.userId) && presence.replicates(bob.userId)).toBe(true);
    expect(presence.replicates(carol.userId)).toBe(false);
    wait(5 * LINGER);
    expect(presence.replicaCount).toBe(2);
    expect(topics()).toEqual([`user:${alice.userId}`, `user:${bob.userId}`].sort());

    close(alice, 'a1');
    wait(LINGER - 1000);
    expect(presence.replicaCount).toBe(2);
    await presence.flush();
    wait(2000);
    expect(presence.replicaCount).toBe(0);
    expect(presence.graph.size).toBe(0);
    expect(topics()).toEqual([]);
  });

  it('a second socket of the same viewer keeps everything until the last one closes', async () => {
    const { alice, bob, presence } = await world();
    await f.connect(alice, 'a1');
    await f.connect(alice, 'a2');
    close(alice, 'a1');
    await presence.flush();
    wait(2 * LINGER);
    expect(presence.replicates(bob.userId)).toBe(true);
    close(alice, 'a2');
    wait(GRACE + 1000);
    await presence.flush();
    wait(LINGER);
    expect(presence.replicaCount).toBe(0);
  });

  it('never drops a user before the offline grace of a session it ended has fired and been written, even with the shortest linger', async () => {
    const { alice, bob, presence } = await world({ replicaLingerMs: 1000 });
    await f.connect(alice, 'a1');
    close(alice, 'a1');
    wait(3000);
    expect(presence.replicates(bob.userId)).toBe(false);
    expect(presence.replicates(alice.userId)).toBe(true);
    expect(presence.engine.get(alice.userId).status).toBe('online');
    wait(GRACE);
    expect(presence.engine.get(alice.userId).status).toBe('offline');
    expect(presence.replicates(alice.userId)).toBe(true); // its offline row is not written yet
    await presence.flush();
    wait(1000);
    expect(presence.replicates(alice.userId)).toBe(false);
    const row = await f.services.database.db.selectFrom('users').select(['online_status', 'last_seen']).where('id', '=', alice.userId).executeTakeFirstOrThrow();
    expect(row).toEqual({ online_status: 'offline', last_seen: T0 });
  });

  it('a released user comes back from the database as they left: manual status, message, last seen', async () => {
    const { alice, bob, presence } = await world();
    await f.connect(alice, 'a1');
    await presence.setStatus(alice.userId, { status: 'busy', custom_message: 'back soon' });
    close(alice, 'a1');
    wait(GRACE + 1000);
    const before = presence.viewOf(alice.userId, 'friend');
    await presence.flush();
    wait(LINGER);
    expect(presence.replicates(alice.userId)).toBe(false);

    const ready = await f.connect(bob, 'b1');
    const seen = ready.friends.find((v) => v.user_id === alice.userId);
    expect(seen).toEqual({ ...before, timestamp: seen?.timestamp });
    expect(seen?.status).toBe('offline');
    expect(presence.viewOf(alice.userId, 'self')).toMatchObject({ custom_message: 'back soon', last_seen: new Date(T0).toISOString() });
    expect(presence.engine.get(alice.userId).manualStatus).toBe('busy');
  });

  it('a status read takes up no replica; a load for a REST call keeps it only for the linger', async () => {
    const { alice, carol, presence } = await world();
    await f.connect(alice, 'a1');
    // A status read is answered from the row, whether the viewer may see the status or not (status-read-timing.test.ts).
    await presence.userStatus(alice, carol.userId);
    expect(presence.replicates(carol.userId)).toBe(false);
    await f.services.users.updateSettings(carol.userId, { status_visibility: 'public' }, null);
    expect(await presence.userStatus(alice, carol.userId)).toMatchObject({ user_id: carol.userId, status: 'offline' });
    expect(presence.replicates(carol.userId)).toBe(false);
    await presence.ensureLoaded([carol.userId]);
    expect(presence.replicates(carol.userId)).toBe(true);
    wait(LINGER + 1000);
    expect(presence.replicates(carol.userId)).toBe(false);
    expect(presence.replicates(alice.userId)).toBe(true);
  });

  it('a friend added while the viewer is connected is held, and released once they are no longer friends', async () => {
    const { alice, carol, presence } = await world();
    await f.connect(alice, 'a1');
    await f.befriend(alice, carol);
    await new Promise((r) => setTimeout(r, 20)); // graph events load the new friend
    wait(2 * LINGER);
    expect(presence.replicates(carol.userId)).toBe(true);
    await f.services.friends.remove(alice.userId, carol.userId);
    await new Promise((r) => setTimeout(r, 20));
    wait(LINGER + 1000);
    expect(presence.replicates(carol.userId)).toBe(false);
  });
});
