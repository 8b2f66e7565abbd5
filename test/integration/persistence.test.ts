/** Presence persists without slowing the hot path, survives restarts, and never leaves ghosts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceRepository } from '../../src/server/status/presence-repository.js';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import { connect } from '../helpers/ws-client.js';

describe('presence persistence', () => {
  let dir: string;
  let url: string;
  const apps: LiveApp[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-persist-'));
    url = `sqlite:${join(dir, 'beacon.db')}`;
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close().catch(() => {});
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (config: { persistIntervalMs?: number } = {}) => {
    const a = await startLiveApp({ databaseUrl: url, jwtSecret: 'persist-secret-0123456789', ...config });
    apps.push(a);
    return a;
  };

  it('coalesces heartbeats and interactions: no database write each', async () => {
    // The write-behind's timer (every second by default, an empty batch too) never fires here: it
    // landed between the clear and the flush by hand now and then, a second write counted.
    const t = await start({ persistIntervalMs: 3_600_000 });
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    const write = vi.spyOn(PresenceRepository.prototype, 'write');
    await t.app.services.presence.flush();
    write.mockClear();
    const sent = socket.mark();
    for (let i = 0; i < 50; i++) socket.send({ type: 'heartbeat' });
    for (let i = 0; i < 20; i++) socket.send({ type: 'interaction' });
    await socket.next(() => socket.since(sent).filter((f) => f.type === 'heartbeat_ack').length === 50, { from: sent });
    const set = socket.mark();
    socket.send({ type: 'set_status', status: 'busy' });
    socket.send({ type: 'set_status', status: 'away' });
    await socket.next((f) => f.type === 'status_update' && f.status === 'away', { from: set });
    await t.app.services.presence.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]![0]).toEqual([expect.objectContaining({ userId: alice.id, status: 'away' })]);
  });

  it('keeps settings, manual status and custom message across a restart', async () => {
    const t1 = await start();
    const alice = await t1.register('alice');
    await t1.connect(alice.token);
    const h = bearer(alice.token);
    await t1.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: h, payload: { status: 'busy', custom_message: 'exams' } });
    await t1.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: h, payload: { last_seen_visibility: 'nobody' } });
    await t1.close();

    const t2 = await start();
    expect((await t2.app.inject({ url: '/api/v1/users/me/status/settings', headers: h })).json()).toMatchObject({ last_seen_visibility: 'nobody' });
    const { ready } = await t2.connect(alice.token);
    expect(ready.self).toMatchObject({ status: 'busy', custom_message: 'exams' });
  });

  it('turns users left online by a crash offline at the next start, with a sensible last_seen', async () => {
    const t1 = await start();
    const [alice, bob] = await t1.registerFriends('alice', 'bob');
    await t1.connect(alice.token);
    await t1.app.services.presence.flush();
    const aliveAt = t1.clock.now();
    // A second process on the same file starts while the first "crashed" (it never stopped cleanly).
    const t2 = await start();
    const view = (await t2.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json();
    // bob, a friend, sees last_seen to the minute.
    expect(view).toMatchObject({ status: 'offline', last_seen: new Date(aliveAt - (aliveAt % 60_000)).toISOString() });
    const row = await t2.app.services.database.db.selectFrom('users').select(['online_status']).where('id', '=', alice.id).executeTakeFirstOrThrow();
    expect(row.online_status).toBe('offline');
  });

  it('a deploy (clean stop, start within the grace) is a blip: friends see no one leave or come back, followers get no "online"', async () => {
    const t1 = await start();
    const [alice, bob] = await t1.registerFriends('alice', 'bob');
    expect((await t1.app.inject({ method: 'PUT', url: `/api/v1/users/me/notifications/watches/${alice.id}`, headers: bearer(bob.token) })).statusCode).toBe(200);
    const { socket: a1 } = await t1.connect(alice.token);
    await a1.after(() => a1.send({ type: 'set_status', status: 'busy', custom_message: 'ranked' }), (f) => f.type === 'status_update' && f.status === 'busy');
    await t1.close();

    const t2 = await start();
    // Bob's tab is back first: Alice is as she was, not offline.
    const { socket: b, ready } = await connect(t2.url, bob.token, '?reconnect=1');
    expect((ready.friends as Array<{ user_id: number }>).find((v) => v.user_id === alice.id)).toMatchObject({ status: 'busy', custom_message: 'ranked' });
    // Her tab reconnects: Bob hears nothing, no status change, no notification.
    const mark = b.mark();
    await connect(t2.url, alice.token, '?reconnect=1');
    await t2.app.services.notifications.notifier.idle();
    expect((await framesUntilNotice(b, mark, t2)).filter((f) => f.type === 'friend_status_change' || f.type === 'notification')).toEqual([]);
    // Nobody came back for someone else: the grace of the stop runs out as any grace does.
    const carol = await t2.register('carol');
    expect(carol.id).toBeGreaterThan(0);
  });

  it('a stop longer than the offline grace: users left online are offline at the next start, last seen at the stop', async () => {
    const t1 = await start();
    // This run ends a minute before the next one starts.
    t1.clock.t -= 60_000;
    const [alice, bob] = await t1.registerFriends('alice', 'bob');
    await t1.connect(alice.token);
    const stoppedAt = t1.clock.now();
    await t1.close();
    const t2 = await start();
    const view = (await t2.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json();
    expect(view).toMatchObject({ status: 'offline', last_seen: new Date(stoppedAt - (stoppedAt % 60_000)).toISOString() });
  });
});
