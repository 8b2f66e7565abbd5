/**
 * A user with many friends, written straight into a new SQLite database before the server
 * starts (a thousand sign-ups and friend requests over the API take minutes; this takes well
 * under a second). Pass `env` to startServer. Every user gets a session and its token, so the
 * friends can connect a socket (and come online) from the test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { createTokenService } from '../../src/server/auth/tokens.js';

/** The e2e server's JWT secret (helpers/server.ts): tokens signed here are its own. */
const SECRET = 'e2e-secret-0123456789abcdef';

export interface SeededUser {
  id: number;
  username: string;
  token: string;
}

export interface SeededFriends {
  /** For startServer(env): the seeded database. */
  env: Record<string, string>;
  user: SeededUser;
  /** Offline, friend `i` last seen `i + 1` minutes ago: the list shows them in this order. */
  friends: SeededUser[];
  /** Deletes the database. */
  remove(): void;
}

/** `username` and `count` friends (`${prefix}0000`…), all offline, each seen a minute before the next. */
export async function seedFriends(username: string, count: number, prefix = 'pal_'): Promise<SeededFriends> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-e2e-seed-'));
  const url = `sqlite:${join(dir, 'beacon.db')}`;
  const database = openDatabase(url);
  const now = Date.now();
  const tokens = createTokenService(SECRET);
  const names = [username, ...Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`)];
  const seeded: SeededUser[] = [];
  try {
    await migrateToLatest(database);
    await database.db.transaction().execute(async (trx) => {
      const users = names.map((name, i) => ({
        username: name,
        username_lower: name.toLowerCase(),
        display_name: i === 0 ? name : `Pal ${name.slice(prefix.length)}`,
        // Nobody logs in with a password: the tokens below are the sessions.
        password_hash: 'seeded-without-password',
        role: 'user' as const,
        created_at: now,
        online_status: 'offline' as const,
        last_seen: i === 0 ? null : now - i * 60_000,
        status_visibility: 'friends' as const,
        activity_visibility: 'friends' as const,
        last_seen_visibility: 'friends' as const,
        custom_message_visibility: 'friends' as const,
      }));
      for (let i = 0; i < users.length; i += 500) await trx.insertInto('users').values(users.slice(i, i + 500)).execute();
      const rows = await trx.selectFrom('users').select(['id', 'username']).execute();
      const id = new Map(rows.map((r) => [r.username, r.id]));
      const self = id.get(username)!;
      const pairs = names.slice(1).flatMap((name) => {
        const friend = id.get(name)!;
        return [
          { user_id: self, friend_id: friend, category: 'friend' as const, created_at: now },
          { user_id: friend, friend_id: self, category: 'friend' as const, created_at: now },
        ];
      });
      for (let i = 0; i < pairs.length; i += 500) await trx.insertInto('friendships').values(pairs.slice(i, i + 500)).execute();
      const sessions = names.map((name) => {
        const sessionId = randomUUID();
        const userId = id.get(name)!;
        const expiresAt = now + 3_600_000;
        seeded.push({ id: userId, username: name, token: tokens.sign({ userId, sessionId, expiresAt }) });
        return { id: sessionId, user_id: userId, created_at: now, last_seen_at: now, expires_at: expiresAt, revoked_at: null, user_agent: 'e2e seed' };
      });
      for (let i = 0; i < sessions.length; i += 500) await trx.insertInto('user_sessions').values(sessions.slice(i, i + 500)).execute();
    });
  } finally {
    await database.close();
  }
  return {
    env: { BEACON_DATABASE_URL: url },
    user: seeded[0]!,
    friends: seeded.slice(1),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
