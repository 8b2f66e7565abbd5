/**
 * The read-your-writes wait (PresenceService.shared, the onSend barrier in plugin.ts) waits for
 * the caller's own changes, not everyone's: one user's save stuck in a slow store must not hold
 * up another user's answer, and a failed save never fails the answer of a change that was made.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus, MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { testConfig } from '../helpers/config.js';
import type { SharedState, Version } from '../../src/server/ports/presence-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

/** A shared store whose saves of one user wait until the test lets them go (or fail). */
class StuckStore extends MemoryPresenceStore {
  stuckUser = -1;
  readonly #waiting: Array<{ go: () => void; fail: (e: Error) => void }> = [];
  override async save(userId: number, instanceId: string, state: SharedState, version: Version): Promise<boolean> {
    if (userId === this.stuckUser) await new Promise<void>((go, fail) => this.#waiting.push({ go, fail }));
    return super.save(userId, instanceId, state, version);
  }
  release(error?: Error) {
    for (const w of this.#waiting.splice(0)) {
      if (error) w.fail(error);
      else w.go();
    }
  }
}

describe('the read-your-writes wait is per user', () => {
  let s: Services;
  let store: StuckStore;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    const db = await freshDatabase('postgres');
    drop = db.drop;
    store = new StuckStore();
    s = await createServices(testConfig({ databaseUrl: db.url, rateLimits: false }), silentLog, { now: () => T0, bus: new MemoryBus({ hub: new MemoryHub(), instanceId: 'a' }), store });
    s.presence.setSink(() => {});
  });
  afterEach(async () => {
    // The store answers again: the stop saves what it refused (a store that never does fails the stop).
    store.stuckUser = -1;
    store.release();
    await s.close();
    await drop();
  });

  const user = async (name: string) => (await s.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: T0 }))!.id;
  const within = async (ms: number, p: Promise<unknown>) =>
    Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  it('waits for the caller’s stuck save, never for another user’s; a failed save still answers', async () => {
    const [x, y] = [await user('xena'), await user('yuri')];
    await s.presence.ensureLoaded([x, y]);
    store.stuckUser = x;
    await s.presence.setStatus(x, { status: 'busy' });
    await s.presence.setStatus(y, { status: 'away' });
    expect(await within(300, s.presence.shared(y)), 'yuri is not held up by xena’s save').toBe(true);
    const xs = s.presence.shared(x);
    expect(await within(300, xs), 'xena waits for her own').toBe(false);
    store.release(new Error('store down'));
    expect(await within(300, xs), 'a failed save ends the wait, without throwing').toBe(true);
  });
});
