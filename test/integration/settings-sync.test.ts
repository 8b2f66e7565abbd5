/**
 * Finding: privacy settings changed on one device (say "Appear offline" on a phone) were not
 * told to the user's other devices, whose header kept saying "Online" while friends saw the
 * user offline. Now every socket of the user gets `settings_update`, on any instance (two
 * instances here, sharing a bus, a presence store and a database); nobody else does.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import type { LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame } from '../helpers/ws-client.js';

describe('settings reach every device of the user', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  const isSettings = (f: Frame) => f.type === 'settings_update';

  it('a change by REST reaches the sockets of the user on both instances; a friend gets the view, not the settings', async () => {
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    const { socket: bobs } = await a.connect(bob.token);
    const { socket: phone } = await a.connectSeenBy(alice.token, bobs);
    const { socket: laptop } = await b.connect(alice.token);
    const marks = [phone.mark(), laptop.mark(), bobs.mark()];

    const res = await a.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { status_visibility: 'hidden' } });
    expect(res.statusCode).toBe(200);

    for (const [i, socket] of [phone, laptop].entries()) {
      const frame = await socket.next(isSettings, { from: marks[i] });
      expect(frame.settings).toEqual(res.json());
      expect(frame.settings).toMatchObject({ status_visibility: 'hidden' });
    }
    // Bob sees Alice go offline (hidden), and never her settings.
    await bobs.next((f) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline', { from: marks[2] });
    expect(bobs.since(marks[2]!).filter(isSettings)).toEqual([]);
  });

  it('changes from either instance reach every socket, in the order they were made', async () => {
    const alice = await a.register('alice');
    const { socket: phone } = await a.connect(alice.token);
    const { socket: laptop } = await b.connect(alice.token);
    const [fromPhone, from] = [phone.mark(), laptop.mark()];
    const put = (t: LiveApp, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload });
    expect((await put(b, { activity_visibility: 'nobody' })).statusCode).toBe(200);
    expect((await put(a, { activity_visibility: 'friends' })).statusCode).toBe(200);
    // A third change marks the end: every frame of the first two has arrived before its own.
    expect((await put(b, { last_seen_visibility: 'nobody' })).statusCode).toBe(200);
    const marker = (f: Frame) => isSettings(f) && (f.settings as { last_seen_visibility: string }).last_seen_visibility === 'nobody';
    await phone.next(marker, { from: fromPhone });
    await laptop.next(marker, { from });
    const order = (frames: Frame[]) => frames.filter(isSettings).map((f) => (f.settings as { activity_visibility: string }).activity_visibility);
    expect(order(phone.since(fromPhone))).toEqual(['nobody', 'friends', 'friends']);
    expect(order(laptop.since(from))).toEqual(['nobody', 'friends', 'friends']);
  });

  it('different settings saved at the same moment on two instances: every instance ends on what the database holds', async () => {
    const alice = await a.register('alice');
    await a.connect(alice.token);
    await b.connect(alice.token);
    const put = (t: LiveApp, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload });
    for (let round = 0; round < 6; round++) {
      const value = round % 2 === 0 ? 'nobody' : 'friends';
      const [x, y] = await Promise.all([put(a, { activity_visibility: value }), put(b, { last_seen_visibility: value })]);
      expect([x.statusCode, y.statusCode]).toEqual([200, 200]);
      const stored = await a.app.services.users.getSettings(alice.id);
      expect(stored).toMatchObject({ activity_visibility: value, last_seen_visibility: value });
      // The replicas decide what friends see: each must end on the stored settings, not on the one it merged itself.
      for (const t of [a, b]) await expect.poll(() => t.app.services.presence.getSettings(alice.id), { timeout: 2_000 }).toEqual(stored);
    }
  });
});
