/**
 * Seeds a fresh Beacon database with the project's own modules (openDatabase,
 * migrateToLatest, createTokenService): users sharing ONE argon2 hash, both directions
 * of every friendship, and one login session per user whose token the bench uses, so
 * that argon2 never sits on the connect path. Big multi-row inserts in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { createTokenService } from '../src/server/auth/tokens.js';
import type { openDatabase } from '../src/server/db/database.js';
import type { migrateToLatest } from '../src/server/db/migrate.js';
import { friendsOf, type Graph } from './graph.js';

interface DatabaseModule {
  openDatabase: typeof openDatabase;
}
interface MigrateModule {
  migrateToLatest: typeof migrateToLatest;
}
interface TokensModule {
  createTokenService: typeof createTokenService;
}

/** Loads a module of the Beacon tree under test (the working tree, or a `--beacon-ref` snapshot). */
function load<T>(root: string, path: string): Promise<T> {
  return import(pathToFileURL(join(root, path)).href) as Promise<T>;
}

export const BENCH_PASSWORD = 'bench-password-1';

export function benchUsername(i: number): string {
  return `bench_${i}`;
}

export interface Seeded {
  /** User id of each graph index. */
  userIds: number[];
  tokens: string[];
  ms: number;
  friendshipRows: number;
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export async function seedBeacon(root: string, databaseUrl: string, graph: Graph, jwtSecret: string): Promise<Seeded> {
  const started = Date.now();
  const { openDatabase } = await load<DatabaseModule>(root, 'src/server/db/database.ts');
  const { migrateToLatest } = await load<MigrateModule>(root, 'src/server/db/migrate.ts');
  const { createTokenService } = await load<TokensModule>(root, 'src/server/auth/tokens.ts');
  const database = openDatabase(databaseUrl);
  try {
    await migrateToLatest(database);
    const passwordHash = await hash(BENCH_PASSWORD);
    const now = Date.now();
    const expiresAt = now + 24 * 3_600_000;
    const userIds: number[] = [];
    const sessions: string[] = [];
    let friendshipRows = 0;
    await database.db.transaction().execute(async (trx) => {
      const users = Array.from({ length: graph.users }, (_, i) => ({
        username: benchUsername(i),
        username_lower: benchUsername(i),
        display_name: `Bench User ${i}`,
        password_hash: passwordHash,
        role: 'user' as const,
        created_at: now,
        online_status: 'offline' as const,
        status_visibility: 'friends' as const,
        activity_visibility: 'friends' as const,
        last_seen_visibility: 'friends' as const,
        custom_message_visibility: 'friends' as const,
      }));
      for (const c of chunks(users, 1000)) await trx.insertInto('users').values(c).execute();
      const rows = await trx.selectFrom('users').select(['id', 'username_lower']).execute();
      const idOf = new Map(rows.map((r) => [r.username_lower, r.id]));
      for (let i = 0; i < graph.users; i++) {
        const id = idOf.get(benchUsername(i));
        if (id === undefined) throw new Error(`seeded user ${i} not found`);
        userIds.push(id);
      }
      let batch: { user_id: number; friend_id: number; category: 'friend'; created_at: number }[] = [];
      for (let i = 0; i < graph.users; i++) {
        for (const f of friendsOf(graph, i)) {
          batch.push({ user_id: userIds[i]!, friend_id: userIds[f]!, category: 'friend', created_at: now });
          if (batch.length === 5000) {
            await trx.insertInto('friendships').values(batch).execute();
            friendshipRows += batch.length;
            batch = [];
          }
        }
      }
      if (batch.length > 0) await trx.insertInto('friendships').values(batch).execute();
      friendshipRows += batch.length;
      const sessionRows = userIds.map((id) => {
        const sid = randomUUID();
        sessions.push(sid);
        return { id: sid, user_id: id, created_at: now, last_seen_at: now, expires_at: expiresAt, revoked_at: null, user_agent: 'bench' };
      });
      for (const c of chunks(sessionRows, 2000)) await trx.insertInto('user_sessions').values(c).execute();
    });
    const tokens = createTokenService(jwtSecret);
    return {
      userIds,
      tokens: userIds.map((userId, i) => tokens.sign({ userId, sessionId: sessions[i]!, expiresAt })),
      ms: Date.now() - started,
      friendshipRows,
    };
  } finally {
    await database.close();
  }
}

/** Tokens for the baseline, which reads only `sub` (user id = graph index + 1). */
export async function baselineTokens(root: string, users: number, jwtSecret: string): Promise<string[]> {
  const { createTokenService } = await load<TokensModule>(root, 'src/server/auth/tokens.ts');
  const tokens = createTokenService(jwtSecret);
  const expiresAt = Date.now() + 24 * 3_600_000;
  return Array.from({ length: users }, (_, i) => tokens.sign({ userId: i + 1, sessionId: `b${i}`, expiresAt }));
}
