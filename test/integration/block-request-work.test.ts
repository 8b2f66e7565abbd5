/**
 * Privacy finding (timing side channel): a friend request to someone who blocked you is answered
 * as one to a stranger (201, the same body), but skipped one query: whether the other side had
 * asked first (the auto-accept's check, never true from a blocker). Its sender could tell the
 * block from the time of the answer. Now both make the same reads and writes in the same order;
 * checked by recording the repository calls, not by timing. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { workRecorder } from '../helpers/work-recorder.js';
import { BlockRepository } from '../../src/server/friends/block-repository.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';

describe.each(testDialects())('a friend request to someone who blocked you takes the work of one to a stranger, on %s', (dialect) => {
  let t: LiveApp;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await startLiveApp({ databaseUrl: fresh.url });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
    await drop();
  });

  it('Eve, blocked by Alice, and Sam, a stranger to Carol, each ask', async () => {
    const alice = await t.register('alice');
    const carol = await t.register('carol');
    const eve = await t.register('eve');
    const sam = await t.register('sam');
    const blocked = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(alice.token), payload: { user_id: eve.id } });
    expect(blocked.statusCode).toBe(204);
    const record = workRecorder(t.app, { UserRepository, FriendRepository, BlockRepository });
    const ask = (from: { token: string }, to: { id: number }) =>
      record(async () => {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(from.token), payload: { user_id: to.id } });
        return { status: res.statusCode, keys: Object.keys(res.json<{ request: object }>().request) };
      });
    const toBlocker = await ask(eve, alice);
    const toStranger = await ask(sam, carol);
    expect(toBlocker.result).toEqual(toStranger.result);
    expect(toBlocker.result.status).toBe(201);
    // The sender's own topic (their replica, loaded for the request) differs by id only.
    const calls = (work: string[]) => work.map((w) => w.replace(/user:\d+/, 'user:<sender>'));
    expect(calls(toBlocker.work)).toEqual(calls(toStranger.work));
  });
});
