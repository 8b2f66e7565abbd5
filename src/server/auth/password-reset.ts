/**
 * The operator's password reset (`npm run admin -- reset-password <username>`, admin-cli.ts):
 * Beacon stores no e-mail address, so a user who forgot their password, or whose token
 * leaked, asks whoever runs Beacon. A new random password (shown to the operator once, stored
 * only as its argon2 hash) replaces the old one, and every login of the account ends in the
 * same transaction. The command is a process of its own: running instances learn of the ended
 * logins at their tokens' next use (every request and new socket reads the session); their open
 * sockets close at once when the instances share a bus (Redis), on which it tells them, and
 * within 30 s on an instance alone, which reads its logins again that often
 * (status/ended-logins.ts). The account's failed-login budget is cleared where the instances
 * count it in Redis; without Redis each instance counts in its own memory, out of reach.
 */
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Config } from '../config.js';
import { createBus } from '../adapters/create-bus.js';
import type { BusLogger } from '../adapters/bus-memory.js';
import { loginBudgetKey } from '../adapters/limits-redis.js';
import { RedisPresenceStore } from '../adapters/presence-store-redis.js';
import { commandClient, quit, redisTarget, within } from '../adapters/redis-connections.js';
import type { Db } from '../db/database.js';
import { REVOCATIONS_TOPIC } from '../status/bus-messages.js';
import { deadAfterMs } from '../status/cluster-heartbeat.js';
import { userTopic, type BusEvent } from '../status/presence-events.js';
import { UserRepository } from '../users/user-repository.js';
import { passwordProblem } from './password-policy.js';
import { SessionRepository } from './session-repository.js';

export type ResetResult =
  | { kind: 'reset'; userId: number; username: string; password: string; sessionIds: string[] }
  | { kind: 'no account' }
  /** A user of a host site (integration modes): Beacon holds no password of theirs. */
  | { kind: 'host user'; username: string };

/** 20 characters of base64url: 120 random bits. */
function randomPassword(username: string): string {
  for (;;) {
    const password = randomBytes(15).toString('base64url');
    if (passwordProblem(password, username) === null) return password;
  }
}

export async function resetPassword(db: Db, username: string, now: number): Promise<ResetResult> {
  const user = await new UserRepository(db).findByUsername(username);
  if (!user) return { kind: 'no account' };
  if (user.passwordHash === '') return { kind: 'host user', username: user.username };
  const password = randomPassword(user.username);
  const sessionIds = await new SessionRepository(db).replacePassword(user.id, await hash(password), now);
  if (!Array.isArray(sessionIds)) return { kind: 'no account' };
  return { kind: 'reset', userId: user.id, username: user.username, password, sessionIds };
}

const quiet: BusLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Tells the running instances, over the bus, that these logins ended (what an instance
 * publishes at a logout, status/bus-messages.ts): each closes their sockets with 4000. Answers
 * whether every message reached Redis; false when Redis could not be reached within `waitMs`.
 */
export async function announceEnded(config: Readonly<Config>, userId: number, sessionIds: readonly string[], waitMs = 5_000): Promise<boolean> {
  if (!config.redisUrl) return false;
  let dropped = 0;
  const bus = createBus(redisTarget(config.redisUrl, config.redisMode), {
    prefix: config.redisPrefix,
    logger: quiet,
    metrics: { busPublished: (sent) => void (sent ? undefined : dropped++), busReceived: () => {}, redisError: () => {} },
  });
  try {
    if (!bus.isHealthy()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        bus.onHealthChange((healthy) => {
          if (!healthy) return;
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!bus.isHealthy()) return false;
    for (const sessionId of sessionIds) {
      const event = { kind: 'revoked', userId, sessionId } satisfies BusEvent;
      bus.publishRemote(userTopic(userId), event);
      bus.publishRemote(REVOCATIONS_TOPIC, event);
    }
    await bus.flushed();
    return dropped === 0;
  } finally {
    await bus.close();
  }
}

/**
 * Clears the account's failed-login budget for unknown devices (auth/login-throttle.ts) where
 * the instances share it, in Redis: its owner, locked out by guesses, signs in with the new
 * password at once. Answers whether Redis took it; false when it could not be reached within
 * `waitMs`. Without Redis each instance counts in its own memory, which no other process reaches.
 */
export async function clearFailedLogins(config: Readonly<Config>, username: string, waitMs = 5_000): Promise<boolean> {
  if (!config.redisUrl) return false;
  const client = commandClient(redisTarget(config.redisUrl, config.redisMode), { connectionName: `${config.redisPrefix}:admin`, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    const key = loginBudgetKey(config.redisPrefix, username.toLowerCase(), null);
    return (await within(client.del(key).then(() => true, () => false), waitMs)) === true;
  } finally {
    await quit(client);
  }
}

/**
 * How many running instances heartbeat in this Redis under the command's `BEACON_REDIS_PREFIX`
 * (status/cluster-heartbeat.ts), or null when Redis could not tell within `waitMs`. None means
 * nobody heard `announceEnded` nor counts the budget `clearFailedLogins` cleared: most likely the
 * command runs without the instances' prefix, and their sockets would stay open.
 */
export async function liveInstanceCount(config: Readonly<Config>, waitMs = 5_000): Promise<number | null> {
  if (!config.redisUrl) return null;
  const store = new RedisPresenceStore({ target: redisTarget(config.redisUrl, config.redisMode), prefix: config.redisPrefix, commandTimeoutMs: waitMs });
  try {
    const ask = store.connect().then(() => store.liveInstances(deadAfterMs(config.heartbeatIntervalMs)));
    const live = await within(ask.catch(() => null), waitMs);
    return live ? live.size : null;
  } finally {
    await store.close();
  }
}
