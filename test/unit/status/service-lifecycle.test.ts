/** Start and stop of the presence service with one instance: no ghost stays online in the database. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { PresenceRepository } from '../../../src/server/status/presence-repository.js';
import { openDatabase } from '../../../src/server/db/database.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../../helpers/config.js';
import { freshDatabase, testDialects, type TestDialect } from '../../helpers/databases.js';
import { createServices, type Services } from '../../../src/server/services.js';
import { serviceFixture, silentLog, T0, type ServiceFixture } from './service-fixture.js';

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
    // Alice (a live socket) is recorded as present, her grace from the stop; Bob (never here) is not.
    const stop = await new PresenceRepository(f.services.database.db).takeStopped();
    expect(stop).toEqual({ at: T0 + 2_000, recordedAt: T0 + 2_000, present: [expect.objectContaining({ userId: alice.userId, graceUntil: T0 + 2_000 + f.services.config.offlineGraceMs, lastSeen: T0 + 2_000, autoAway: false })] });
    // The record serves one start.
    expect(await new PresenceRepository(f.services.database.db).takeStopped()).toBeNull();
  });

  it('a stop whose last write failed records no clean stop (the next start treats it as a crash)', async () => {
    await f.services.presence.start();
    await f.connect(alice);
    f.advance(2_000);
    const write = vi.spyOn(PresenceRepository.prototype, 'write').mockRejectedValue(new Error('database down'));
    await f.services.presence.stop();
    write.mockRestore();
    expect(await new PresenceRepository(f.services.database.db).takeStopped()).toBeNull();
  });

  it('at a start within the grace of a clean stop, users it left online are in that grace, then offline last seen at the stop', async () => {
    const repo = new PresenceRepository(f.services.database.db);
    const grace = f.services.config.offlineGraceMs;
    await repo.markAlive(T0 - 3_000);
    // Alice was auto-away with a socket; Bob was in a game a game server declared, without a session.
    await repo.markStopped(T0 - 3_000, [{ userId: alice.userId, graceUntil: T0 - 3_000 + grace, lastSeen: T0 - 3_000, graceSession: 'a/1~x', autoAway: true, activity: null, details: null }]);
    await f.services.database.db.updateTable('users').set({ online_status: 'away', activity_type: 'idle' }).where('id', '=', alice.userId).execute();
    await f.services.database.db.updateTable('users').set({ online_status: 'in_game', activity_type: 'playing_pong' }).where('id', '=', bob.userId).execute();
    await f.services.presence.start();
    // What friends saw at the stop, not online/browsing.
    expect(f.services.presence.viewOf(alice.userId, 'friend')).toMatchObject({ status: 'away', activity: 'idle' });
    // Bob was in no grace: his row is offline (and nothing makes him online).
    expect((await row(bob.userId)).online_status).toBe('offline');
    await f.services.presence.ensureLoaded([bob.userId]);
    expect(f.services.presence.viewOf(bob.userId, 'friend').status).toBe('offline');
    // Alice's row says what the engine says once the write-behind ran.
    await f.services.presence.flush();
    expect((await row(alice.userId)).online_status).toBe('away');
    f.advance(grace - 3_000 - 1);
    expect(f.services.presence.viewOf(alice.userId, 'friend').status).toBe('away');
    f.advance(1);
    expect(f.services.presence.viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: new Date(T0 - 3_000).toISOString() });
  });

  it('at a start later than the grace of a clean stop, users it left online are written offline, last seen at the stop', async () => {
    const repo = new PresenceRepository(f.services.database.db);
    await repo.markAlive(T0 - 60_000);
    await repo.markStopped(T0 - 60_000, [{ userId: alice.userId, graceUntil: T0 - 50_000, lastSeen: T0 - 60_000, graceSession: null, autoAway: false, activity: null, details: null }]);
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

/**
 * A deploy on `databaseUrl`: Alice's socket opens on a first process at T0; 2 s later `before`
 * runs, then the process stops as at SIGTERM (presence, then the database), with `atWrite` run at
 * each write of presence rows during that stop; a second process starts on the same database 3 s
 * later and loads her. Answers the second process (the caller closes it), Alice and the clock.
 */
