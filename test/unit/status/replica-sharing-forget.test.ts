/**
 * A deleted user is dropped from the shared presence store (ReplicaSharing.forget): after the
 * shares of them in flight, and, where the store could not be reached, at the next resync
 * (forgetOwed), never left there for the key's day-long expiry.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../../src/server/adapters/presence-store-memory.js';
import { ReplicaSharing, type SharingParts } from '../../../src/server/status/replica-sharing.js';
import type { Version } from '../../../src/server/ports/presence-store.js';

const V: Version = { at: 1, by: 'a' };
const base = { sessions: [], serverGames: [], manualStatus: null, customMessage: 'private', customMessageExpiresAt: null, declaredActivity: null, lastSeen: null, lastActivity: null, graceUntil: null, autoAway: false };

const parts = { storeError: (err: unknown) => String(err) } as unknown as SharingParts;

function world() {
  const store = new MemoryPresenceStore();
  const warnings: string[] = [];
  const log = { warn: (_o: unknown, msg: string) => void warnings.push(msg), info: () => {}, error: () => {}, debug: () => {} };
  const sharing = new ReplicaSharing({ bus: new MemoryBus({ instanceId: 'a' }), store, log: log as never }, parts);
  return { store, sharing, warnings };
}

describe('a deleted user in the shared presence store', () => {
  it('is dropped once the shares of them in flight are done', async () => {
    const { store, sharing } = world();
    await store.save(7, 'a', base, V);
    await store.save(8, 'a', base, V);
    await sharing.forget(7);
    expect(store.holds(7)).toBe(false);
    expect(store.holds(8)).toBe(true);
    expect(sharing.owesAny()).toBe(false);
  });

  it('is dropped once the store answers again, said so in the log, and before a user who took the id since is saved', async () => {
    const { store, sharing, warnings } = world();
    await store.save(7, 'a', base, V);
    const forget = store.forget.bind(store);
    store.forget = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await sharing.forget(7);
    expect(store.holds(7)).toBe(true);
    expect(sharing.owesAny()).toBe(true);
    expect(warnings).toEqual(['shared presence store unreachable; a deleted user is dropped from it once it answers']);
    // A user who took the id since is saved only after the deleted one was dropped: their state stays.
    store.forget = forget;
    const engine = { exportUser: () => ({ ...base, customMessage: 'fresh' }) };
    const versions = { versionOf: () => ({ at: 2, by: 'a' }), fields: () => ({}) };
    Object.assign(parts, { engine, versions, profiles: new Map([[7, {}]]), isLoading: () => false });
    await sharing.resave(7);
    expect((await store.load([7], null)).get(7)?.customMessage).toBe('fresh');
    await sharing.forgetOwed();
    expect((await store.load([7], null)).get(7)?.customMessage).toBe('fresh');
    expect(sharing.owesAny()).toBe(false);
  });

  it('is dropped at the resync when the store could not be reached at the deletion (nobody took the id since)', async () => {
    const { store, sharing } = world();
    await store.save(7, 'a', base, V);
    const forget = store.forget.bind(store);
    store.forget = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await sharing.forget(7);
    store.forget = forget;
    await sharing.forgetOwed();
    expect(store.holds(7)).toBe(false);
    expect(sharing.owesAny()).toBe(false);
  });
});
