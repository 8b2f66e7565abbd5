/**
 * A clean stop's drain (ReplicaSharing.drain) waits for the shares begun while it waits, not
 * only for those in flight when it began: a socket whose close reaches the stop late shares its
 * leave then, and was counted as a change the store lacks (the stop failed with IncompleteStop,
 * "1 users' changes were not saved") though its save was a moment away. Found by the privacy
 * audit's Redis runs (helper 231), where sockets closed during the stop.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../../src/server/adapters/presence-store-memory.js';
import type { SharedState, Version } from '../../../src/server/ports/presence-store.js';
import { ReplicaSharing, type SharingParts } from '../../../src/server/status/replica-sharing.js';

const base = { sessions: [], serverGames: [], manualStatus: null, customMessage: null, customMessageExpiresAt: null, declaredActivity: null, lastSeen: null, lastActivity: null, graceUntil: null, autoAway: false };

/** A store whose saves wait until the test lets each user's save through. */
class GatedStore extends MemoryPresenceStore {
  readonly #gates = new Map<number, () => void>();
  readonly #waiting = new Map<number, Promise<void>>();
  gate(userId: number): void {
    this.#waiting.set(userId, new Promise<void>((r) => this.#gates.set(userId, r)));
  }
  open(userId: number): void {
    this.#gates.get(userId)?.();
  }
  override async save(userId: number, instanceId: string, state: SharedState, version: Version): Promise<boolean> {
    await this.#waiting.get(userId);
    return super.save(userId, instanceId, state, version);
  }
}

function world() {
  const store = new GatedStore();
  let at = 0;
  const parts = {
    engine: { exportUser: () => ({ ...base }) },
    profiles: new Map([
      [7, {}],
      [8, {}],
    ]),
    versions: { changedHere: (): Version => ({ at: ++at, by: 'a' }), versionOf: (): Version => ({ at, by: 'a' }), fields: () => ({}) },
    isLoading: () => false,
    storeError: (err: unknown) => String(err),
  } as unknown as SharingParts;
  const log = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} };
  const sharing = new ReplicaSharing({ bus: new MemoryBus({ instanceId: 'a' }), store, log: log as never }, parts);
  return { store, sharing };
}

const leave = { kind: 'leave', sessionId: 's1' } as never;

describe('a clean stop drains the shared store', () => {
  it('waits for a share begun after the drain began, and counts nothing unsaved', async () => {
    const { store, sharing } = world();
    store.gate(7);
    store.gate(8);
    sharing.share(7, leave, true);
    const drained = sharing.drain(Date.now() + 60_000);
    // A socket's close reaches the stop after the drain began.
    sharing.share(8, leave, true);
    store.open(7);
    await new Promise((r) => setTimeout(r, 0));
    store.open(8);
    expect(await drained).toBe(0);
    expect(store.holds(7)).toBe(true);
    expect(store.holds(8)).toBe(true);
  });

  it('still answers at its deadline a share that never completes, counted as unsaved', async () => {
    const { store, sharing } = world();
    store.gate(8);
    const drained = sharing.drain(Date.now() + 50);
    sharing.share(8, leave, true);
    expect(await drained).toBe(1);
    expect(store.holds(8)).toBe(false);
  });
});
