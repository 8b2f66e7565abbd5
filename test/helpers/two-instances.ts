/**
 * Two instances of one deployment for a describe block: live apps sharing one PostgreSQL
 * database, one in-memory bus and one presence store, fresh for each test.
 */
import { afterEach, beforeEach } from 'vitest';
import type { Config } from '../../src/server/config.js';
import { MemoryBus, MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { freshDatabase } from './databases.js';
import { startLiveApp, type LiveApp } from './live-app.js';

/** Registers the hooks; the returned pair holds the current test's instances `a` and `b` (both started with `config`). */
export function useTwoInstances(config: Partial<Config> = {}): { a: LiveApp; b: LiveApp } {
  const pair = {} as { a: LiveApp; b: LiveApp };
  let drop: () => Promise<void> = async () => {};
  beforeEach(async () => {
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    pair.a = await startLiveApp({ ...config, databaseUrl: db.url }, { bus: new MemoryBus({ hub, instanceId: 'a' }), store });
    pair.b = await startLiveApp({ ...config, databaseUrl: db.url }, { bus: new MemoryBus({ hub, instanceId: 'b' }), store });
  });
  afterEach(async () => {
    await pair.a.close();
    await pair.b.close();
    await drop();
  });
  return pair;
}
