/**
 * Migration 021: users who hid before Beacon kept their status audience (016) get the narrowest,
 * close friends, so their close friends see their `hidden_last_seen` and pattern again, and
 * nobody sees more than when they hid.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { canSeePattern, view } from '../../../src/server/presence/privacy.js';
import type { PresenceState, Subject } from '../../../src/server/presence/types.js';
import { migrateToLatest } from '../../../src/server/db/migrate.js';
import { UserRepository } from '../../../src/server/users/user-repository.js';
import { testDialects } from '../../helpers/databases.js';
import { migratedTo } from '../../helpers/migrated-to.js';

const T0 = Date.UTC(2026, 0, 1);

describe.each(testDialects())('migration 021 (a hidden user’s audience) on %s', (dialect) => {
  let drop: () => Promise<void> = async () => {};
  afterAll(async () => drop());

  it('gives users hidden with no audience kept close friends; users not hidden, or hidden with one kept, keep theirs', async () => {
    // Throws if a migration up to 020 fails.
    const { database, ...fixture } = await migratedTo(dialect, '020-username-skeleton');
    drop = fixture.drop;
    // Rows as the release before left them: hidden before 016 (no audience), hidden since (one kept), not hidden.
    const rows: Array<[string, string, string | null]> = [
      ['old_hidden', 'hidden', null],
      ['new_hidden', 'hidden', 'public'],
      ['visible', 'friends', null],
    ];
    await sql`insert into users (username, username_lower, username_skeleton, display_name, password_hash, role, created_at, online_status, status_visibility, activity_visibility, last_seen_visibility, custom_message_visibility, hidden_last_seen, visibility_before_hidden)
      values ${sql.join(rows.map(([n, status, before]) => sql`(${n}, ${n}, ${n}, ${n}, 'h', 'user', ${T0}, 'offline', ${status}, 'friends', 'friends', 'friends', ${T0}, ${before})`))}`.execute(database.db);

    expect(await migrateToLatest(database)).toContain('021-hidden-audience-known');

    const users = new UserRepository(database.db);
    const before = async (name: string) => users.visibilityBeforeHidden((await users.findByUsername(name))!.id);
    expect(await before('old_hidden')).toBe('close_friends');
    expect(await before('new_hidden')).toBe('public');
    expect(await before('visible')).toBeNull();

    // What that means for viewers: close friends see the moment of hiding (they are in the last_seen audience) and may see the pattern; friends see nothing.
    const id = (await users.findByUsername('old_hidden'))!.id;
    const settings = { ...(await users.getSettings(id))!, last_seen_visibility: 'friends' as const, pattern_visibility: 'friends' as const };
    const presence: PresenceState = { status: 'online', activity: 'browsing', activityDetails: null, activitySince: T0, manualStatus: null, customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: T0, shownSince: null };
    const subject: Subject = { id, username: 'old_hidden', displayName: 'old_hidden', settings, hiddenLastSeen: T0, visibilityBeforeHidden: await before('old_hidden'), presence };
    expect(view(subject, 'close_friend', T0 + 1)).toMatchObject({ status: 'offline', last_seen: new Date(T0).toISOString() });
    expect(view(subject, 'friend', T0 + 1)).toMatchObject({ status: 'offline', last_seen: null });
    expect(canSeePattern(settings, 'close_friend', await before('old_hidden'))).toBe(true);
    expect(canSeePattern(settings, 'friend', await before('old_hidden'))).toBe(false);
  });
});
