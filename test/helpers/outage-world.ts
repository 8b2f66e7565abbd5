/**
 * Two instances' services over one fresh PostgreSQL database and the given buses and stores,
 * with Alice holding a tab on each (two logins) and Bob registered: what the outage catch-up
 * tests (a change made on A while a bus is down reaches her tab on B) start from. Each
 * instance's gateway is a recorder of what it was handed.
 */
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';
import { testConfig } from './config.js';
import { freshDatabase } from './databases.js';

export interface OutageWorld {
  a: Services;
  b: Services;
  /** What each instance's gateway was handed, since the last `clear()`. */
  seen: { a: PresenceEvent[]; b: PresenceEvent[] };
  alice: AuthContext;
  bobId: number;
  clear(): void;
}

/** `befriend`: Alice and Bob are friends. Each part's close goes into `cleanup`, last made first when run in reverse. */
export async function outageWorld(
  parts: Array<{ bus: EventBus; store: PresenceStore }>,
  cleanup: Array<() => Promise<unknown>>,
  opts: { befriend?: boolean } = {},
): Promise<OutageWorld> {
  const db = await freshDatabase('postgres');
  cleanup.push(db.drop);
  const config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
  const seen = { a: [] as PresenceEvent[], b: [] as PresenceEvent[] };
  const a = await createServices(config, silentLog, { now: () => T0, bus: parts[0]!.bus, store: parts[0]!.store });
  cleanup.push(() => a.close());
  const b = await createServices(config, silentLog, { now: () => T0, bus: parts[1]!.bus, store: parts[1]!.store });
  cleanup.push(() => b.close());
  a.presence.setSink((e) => seen.a.push(e));
  b.presence.setSink((e) => seen.b.push(e));
  for (const s of [a, b]) await s.start();
  const u = await a.users.create({ username: 'alice', displayName: 'alice', passwordHash: 'x', role: 'user', now: T0 });
  const bob = await a.users.create({ username: 'bob', displayName: 'bob', passwordHash: 'x', role: 'user', now: T0 });
  if (opts.befriend) await a.friendRepo.befriend(u!.id, bob!.id, T0);
  // Alice has a tab on each instance (two logins).
  const alice: AuthContext = { userId: u!.id, sessionId: 'l1', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
  await a.presence.prepareViewer(alice);
  a.presence.openSocket(alice, 'a1');
  const onB = { ...alice, sessionId: 'l2' };
  await b.presence.prepareViewer(onB);
  b.presence.openSocket(onB, 'b1');
  await a.presence.shared();
  await b.presence.shared();
  const clear = () => {
    seen.a.length = 0;
    seen.b.length = 0;
  };
  return { a, b, seen, alice, bobId: bob!.id, clear };
}

/** Her block of Bob, as a frame handed to one of her tabs. */
export const blockOfBob = (w: OutageWorld) => (e: PresenceEvent) => e.kind === 'block_changed' && e.viewerId === w.alice.userId && e.subjectId === w.bobId;
/** The category she gives Bob, as a frame handed to one of her tabs. */
export const categoryOfBob = (w: OutageWorld) => (e: PresenceEvent) => e.kind === 'friend_updated' && e.viewerId === w.alice.userId && e.friend.user_id === w.bobId;
/** Whether a `block_changed` states a block (undefined for any other frame). */
export const blocked = (e: PresenceEvent | undefined) => (e?.kind === 'block_changed' ? e.user !== null : undefined);
/** The category a `friend_updated` states (undefined for any other frame). */
export const category = (e: PresenceEvent | undefined) => (e?.kind === 'friend_updated' ? e.friend.category : undefined);
