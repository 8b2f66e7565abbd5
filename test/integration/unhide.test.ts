/**
 * Review finding: "Appear offline" turned off restored an audience a device remembered, which
 * could be older than a change made on another device, and wider (a browser that last saw
 * `friends`; the user then set `close_friends` and hid elsewhere; unhiding there showed them to
 * every friend). The server keeps the audience in force when the user hid
 * (users.visibility_before_hidden): `POST /users/me/status/unhide` restores it, whichever device
 * hid, and `close_friends` when it is not known. On SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };

describe.each(testDialects())('unhiding goes back to the audience the user hid from, on %s', (dialect) => {
  let t: LiveApp;
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    let url: string;
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'beacon-unhide-'));
      url = `sqlite:${join(dir, 'beacon.db')}`;
      drop = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      ({ url, drop } = await freshDatabase('postgres'));
    }
    ({ t, alice, bob } = await liveFriends({ databaseUrl: url }));
  });
  afterEach(async () => {
    await t.close();
    await drop();
  });

  const put = async (payload: object) => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload });
    expect(res.statusCode).toBe(200);
  };
  const unhide = async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/status/unhide', headers: bearer(alice.token) });
    expect(res.statusCode).toBe(200);
    return res.json<{ status_visibility: string }>().status_visibility;
  };

  it('restores the audience in force when she hid, however she hid, and leaves her alone when not hidden', async () => {
    // Another device narrowed her audience, then hid her: the one in force then comes back.
    await put({ status_visibility: 'close_friends' });
    await put({ status_visibility: 'hidden' });
    expect(await unhide()).toBe('close_friends');
    // Hidden twice in a row (another device again): still the audience from before the first.
    await put({ status_visibility: 'public' });
    await put({ status_visibility: 'hidden' });
    await put({ status_visibility: 'hidden', last_seen_visibility: 'close_friends' });
    expect(await unhide()).toBe('public');
    // Not hidden: nothing changes.
    expect(await unhide()).toBe('public');
    const get = await t.app.inject({ url: '/api/v1/users/me/status/settings', headers: bearer(alice.token) });
    expect(get.json()).toMatchObject({ status_visibility: 'public', last_seen_visibility: 'close_friends' });
  });

  it('with no audience known (hidden before Beacon kept it), the narrowest: close friends', async () => {
    await put({ status_visibility: 'hidden' });
    await t.app.services.database.db.updateTable('users').set({ visibility_before_hidden: null }).where('id', '=', alice.id).execute();
    expect(await unhide()).toBe('close_friends');
  });

  it('friends see her as the restored audience allows, at once', async () => {
    const { socket } = await t.connect(alice.token);
    const { socket: bobSocket } = await t.connect(bob.token);
    const aliceSeen = (status: string) => (f: { type?: unknown; friend_id?: unknown; status?: unknown }) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === status;
    const hiding = bobSocket.mark();
    await put({ status_visibility: 'hidden' });
    expect(await bobSocket.next(aliceSeen('offline'), { from: hiding, timeoutMs: 3000 })).toBeTruthy();
    const mark = bobSocket.mark();
    expect(await unhide()).toBe('friends');
    const seen = await bobSocket.next((f) => f.type === 'friend_status_change' && f.friend_id === alice.id, { from: mark, timeoutMs: 3000 });
    expect(seen).toMatchObject({ status: 'online' });
    socket.close();
  });
});