async function deploy(
  databaseUrl: string,
  hooks: {
    before?: (first: Services, alice: AuthContext, clock: { t: number }) => Promise<void>;
    atWrite: (first: Services, alice: AuthContext, clock: { t: number }) => void;
    /** After the first process stopped, before the second starts: on the database as the first left it. */
    stopped?: (config: ReturnType<typeof testConfig>) => Promise<void>;
  },
): Promise<{ second: Services; alice: AuthContext; clock: { t: number }; config: ReturnType<typeof testConfig> }> {
  const config = testConfig({ rateLimits: false, databaseUrl });
  const clock = { t: T0 };
  const first = await createServices(config, silentLog, { now: () => clock.t });
  const u = await first.users.create({ username: 'alice', displayName: 'Alice', passwordHash: 'x', role: 'user', now: clock.t });
  if (!u) throw new Error('no user');
  const alice: AuthContext = { userId: u.id, sessionId: 'login-1', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
  await first.presence.start();
  await first.presence.prepareViewer(alice);
  first.presence.openSocket(alice, 'conn-1');
  clock.t += 2_000;
  await hooks.before?.(first, alice, clock);
  const write = PresenceRepository.prototype.write;
  const spied = vi.spyOn(PresenceRepository.prototype, 'write').mockImplementation(async function (this: PresenceRepository, rows) {
    hooks.atWrite(first, alice, clock);
    return write.call(this, rows);
  });
  try {
    await first.close();
  } finally {
    spied.mockRestore();
  }
  await hooks.stopped?.(config);
  clock.t += 3_000;
  const second = await createServices(config, silentLog, { now: () => clock.t });
  try {
    await second.presence.start();
    await second.presence.ensureLoaded([alice.userId]);
  } catch (err) {
    await second.close();
    throw err;
  }
  return { second, alice, clock, config };
}

describe('a deploy: a clean stop, then a new process on the same database within the grace', () => {
  it('is a clean stop when a socket\'s close arrives during its last write (PostgreSQL\'s write takes a round trip): the stop is recorded, and the user resumes in its grace', async () => {
    const fresh = await freshDatabase('postgres');
    let second: Services | null = null;
    try {
      let closed = false;
      let alice: AuthContext;
      ({ second, alice } = await deploy(fresh.url, {
        before: async (first, a) => {
          await first.presence.flush();
          await first.presence.setActivity(a.userId, 'chatting');
        },
        // The stop closed her socket with 1001; its close comes back while the final write is on its way.
        atWrite: (first, a) => {
          if (closed) return;
          closed = true;
          first.presence.closeSocket(a, 'conn-1', false);
        },
      }));
      // Friends keep seeing her as before the deploy (not reset offline as after a crash).
      expect(second.presence.viewOf(alice.userId, 'friend')).toMatchObject({ status: 'online', activity: 'chatting' });
    } finally {
      await second?.close();
      await fresh.drop();
    }
  });

  it('is a clean stop even when its last write takes time: the user present at the stop is in its grace, not reset offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-stop-'));
    let second: Services | null = null;
    try {
      // The final write-behind flush (rows, then the alive mark) ends a few milliseconds after the
      // stop began, as it does on a real machine.
      const deployed = await deploy(`sqlite:${join(dir, 'beacon.db')}`, { atWrite: (_first, _alice, clock) => void (clock.t += 5) });
      second = deployed.second;
      expectResumedThroughTheGrace(deployed);
    } finally {
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Upgrading from such a release: its record was read as a crash's (`at` is before the final
  // flush's alive mark), and the first start of the upgrade reset everyone offline (seen live:
  // 'reset users left online by an unclean stop' after a clean SIGTERM of the 2026-12-04 release).
  it('is a clean stop when its record is an older release\'s (no recordedAt) and its last write took time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-stop-'));
    let second: Services | null = null;
    try {
      const deployed = await deploy(`sqlite:${join(dir, 'beacon.db')}`, {
        atWrite: (_first, _alice, clock) => void (clock.t += 5),
        // The record as a release before recordedAt wrote it: `at` and who was present.
        stopped: async (config) => {
          const database = openDatabase(config.databaseUrl);
          try {
            const row = await database.db.selectFrom('server_secrets').select('value').where('name', '=', 'stopped').executeTakeFirstOrThrow();
            const { recordedAt: _recordedAt, ...older } = JSON.parse(row.value) as Record<string, unknown>;
            await database.db.updateTable('server_secrets').set({ value: JSON.stringify(older) }).where('name', '=', 'stopped').execute();
          } finally {
            await database.close();
          }
        },
      });
      second = deployed.second;
      expectResumedThroughTheGrace(deployed);
    } finally {
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a status change that comes after the stop\'s last write (SERVICE_UNAVAILABLE), so the next process shows what the user was told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-stop-'));
    let second: Services | null = null;
    let late: Promise<unknown> | null = null;
    const record = PresenceRepository.prototype.markStopped;
    // The stop has written the rows and records itself: Alice sets "busy" now (a frame read
    // before her socket closed, a host's call during its own shutdown).
    const recording = vi.spyOn(PresenceRepository.prototype, 'markStopped');
    try {
      const deployed = await deploy(`sqlite:${join(dir, 'beacon.db')}`, {
        before: async (first, a) => {
          recording.mockImplementation(async function (this: PresenceRepository, ...args) {
            late ??= first.presence.setStatus(a.userId, { status: 'busy', custom_message: 'deploying' }).then(
              () => 'applied',
              (err: unknown) => err,
            );
            await late;
            return record.apply(this, args);
          });
        },
        atWrite: () => {},
      });
      second = deployed.second;
      expect(await late).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/shutting down.*not applied/) as unknown });
      // The stop stays clean: she resumes in its grace, as she was before the refused change.
      expect(second.presence.viewOf(deployed.alice.userId, 'self')).toMatchObject({ status: 'online', custom_message: null });
    } finally {
      recording.mockRestore();
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A database two processes in turn open, on each dialect (SQLite in a file), and how to drop it. */
/**
 * After a clean deploy (deploy()): friends keep seeing Alice as before it until the grace of the
 * stop ends, then offline, last seen at the stop (T0 + 2 s).
 */
function expectResumedThroughTheGrace({ second, alice, clock, config }: Awaited<ReturnType<typeof deploy>>): void {
  expect(second.presence.viewOf(alice.userId, 'friend').status).toBe('online');
  clock.t += config.offlineGraceMs;
  second.presence.tick();
  expect(second.presence.viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: new Date(T0 + 2_000).toISOString() });
}

