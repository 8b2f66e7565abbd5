/**
 * Audit finding: "Appear offline" showed the moment of hiding to people who may not see the
 * user's status. Alice shows her status to friends and her last seen to everyone; a stranger
 * and a friend she put in `acquaintance` see "offline, never shared a last seen", as after a
 * logout. Once she hid, they saw `last_seen` (or `last_seen_approx`) = the moment she hid, the
 * acquaintance live; unhiding took it away again: they learnt when she hid and unhid. Hidden
 * looks like a logout: only the status audience she had when she hid (and her last_seen
 * audience within it) sees that moment. Over REST, live frames and `ready`, on one instance and
 * across two sharing a bus (the settings reach the other instance's replica over it).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice, framesUntilOwnChange } from '../helpers/sentinel.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const MIN = 60_000;
const GRACE = 10_000;
const minute = (ms: number) => new Date(ms - (ms % MIN)).toISOString();
const aboutAlice = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

/** Alice, a friend (Bob), an acquaintance (Quinn, a friend Alice put in `acquaintance`) and a stranger (Sam), all on `t`. */
async function people(t: LiveApp) {
  const alice = await t.register('alice');
  const bob = await t.register('bob');
  const quinn = await t.register('quinn');
  const sam = await t.register('sam');
  await t.befriend(alice, bob);
  await t.befriend(alice, quinn);
  const cat = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${quinn.id}`, headers: bearer(alice.token), payload: { category: 'acquaintance' } });
  expect(cat.statusCode).toBe(200);
  return { alice, bob, quinn, sam };
}

const settings = async (t: LiveApp, who: U, payload: object) => {
  const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(who.token), payload });
  expect(res.statusCode).toBe(200);
};
const unhide = async (t: LiveApp, who: U) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/status/unhide', headers: bearer(who.token) });
  expect(res.statusCode).toBe(200);
};
/** What `viewer` sees of `subject` over REST: GET /users/:id/status, and the subject's entry in the viewer's friend list if there is one. */
const restLooks = async (t: LiveApp, viewer: U, subject: U) => {
  const one = await t.app.inject({ url: `/api/v1/users/${subject.id}/status`, headers: bearer(viewer.token) });
  const list = await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(viewer.token) });
  const entry = list.json<Array<Record<string, unknown>>>().find((v) => v.user_id === subject.id);
  return [one.json<Record<string, unknown>>(), ...(entry ? [entry] : [])];
};
/** What an offline user who never shared a last seen shows. */
const NOTHING = { status: 'offline', activity: null, custom_message: null, last_seen: null, last_seen_approx: null };

describe('hidden shows the moment of hiding only to the status audience from before', () => {
  let t: LiveApp;
  let alice: U, bob: U, quinn: U, sam: U;
  beforeEach(async () => {
    t = await startLiveApp({ offlineGraceMs: GRACE });
    ({ alice, bob, quinn, sam } = await people(t));
    await settings(t, alice, { status_visibility: 'friends', last_seen_visibility: 'public' });
  });
  afterEach(() => t.close());

  it('online Alice hides and unhides: the stranger and the acquaintance see nothing, over REST or live; a friend sees her last seen', async () => {
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: quinns } = await t.connect(quinn.token);
    await t.connectSeenBy(alice.token, bobs);
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);

    await t.advance(MIN);
    const hidAt = t.clock.now();
    const hiding = quinns.mark();
    await bobs.after(() => settings(t, alice, { status_visibility: 'hidden' }), (f) => aboutAlice(alice.id)(f) && f.status === 'offline' && f.last_seen === minute(hidAt));
    expect((await framesUntilNotice(quinns, hiding, t)).filter(aboutAlice(alice.id))).toEqual([]);
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);
    expect((await restLooks(t, bob, alice))[0]).toMatchObject({ status: 'offline', last_seen: minute(hidAt) });
    // A fresh snapshot alike.
    const { ready } = await t.connect(quinn.token);
    expect((ready.friends as Array<Record<string, unknown>>).find((v) => v.user_id === alice.id)).toMatchObject(NOTHING);

    await t.advance(MIN);
    const unhiding = quinns.mark();
    await bobs.after(() => unhide(t, alice), (f) => aboutAlice(alice.id)(f) && f.status === 'online');
    expect((await framesUntilNotice(quinns, unhiding, t)).filter(aboutAlice(alice.id))).toEqual([]);
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);
  });

  it('her own view says what others are shown meanwhile and who may see it, over REST and on her sockets, until she unhides', async () => {
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: alices } = await t.connectSeenBy(alice.token, bobs);
    const own = async () => (await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) })).json<Record<string, unknown>>();
    expect(await own()).not.toHaveProperty('hidden_last_seen');
    await t.advance(MIN + 1234);
    const hidAt = t.clock.now();
    const update = await alices.after(() => settings(t, alice, { status_visibility: 'hidden' }), (f) => f.type === 'status_update' && f.hidden_last_seen !== undefined);
    expect(update).toMatchObject({ status: 'online', hidden_last_seen: new Date(hidAt).toISOString(), visibility_before_hidden: 'friends' });
    expect(await own()).toMatchObject({ status: 'online', hidden_last_seen: new Date(hidAt).toISOString(), visibility_before_hidden: 'friends' });
    // Nobody else's view has them.
    expect(await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) }).then((r) => r.json())).not.toHaveProperty('hidden_last_seen');

    const back = await alices.after(() => unhide(t, alice), (f) => f.type === 'status_update');
    expect(back).not.toHaveProperty('hidden_last_seen');
    expect(back).not.toHaveProperty('visibility_before_hidden');
    expect(await own()).not.toHaveProperty('hidden_last_seen');
  });

  it('offline Alice with an approximate last seen for everyone: hiding and unhiding show the outsiders nothing at all', async () => {
    await settings(t, alice, { last_seen_visibility: 'friends', last_seen_approximate_visibility: 'public' });
    const { socket: quinns } = await t.connect(quinn.token);
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: alices } = await t.connectSeenBy(alice.token, bobs);
    await t.advance(MIN);
    const leftAt = t.clock.now();
    alices.close();
    await alices.waitClosed();
    await expect.poll(() => t.app.services.presence.engine.sessionIds(alice.id).length).toBe(0);
    await bobs.after(() => t.advance(GRACE), (f) => aboutAlice(alice.id)(f) && f.status === 'offline');
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);

    const from = quinns.mark();
    await settings(t, alice, { status_visibility: 'hidden' });
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);
    expect((await restLooks(t, bob, alice))[0]).toMatchObject({ status: 'offline', last_seen: minute(leftAt) });
    await unhide(t, alice);
    for (const viewer of [sam, quinn]) for (const v of await restLooks(t, viewer, alice)) expect(v).toMatchObject(NOTHING);
    expect((await framesUntilNotice(quinns, from, t)).filter(aboutAlice(alice.id))).toEqual([]);
  });
});

describe('across two instances, the audience from before hiding travels with the settings', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('Alice hides on A: on B the acquaintance and the stranger see nothing, live, over REST or in a new snapshot, and a friend sees her last seen', async () => {
    const { alice, bob, quinn, sam } = await people(a);
    await settings(a, alice, { status_visibility: 'friends', last_seen_visibility: 'public' });
    const { socket: bobs } = await b.connect(bob.token);
    const { socket: quinns } = await b.connect(quinn.token);
    await a.connectSeenBy(alice.token, bobs);

    const hidAt = a.clock.now();
    const hiding = quinns.mark();
    await bobs.after(() => settings(a, alice, { status_visibility: 'hidden' }), (f) => aboutAlice(alice.id)(f) && f.status === 'offline' && f.last_seen === minute(hidAt));
    // Quinn's own change through A comes after anything A published about Alice.
    expect((await framesUntilOwnChange(quinns, hiding, a, quinn.token)).filter(aboutAlice(alice.id))).toEqual([]);
    for (const viewer of [sam, quinn]) for (const v of await restLooks(b, viewer, alice)) expect(v).toMatchObject(NOTHING);
    expect((await restLooks(b, bob, alice))[0]).toMatchObject({ status: 'offline', last_seen: minute(hidAt) });
    const { ready } = await b.connect(quinn.token);
    expect((ready.friends as Array<Record<string, unknown>>).find((v) => v.user_id === alice.id)).toMatchObject(NOTHING);

    // Unhiding on A: nothing for the acquaintance on B either.
    const unhiding = quinns.mark();
    await bobs.after(() => unhide(a, alice), (f) => aboutAlice(alice.id)(f) && f.status === 'online');
    expect((await framesUntilOwnChange(quinns, unhiding, a, quinn.token)).filter(aboutAlice(alice.id))).toEqual([]);
  });
});
