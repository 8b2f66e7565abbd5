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

  it('a clean stop writes everyone offline, keeping what they chose to be remembered', async () => {
    await f.services.presence.start();
    await f.connect(alice);
    await f.services.presence.setStatus(alice.userId, { status: 'busy', custom_message: 'back soon' });
    f.advance(2_000);
    await f.services.presence.stop();
    expect(await row(alice.userId)).toEqual({ online_status: 'offline', activity_type: null, manual_status: 'busy', last_seen: T0 + 2_000, custom_message: 'back soon' });
  });

  it('the write-behind leaves the live status in the database while running', async () => {
    await f.connect(alice);
    await f.services.presence.setActivity(alice.userId, 'chatting');
    await f.services.presence.flush();
    expect(await row(alice.userId)).toMatchObject({ online_status: 'online', activity_type: 'chatting', manual_status: null });
  });
});