async function deployDatabase(dialect: TestDialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'postgres') return freshDatabase('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'beacon-stop-'));
  return { url: `sqlite:${join(dir, 'beacon.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each(testDialects())('a deploy on %s: a logout or a last close during the stop\'s drain', (dialect) => {
  /**
   * Alice logs out at the stop's `moment` 1 s after it began (T0 + 3 s), as her client's
   * POST /auth/logout would (the session revoked, then the gateway closes her socket with 4000).
   * Answers the second process's view of her, her row, and what the second shows once the stop's
   * offline grace is over.
   */
  async function logoutDuring(moment: 'the last write' | 'the record') {
    const db = await deployDatabase(dialect);
    let second: Services | null = null;
    const record = PresenceRepository.prototype.markStopped;
    const recording = vi.spyOn(PresenceRepository.prototype, 'markStopped');
    let out: Promise<void> | null = null;
    const logout = (first: Services, a: AuthContext, clock: { t: number }) => {
      if (out) return out;
      clock.t += 1_000;
      out = first.auth.logout(a).then(() => first.presence.closeSocket(a, 'conn-1', true));
      return out;
    };
    try {
      const deployed = await deploy(db.url, {
        before: async (first, a, clock) => {
          await first.presence.setActivity(a.userId, 'chatting');
          recording.mockImplementation(async function (this: PresenceRepository, ...args) {
            if (moment === 'the record') await logout(first, a, clock);
            return record.apply(this, args);
          });
        },
        atWrite: (first, a, clock) => {
          if (moment === 'the last write') void logout(first, a, clock);
        },
      });
      second = deployed.second;
      const { alice, clock, config } = deployed;
      const view = second.presence.viewOf(alice.userId, 'self');
      const stored = await second.database.db.selectFrom('users').select(['online_status', 'last_seen']).where('id', '=', alice.userId).executeTakeFirstOrThrow();
      clock.t += config.offlineGraceMs;
      second.presence.tick();
      return { view, stored, afterGrace: second.presence.viewOf(alice.userId, 'self') };
    } finally {
      recording.mockRestore();
      await second?.close();
      await db.drop();
    }
  }

  it.each(['the last write', 'the record'] as const)('a logout at %s of the stop: the next process shows her offline, last seen at the logout', async (moment) => {
    const { view, stored, afterGrace } = await logoutDuring(moment);
    const loggedOut = new Date(T0 + 3_000).toISOString();
    expect(view).toMatchObject({ status: 'offline', last_seen: loggedOut });
    expect(stored).toEqual({ online_status: 'offline', last_seen: T0 + 3_000 });
    expect(afterGrace).toMatchObject({ status: 'offline', last_seen: loggedOut });
  });

  it('a logout whose row cannot be written still takes her out of the stop record: the next process shows her offline, last seen at the stop', async () => {
    const db = await deployDatabase(dialect);
    let second: Services | null = null;
    const record = PresenceRepository.prototype.markStopped;
    const recording = vi.spyOn(PresenceRepository.prototype, 'markStopped');
    let failing = false;
    try {
      const deployed = await deploy(db.url, {
        before: async (first, a, clock) => {
          recording.mockImplementation(async function (this: PresenceRepository, ...args) {
            clock.t += 1_000;
            failing = true;
            await first.auth.logout(a);
            return record.apply(this, args);
          });
        },
        atWrite: () => {
          if (failing) throw new Error('database refused the row');
        },
      });
      second = deployed.second;
      // Not resumed in a grace (her row still said online): written offline at the start.
      expect(second.presence.viewOf(deployed.alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: new Date(T0 + 2_000).toISOString() });
    } finally {
      recording.mockRestore();
      await second?.close();
      await db.drop();
    }
  });

  it('a last socket closing after the stop\'s last write is one of the stop\'s own closes: she resumes in its grace, then is offline last seen at the stop', async () => {
    const db = await deployDatabase(dialect);
    let second: Services | null = null;
    const record = PresenceRepository.prototype.markStopped;
    const recording = vi.spyOn(PresenceRepository.prototype, 'markStopped');
    try {
      const deployed = await deploy(db.url, {
        before: async (first, a) => {
          recording.mockImplementation(async function (this: PresenceRepository, ...args) {
            first.presence.closeSocket(a, 'conn-1', false);
            return record.apply(this, args);
          });
        },
        atWrite: () => {},
      });
      second = deployed.second;
      expectResumedThroughTheGrace(deployed);
    } finally {
      recording.mockRestore();
      await second?.close();
      await db.drop();
    }
  });
});
