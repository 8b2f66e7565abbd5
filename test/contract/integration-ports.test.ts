/**
 * The identity, social graph and profiles ports' contracts (src/server/ports/), held against
 * every adapter: Beacon's own accounts (SQLite, PostgreSQL), the sidecar store (SQLite,
 * PostgreSQL) and an in-memory embedding host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portWorlds, type PortWorld } from '../helpers/port-worlds.js';

const sameId = (a: unknown, b: unknown) => String(a) === String(b);

describe.each(portWorlds())('ports on %s', (_name, make) => {
  let world: PortWorld;
  beforeAll(async () => {
    world = await make();
  });
  afterAll(async () => world?.close());

  describe('identity', () => {
    it('names the user behind a valid token', async () => {
      const alice = await world.addUser('Alice');
      const user = await world.identity.authenticate(alice.token);
      expect(user).not.toBeNull();
      expect(sameId(user!.id, alice.id)).toBe(true);
      expect(user!.name).toMatch(/^Alice/);
      expect(user!.admin ?? false).toBe(false);
    });

    it('refuses, without throwing, tokens it did not issue', async () => {
      const alice = await world.addUser('Alice');
      // A character inside the signature: the last one of a base64url HS256 signature carries
      // two ignored bits, so changing it alone can leave the same signature (a flaky test did).
      const at = alice.token.length - 5;
      const tampered = `${alice.token.slice(0, at)}${alice.token[at] === 'A' ? 'B' : 'A'}${alice.token.slice(at + 1)}`;
      for (const token of ['', 'garbage', tampered, 'x'.repeat(10_000)]) {
        expect(await world.identity.authenticate(token)).toBeNull();
      }
    });
  });

  describe('social graph', () => {
    it('gives no friends to a user without any', async () => {
      const loner = await world.addUser('Loner');
      expect(await world.friends.friendsOf(loner.id)).toEqual([]);
    });

    it('lists each friend once, with the category that friend gives the user', async () => {
      const a = await world.addUser('A');
      const b = await world.addUser('B');
      const c = await world.addUser('C');
      await world.befriend(a.id, b.id, 'close_friend', 'acquaintance');
      await world.befriend(a.id, c.id, 'friend', 'friend');
      const ofA = await world.friends.friendsOf(a.id);
      expect(ofA).toHaveLength(2);
      expect(ofA.find((f) => sameId(f.id, b.id))?.category).toBe('acquaintance');
      expect(ofA.find((f) => sameId(f.id, c.id))?.category).toBe('friend');
      const ofB = await world.friends.friendsOf(b.id);
      expect(ofB).toHaveLength(1);
      expect(sameId(ofB[0]!.id, a.id)).toBe(true);
      expect(ofB[0]!.category).toBe('close_friend');
    });

    it('forgets a friendship on both sides once it ends', async () => {
      const a = await world.addUser('A');
      const b = await world.addUser('B');
      await world.befriend(a.id, b.id, 'friend', 'friend');
      await world.unfriend(b.id, a.id);
      expect(await world.friends.friendsOf(a.id)).toEqual([]);
      expect(await world.friends.friendsOf(b.id)).toEqual([]);
    });
  });

  describe('profiles', () => {
    it('answers a whole batch in one call, leaving unknown ids out', async () => {
      const a = await world.addUser('Ann');
      const b = await world.addUser('Ben');
      const unknown = typeof a.id === 'number' ? 2_000_000_000 : 'nobody-here';
      const got = await world.profiles.profiles([a.id, b.id, unknown]);
      expect(got).toHaveLength(2);
      expect(got.find((p) => sameId(p.id, a.id))?.name).toMatch(/^Ann/);
      expect(got.find((p) => sameId(p.id, b.id))?.name).toMatch(/^Ben/);
      expect(await world.profiles.profiles([])).toEqual([]);
    });
  });
});
