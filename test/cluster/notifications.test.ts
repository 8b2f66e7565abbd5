/**
 * Online notifications across instances: the friend comes online on one instance, the
 * recipient's tab is on another and the friend is loaded on both. One push, one frame.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPushEndpoint, type PushEndpoint } from '../helpers/push-endpoint.js';
import { connect, type Frame } from '../helpers/ws-client.js';
import { api, befriend, register, startCluster, type Cluster } from './harness.js';

const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id && f.status === 'online';

describe('notifications in a cluster', { timeout: 150_000 }, () => {
  let cluster: Cluster;
  let push: PushEndpoint;
  let dir: string;
  afterEach(async () => {
    await cluster?.stop();
    await push?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends exactly one push and one frame when the friend comes online on another instance', async () => {
    push = await startPushEndpoint();
    dir = mkdtempSync(join(tmpdir(), 'push-ca-'));
    writeFileSync(join(dir, 'ca.pem'), push.ca);
    // The instances trust the local push service's certificate the way Node is told to: NODE_EXTRA_CA_CERTS.
    cluster = await startCluster({ BEACON_PUSH_ALLOW_LOCAL: 'on', NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), BEACON_BATCH_WINDOW_MS: '0' });
    const one = await cluster.start('one');
    const two = await cluster.start('two');
    const three = await cluster.start('three');
    const alice = await register(one, 'alice');
    const bob = await register(two, 'bob');
    await befriend(one, alice, two, bob);
    expect((await api(one, 'PUT', '/users/me/push-subscription', alice.token, push.subscription('alice'))).status).toBe(204);
    expect((await api(one, 'PUT', `/users/me/notifications/watches/${bob.id}`, alice.token)).status).toBe(200);
    // Alice has tabs on instances one and three: both load bob, and both must show one frame each.
    const { socket: a1 } = await connect(one.url, alice.token);
    const { socket: a3 } = await connect(three.url, alice.token);
    const marks = [a1.mark(), a3.mark()];
    await connect(two.url, bob.token);
    for (const [i, a] of [a1, a3].entries()) await a.next(change(bob.id), { from: marks[i] });
    for (const [i, a] of [a1, a3].entries()) expect(await a.next((f) => f.type === 'notification', { from: marks[i] })).toMatchObject({ friend_id: bob.id });
    await expect.poll(() => push.received.length, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(push.received).toHaveLength(1);
    expect(push.failures).toEqual([]);
    expect(push.received[0]!.payload).toMatchObject({ type: 'notification', friend_id: bob.id, status: 'online' });
    for (const [i, a] of [a1, a3].entries()) expect(a.frames.slice(marks[i]).filter((f) => f.type === 'notification')).toHaveLength(1);
  });
});
