/**
 * A practice match declared by a page (a client game), on real instances over Redis: the page's
 * socket on one instance, the declaration answered by another (no sticky sessions), the friend
 * on a third. Closing that tab ends the game on every instance an offline grace later, while the
 * player's other tab keeps them online.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Frame } from '../helpers/ws-client.js';
import { api, befriend, register, startCluster, type Cluster, heartbeatForGrace } from './harness.js';

const GRACE_MS = 1500;
/**
 * The heartbeat in the product's proportion to the grace (harness.ts heartbeatForGrace), 3.75 s.
 * Nothing here waits on it. At 1 s, instance two stalling 2.5 s around the close (a loaded
 * machine; tried with SIGSTOP) had Bob's Friends tab there ended on the others, and the friend
 * saw him go offline instead of back to browsing. Now that takes a stall of over a heartbeat.
 */
const HEARTBEAT_MS = heartbeatForGrace(GRACE_MS);
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('a client game across instances', { timeout: 150_000 }, () => {
  let cluster: Cluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  it('ends when the tab that declared it closes, whichever instance answered the declaration', async () => {
    cluster = await startCluster({ BEACON_OFFLINE_GRACE_MS: String(GRACE_MS), BEACON_BATCH_WINDOW_MS: '0', BEACON_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) });
    const one = await cluster.start('one');
    const two = await cluster.start('two');
    const three = await cluster.start('three');
    const alice = await register(three, 'alice');
    const bob = await register(one, 'bob');
    await befriend(three, alice, one, bob);
    const { socket: watcher } = await connect(three.url, alice.token);
    const seenOnline = watcher.mark();
    await connect(two.url, bob.token); // Bob's Friends tab
    await watcher.next(change(bob.id), { from: seenOnline });
    const play = await connect(one.url, bob.token);
    // Instance two must have heard of the Play tab's socket before it answers a declaration
    // naming it (until then the name is unknown there, and the login's sessions hold the game,
    // docs/protocol.md §5). The bus keeps one instance's messages to a user in order: once two
    // shows a change made on one after the socket opened, it has the socket too.
    // Alice sees that change too: in before the wait for the game below begins, which it would match.
    await watcher.after(() => api(one, 'PUT', '/users/me/status', bob.token, { status: 'online', custom_message: 'warming up' }), (f) => change(bob.id)(f) && f.custom_message === 'warming up');
    await expect
      .poll(async () => ((await (await api(two, 'GET', `/users/${bob.id}/status`, alice.token)).json()) as { custom_message: string | null }).custom_message, { timeout: 5_000 })
      .toBe('warming up');

    const inGame = await watcher.after(
      () => api(two, 'POST', '/users/me/activity', bob.token, { activity: 'playing_pong', session_id: play.ready.session_id }),
      change(bob.id),
    );
    expect(inGame).toMatchObject({ status: 'in_game', activity: 'playing_pong' });

    const from = watcher.mark();
    const closedAt = Date.now();
    play.socket.close();
    const ended = await watcher.next(change(bob.id), { from, timeoutMs: 4 * GRACE_MS });
    expect(ended).toMatchObject({ status: 'online', activity: 'browsing' });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    // Every instance agrees, once the bus has brought them the end (under load a moment after the friend saw it).
    for (const inst of [one, two, three]) {
      const shown = async () => ((await (await api(inst, 'GET', `/users/${bob.id}/status`, alice.token)).json()) as { status: string; activity: string });
      await expect.poll(shown, { timeout: 5_000 }).toMatchObject({ status: 'online', activity: 'browsing' });
    }
  });
});
