/**
 * A deleted account leaves nothing in server memory: game events skip it as an unknown id
 * (docs/protocol.md §4), on every instance, and its status history rows not yet written are
 * dropped with it, without an error in the logs (docs/protocol.md §9). On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import { PresenceRepository } from '../../src/server/status/presence-repository.js';

type U = { token: string; id: number };
const PASSWORD = 'pass-phrase-for-tests';
const SERVICE_TOKEN = 'game-server-secret-123456';
const NEVER_EXISTED = 999_999;

const del = (t: LiveApp, who: U) => t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(who.token), payload: { password: PASSWORD } });

describe.each(testDialects())('a deleted account in memory on %s', (dialect) => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ serviceToken: SERVICE_TOKEN }, { dialect }));
  });
  afterEach(() => t.close());

  const game = (event: string, playerIds: number[]) =>
    t.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { event, match_id: 'm-del', player_ids: playerIds } });

  it('skips a deleted player in game events, whose friend kept her loaded', async () => {
    // Bob's socket loads his friends: alice is held here when she deletes her account.
    const { socket: b } = await t.connect(bob.token);
    const from = b.mark();
    expect((await del(t, alice)).statusCode).toBe(204);
    await b.next((f) => f.type === 'friend_removed' && f.friend_id === alice.id, { from });
    const started = await game('match_started', [alice.id, NEVER_EXISTED, bob.id]);
    expect(started.json()).toEqual({ applied: [bob.id] });
    expect((await game('match_ended', [alice.id, NEVER_EXISTED])).json()).toEqual({ applied: [] });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).statusCode).toBe(404);
    // Told once: the friendship rows' removal and the deletion's own sweep of friend lists do not
    // both say it (every frame sent so far has arrived once the heartbeat's ack, sent after, has).
    await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    expect(b.since(from).filter((f) => f.type === 'friend_removed')).toHaveLength(1);
  });

  it('keeps nothing of her from a replica load that read her just before the deletion (found by review)', async () => {
    // Idle replicas go, so a friend's view of her must load her again.
    await t.advance(3_600_000);
    t.app.services.presence.releaseIdle?.();
    const original = PresenceRepository.prototype.load;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let readRows!: () => void;
    const rowsRead = new Promise<void>((r) => (readRows = r));
    const spy = vi.spyOn(PresenceRepository.prototype, 'load').mockImplementation(async function (this: PresenceRepository, ids) {
      const rows = await original.call(this, ids);
      if (ids.includes(alice.id)) {
        readRows();
        await gate;
      }
      return rows;
    });
    try {
      const view = t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
      await rowsRead;
      expect((await del(t, alice)).statusCode).toBe(204);
      release();
      await view;
    } finally {
      spy.mockRestore();
    }
    expect((await game('match_started', [alice.id, bob.id])).json()).toEqual({ applied: [bob.id] });
  });

  it('drops the history rows of a deleted account not yet written, without logging an error', async () => {
    await t.connect(alice.token);
    await t.connect(bob.token);
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(alice.token), payload: { status: 'busy' } });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(bob.token), payload: { status: 'away' } });
    const error = vi.spyOn(t.app.services.log, 'error');
    expect((await del(t, alice)).statusCode).toBe(204);
    await t.app.services.history.recorder.flush();
    await t.app.services.presence.flush();
    await t.advance(61_000);
    await t.app.services.history.recorder.flush();
    expect(error).not.toHaveBeenCalled();
    const db = t.app.services.database.db;
    const history = await db.selectFrom('status_history').select(['user_id', 'status']).execute();
    expect(history.filter((r) => r.user_id === alice.id)).toEqual([]);
    // Everyone else's rows are written as ever.
    expect(history.filter((r) => r.user_id === bob.id).map((r) => r.status)).toContain('away');
  });
});

describe('a deleted account on two instances', () => {
  const pair = useTwoInstances();

  it('is forgotten by the other instance too: its game events skip her', async () => {
    const { a, b } = pair;
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    // Bob's socket is on b, which holds alice as his friend; she deletes her account on a.
    const { socket: s } = await b.connect(bob.token);
    const { socket: own } = await b.connect(alice.token);
    const from = s.mark();
    expect((await del(a, alice)).statusCode).toBe(204);
    await s.next((f) => f.type === 'friend_removed' && f.friend_id === alice.id, { from });
    // Her socket on b closes first (the revocation reaches b before the deletion).
    expect((await own.waitClosed()).code).toBe(4000);
    await b.app.services.presence.flush();
    expect(await b.app.services.presence.gameEvent({ event: 'match_started', match_id: 'm-del', player_ids: [alice.id, NEVER_EXISTED, bob.id] })).toEqual([bob.id]);
  });
});
