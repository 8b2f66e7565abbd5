/** Start and stop of the presence service with one instance: no ghost stays online in the database. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { PresenceRepository } from '../../../src/server/status/presence-repository.js';
import { serviceFixture, T0, type ServiceFixture } from './service-fixture.js';

describe('PresenceService start and stop (one instance)', () => {
  let f: ServiceFixture;
  let alice: AuthContext;
  let bob: AuthContext;
  beforeEach(async () => {
    f = await serviceFixture();
    alice = await f.user('alice');
    bob = await f.user('bob');
  });
  afterEach(async () => {
    await f.close();
  });

  const row = (id: number) =>
    f.services.database.db
      .selectFrom('users')
      .select(['online_status', 'activity_type', 'manual_status', 'last_seen', 'custom_message'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('at start, turns users a crashed run left online offline, last seen when it was last alive', async () => {
    const repo = new PresenceRepository(f.services.database.db);
    await repo.markAlive(T0 - 5_000);
    await f.services.database.db.updateTable('users').set({ online_status: 'busy', activity_type: 'chatting', manual_status: 'busy' }).where('id', '=', alice.userId).execute();
    await f.services.presence.start();
    expect(await row(alice.userId)).toEqual({ online_status: 'offline', activity_type: null, manual_status: 'busy', last_seen: T0 - 5_000, custom_message: null });
    expect((await row(bob.userId)).last_seen).toBeNull();
  });

  it('a clean stop leaves the rows as they were and dates the stop (a restart within the grace resumes it)', async () => {
    await f.services.presence.start();
    await f.connect(alice);
    await f.services.presence.setStatus(alice.userId, { status: 'busy', custom_message: 'back soon' });
    f.advance(2_000);
    await f.services.presence.stop();
    expect(await row(alice.userId)).toMatchObject({ online_status: 'busy', manual_status: 'busy', custom_message: 'back soon' });
    expect(await new PresenceRepository(f.services.database.db).stoppedAt()).toBe(T0 + 2_000);
  });

  it('at a start within the grace of a clean stop, users it left online are in that grace, then offline last seen at the stop', async () => {
    const repo = new PresenceRepository(f.services.database.db);
    await repo.markAlive(T0 - 3_000);
    await repo.markStopped(T0 - 3_000);
    await f.services.database.db.updateTable('users').set({ online_status: 'busy', activity_type: 'chatting', manual_status: 'busy' }).where('id', '=', alice.userId).execute();
    await f.services.presence.start();
    expect(f.services.presence.viewOf(alice.userId, 'friend')).toMatchObject({ status: 'busy' });
    f.advance(f.services.config.offlineGraceMs - 3_000 - 1);
    expect(f.services.presence.viewOf(alice.userId, 'friend').status).toBe('busy');
    f.advance(1);
    expect(f.services.presence.viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: new Date(T0 - 3_000).toISOString() });
  });

  it('at a start later than the grace of a clean stop, users it left online are written offline, last seen at the stop', async () => {
    const repo = new PresenceRepository(f.services.database.db);
    await repo.markAlive(T0 - 60_000);
    await repo.markStopped(T0 - 60_000);
    await f.services.database.db.updateTable('users').set({ online_status: 'busy', activity_type: 'chatting', manual_status: 'busy' }).where('id', '=', alice.userId).execute();
    await f.services.presence.start();
    expect(await row(alice.userId)).toEqual({ online_status: 'offline', activity_type: null, manual_status: 'busy', last_seen: T0 - 60_000, custom_message: null });
  });

  it('the write-behind leaves the live status in the database while running', async () => {
    await f.connect(alice);
    await f.services.presence.setActivity(alice.userId, 'chatting');
    await f.services.presence.flush();
    expect(await row(alice.userId)).toMatchObject({ online_status: 'online', activity_type: 'chatting', manual_status: null });
  });
});
