/**
 * Outside audit (sidecar): `PUT /service/users` renamed a friend who was offline, and the
 * connected viewer got no frame while REST answered the new name at once. That is the rename
 * rule of docs/protocol.md "Renames" (owed-names.ts): a viewer who sees the user offline gets
 * no frame at the rename, since one would tell them the user is active; the names come with
 * the next change they see. These tests hold that path end to end over real sockets, on one
 * instance and with the viewer on another instance than the one the host called: the rename
 * reaches a friend who sees the user online at once, and one who sees them offline with the
 * frame that shows them online, never before; REST and snapshots have the new name meanwhile.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { LiveApp } from '../helpers/live-app.js';
import { hs256, SERVICE_TOKEN, signHost, useSidecars } from '../helpers/sidecar-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const service = (app: LiveApp, method: 'PUT', url: string, payload: object) =>
  app.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, payload });

/** The host names Alice, Bob and Carol, and makes Bob and Carol Alice's friends. */
async function hostSetsUp(app: LiveApp): Promise<void> {
  expect((await service(app, 'PUT', '/users', { users: [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }, { id: 'carol', name: 'Carol' }] })).statusCode).toBe(200);
  expect((await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }, { a: 'alice', b: 'carol' }] })).statusCode).toBe(200);
}

const idNamed = (ready: Frame, username: string) => (ready.friends as Array<{ user_id: number; username: string }>).find((v) => v.username === username)!.user_id;
const isChangeOf = (friendId: number, status?: string) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === friendId && (status === undefined || f.status === status);

async function friendsStatus(app: LiveApp, token: string): Promise<Array<{ user_id: number; display_name: string }>> {
  return (await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } })).json();
}

/**
 * Bob (offline) was renamed: Carol, online, changes her status after it, and once Alice has
 * that frame she has every frame the rename could have caused before it: none about Bob.
 */
async function nothingAboutBobSince(alice: TestSocket, quiet: number, carol: TestSocket, carolId: number, bobId: number): Promise<void> {
  await alice.after(() => carol.send({ type: 'set_status', status: 'busy' }), isChangeOf(carolId, 'busy'));
  expect(alice.since(quiet).filter(isChangeOf(bobId))).toEqual([]);
}

describe('sidecar renames of offline friends (one instance)', () => {
  const sidecar = useSidecars();

  it('a friend renamed while offline: no frame at the rename, REST at once, the names with the frame that shows him online', async () => {
    const app = await sidecar();
    await hostSetsUp(app);
    const aliceToken = await signHost('alice', 'Alice');
    const alice = await app.connect(aliceToken);
    const bobId = idNamed(alice.ready, 'Bob');
    const carol = await app.connectSeenBy(await signHost('carol', 'Carol'), alice.socket);
    const carolId = idNamed(alice.ready, 'Carol');

    const quiet = alice.socket.mark();
    expect((await service(app, 'PUT', '/users', { users: [{ id: 'bob', name: 'Robert' }] })).json()).toEqual({ users: 1 });
    await nothingAboutBobSince(alice.socket, quiet, carol.socket, carolId, bobId);
    expect(await friendsStatus(app, aliceToken)).toContainEqual(expect.objectContaining({ user_id: bobId, display_name: 'Robert', status: 'offline' }));

    const back = await app.connectSeenBy(await signHost('bob', 'Robert'), alice.socket);
    expect(back.ready.self).toMatchObject({ display_name: 'Robert' });
    const online = alice.socket.since(quiet).find(isChangeOf(bobId, 'online'));
    expect(online).toMatchObject({ username: 'Robert', display_name: 'Robert' });
  });
});

describe('sidecar renames with the viewer on another instance than the host called', () => {
  const two = useTwoInstances({ hostAuth: hs256, serviceToken: SERVICE_TOKEN });
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('an online friend renamed on A reaches Alice on B at once, with the names; an offline one with the frame that shows him online', async () => {
    await hostSetsUp(a);
    const alice = await b.connect(await signHost('alice', 'Alice'));
    const bobId = idNamed(alice.ready, 'Bob');
    const carolId = idNamed(alice.ready, 'Carol');
    const carol = await a.connectSeenBy(await signHost('carol', 'Carol'), alice.socket);

    // Carol, online (her socket on A): the rename the host tells A shows on B at once.
    const renamed = await alice.socket.after(() => service(a, 'PUT', '/users', { users: [{ id: 'carol', name: 'Caroline' }] }), (f) => isChangeOf(carolId)(f) && f.display_name === 'Caroline');
    expect(renamed).toMatchObject({ username: 'Caroline', status: 'online' });

    // Bob, offline: B re-reads his name (REST on B says it), and sends Alice nothing yet.
    const quiet = alice.socket.mark();
    expect((await service(a, 'PUT', '/users', { users: [{ id: 'bob', name: 'Robert' }] })).json()).toEqual({ users: 1 });
    await expect.poll(() => b.app.services.presence.viewOf(bobId, 'friend').display_name, { timeout: 2_000 }).toBe('Robert');
    await nothingAboutBobSince(alice.socket, quiet, carol.socket, carolId, bobId);
    expect(await friendsStatus(b, await signHost('alice', 'Alice'))).toContainEqual(expect.objectContaining({ user_id: bobId, display_name: 'Robert' }));

    // He comes online on A: the frame B sends Alice carries the names B owed her.
    const online = await alice.socket.after(async () => a.connect(await signHost('bob', 'Robert')), isChangeOf(bobId, 'online'));
    expect(online).toMatchObject({ username: 'Robert', display_name: 'Robert' });
  });
});
