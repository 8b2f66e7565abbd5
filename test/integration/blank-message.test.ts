/**
 * Found by audit 198: a custom message of only a zero-width space (or spaces, or "") was kept and
 * pushed, and friends saw an empty quote where a message goes. A message that shows nothing is no
 * message: it clears the message, over REST and over the socket, for the user and for friends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('a custom message that shows nothing', () => {
  let t: LiveApp;
  afterEach(async () => t?.close());

  it.each([
    ['a zero-width space', '\u200b'],
    ['spaces and a word joiner', '  \u2060 '],
    ['an empty string', ''],
    ['a Hangul filler', '\u3164'],
    ['a variation selector', '\ufe0f'],
  ])('%s clears the message (REST): her view and her friend’s say none', async (_what, blank) => {
    t = await startLiveApp();
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    await t.connect(alice.token); // online: her friends see her message
    const { socket: b } = await t.connect(bob.token);
    const put = (custom_message: string) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(alice.token), payload: { status: 'busy', custom_message } });
    expect((await b.after(() => put('brb'), change(alice.id))).custom_message).toBe('brb');
    let res: Awaited<ReturnType<typeof put>> | null = null;
    const seen = await b.after(async () => void (res = await put(blank)), change(alice.id));
    expect(res!.statusCode).toBe(200);
    expect(res!.json()).toMatchObject({ status: 'busy', custom_message: null });
    expect(seen).toMatchObject({ status: 'busy', custom_message: null });
    const list = (await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(bob.token) })).json() as Array<{ user_id: number; custom_message: unknown }>;
    expect(list.find((f) => f.user_id === alice.id)?.custom_message).toBeNull();
  });

  it('over the socket too (set_status)', async () => {
    t = await startLiveApp();
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    const { socket: a } = await t.connect(alice.token);
    const { socket: b } = await t.connect(bob.token);
    await b.after(() => a.send({ type: 'set_status', status: 'away', custom_message: 'lunch' }), (f) => change(alice.id)(f) && f.custom_message === 'lunch');
    const seen = await b.after(() => a.send({ type: 'set_status', status: 'away', custom_message: '\u200b\u200b' }), change(alice.id));
    expect(seen).toMatchObject({ status: 'away', custom_message: null });
  });

  it('a schedule rule’s message that shows nothing is none', async () => {
    t = await startLiveApp();
    const alice = await t.register('alice');
    const body = { time_zone: 'UTC', rules: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '09:00', to: '17:00', status: 'busy', message: ' \u200b ' }] };
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/schedule', headers: bearer(alice.token), payload: body });
    expect(res.statusCode).toBe(200);
    const got = (await t.app.inject({ url: '/api/v1/users/me/status/schedule', headers: bearer(alice.token) })).json() as { rules: Array<{ message: unknown }> };
    expect(got.rules[0]!.message).toBeNull();
  });
});
