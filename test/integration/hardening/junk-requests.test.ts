/**
 * Finding (audit of the gateway): one account on 8 keep-alive connections sent 946 junk
 * bodies of 49 KB (5,000 keys) to PUT /users/me/status in 8 s, all 400 and none rate limited
 * (a body refused by validation spends no budget), keeping the server at 85–94 % CPU; and
 * GET /users/me/friends/status had no limit at all. The small change routes now refuse a body
 * over 8 KiB unread (413), and the friends' statuses are read at most 60 at once, then 10/s.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_CHANGE_BYTES } from '../../../src/protocol/index.js';
import { FRIEND_POLLS, FRIENDS_PER_POLL_UNIT } from '../../../src/server/budgets.js';
import { bearer } from '../../helpers/app.js';
import { liveFriends, type LiveApp } from '../../helpers/live-app.js';

type U = { token: string; id: number };

const JUNK = `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":1`).join(',')}}`;

describe('junk requests cost the server little', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ rateLimits: true }));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const send = (method: 'PUT' | 'POST', url: string, payload: string) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload });

  it('says a body may be refused for a prototype key, not only for broken JSON, and changes nothing', async () => {
    const broken = await send('PUT', '/users/me/status', '{"status":');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'Body is not valid JSON, or it has a "__proto__" or "constructor" key, which is refused' });
    for (const body of ['{"status":"busy","__proto__":{"admin":true}}', '{"status":"busy","constructor":{"prototype":{"admin":true}}}']) {
      const poisoned = await send('PUT', '/users/me/status', body);
      expect(poisoned.statusCode).toBe(400);
      expect(poisoned.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'Body is not valid JSON, or it has a "__proto__" or "constructor" key, which is refused' });
    }
    const own = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) });
    expect(own.json<{ status: string }>().status).not.toBe('busy');
  });

  /*
   * Finding (outside audit): a body that is not valid UTF-8 had its bad bytes silently replaced
   * (U+FFFD), so `{"u\xff":1}` was answered "body must have required property 'user_id'" and a
   * name with a stray byte was stored with U+FFFD; a body declared `charset=utf-16` was read as
   * UTF-8 and accepted. JSON bodies are UTF-8 (RFC 8259): anything else is said to be so.
   */
  const sendBytes = (method: 'PUT' | 'POST' | 'PATCH', url: string, payload: Buffer, contentType = 'application/json') =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(alice.token), 'content-type': contentType }, payload });

  it('refuses a body that is not valid UTF-8 with 400 saying so, and changes nothing', async () => {
    const NOT_UTF8 = { code: 'VALIDATION_ERROR', message: 'Request body is not valid UTF-8' };
    const block = await sendBytes('POST', '/users/me/blocks', Buffer.from('{"u\xff":1}', 'latin1'));
    expect(block.statusCode).toBe(400);
    expect(block.json()).toEqual(NOT_UTF8);
    // A stray byte inside a value (a truncated "é"), and a lone surrogate encoded as bytes (CESU-8).
    for (const bytes of [Buffer.from('{"display_name":"Al\xc3ce"}', 'latin1'), Buffer.from([...Buffer.from('{"display_name":"A'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')])]) {
      const rename = await sendBytes('PATCH', '/users/me', bytes);
      expect(rename.statusCode).toBe(400);
      expect(rename.json()).toEqual(NOT_UTF8);
    }
    const me = await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) });
    expect(me.json()).toMatchObject({ display_name: 'alice' });
    // Valid UTF-8 of every width still passes.
    const ok = await sendBytes('PATCH', '/users/me', Buffer.from(JSON.stringify({ display_name: 'Zoë 李 \u{1F3D3}' })));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ display_name: 'Zoë 李 \u{1F3D3}' });
  });

  it('refuses a JSON body declared in a charset other than UTF-8 with 415, and takes UTF-8 however it is written', async () => {
    const body = Buffer.from(JSON.stringify({ display_name: 'Zoë' }));
    const name = async () => (await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) })).json<{ display_name: string }>().display_name;
    for (const charset of ['utf-16', 'UTF-16LE', '"utf-16"', 'iso-8859-1', 'latin1', '']) {
      const res = await sendBytes('PATCH', '/users/me', body, `application/json; charset=${charset}`);
      expect(res.statusCode, charset).toBe(415);
      expect(res.json(), charset).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON encoded as UTF-8 (Content-Type: application/json or application/json; charset=utf-8)' });
    }
    expect(await name()).toBe('alice');
    for (const contentType of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"', 'Application/JSON; Charset=Utf-8']) {
      const res = await sendBytes('PATCH', '/users/me', body, contentType);
      expect(res.statusCode, contentType).toBe(200);
    }
    expect(await name()).toBe('Zoë');
    // An ASCII-only body is the same text in UTF-8: labelled us-ascii or latin1 (as some Java and
    // .NET clients send), it is read; with a byte past ASCII (above, 'Zoë') it is refused.
    for (const charset of ['us-ascii', 'ISO-8859-1', '"latin1"', 'windows-1252']) {
      const res = await sendBytes('PATCH', '/users/me', Buffer.from(JSON.stringify({ display_name: `Zoe ${charset}` })), `application/json; charset=${charset}`);
      expect(res.statusCode, charset).toBe(200);
      expect(await name()).toBe(`Zoe ${charset}`);
    }
  });

  it('refuses a body sent compressed (Content-Encoding) with 415 saying to send it uncompressed, and changes nothing', async () => {
    // A gzipped body was answered 400 "Request body is not valid UTF-8", which sent a client
    // whose HTTP library compresses request bodies looking for a text problem it did not have.
    const plain = Buffer.from(JSON.stringify({ display_name: 'Zipped' }));
    const sendEncoded = (payload: Buffer, encoding: string) =>
      t.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: { ...bearer(alice.token), 'content-type': 'application/json', 'content-encoding': encoding }, payload });
    for (const [encoding, payload] of [['gzip', gzipSync(plain)], ['deflate', deflateSync(plain)], ['br', brotliCompressSync(plain)], ['gzip', plain], ['x-gzip, identity', plain]] as const) {
      const res = await sendEncoded(payload, encoding);
      expect(res.statusCode, encoding).toBe(415);
      expect(res.json(), encoding).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Request bodies are read as sent: send this one without Content-Encoding (it says "${encoding}")` });
    }
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) })).json()).toMatchObject({ display_name: 'alice' });
    // "identity" is no encoding at all.
    for (const encoding of ['identity', 'Identity']) expect((await sendEncoded(plain, encoding)).statusCode, encoding).toBe(200);
  });

  // Finding (outside audit): `{"user_id":1,"user_id":2}` blocked user 2 (the last key won); bodies are strict.
  it('refuses a body that gives a field twice, in any object of it, with 400 naming the field, and changes nothing', async () => {
    const twice = await send('POST', '/users/me/blocks', `{"user_id":${bob.id},"user_id":${bob.id}}`);
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body: field "user_id" is given twice' });
    const nested = await send('POST', '/users/me/activity', '{"activity":"chatting","details":{"room":"a","ro\\u006fm":"b"}}');
    expect(nested.statusCode).toBe(400);
    expect(nested.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body: field "room" is given twice' });
    const blocks = await t.app.inject({ url: '/api/v1/users/me/blocks', headers: bearer(alice.token) });
    expect(blocks.json()).toEqual([]);
  });

  it('refuses a body over 8 KiB to the status and settings routes, and over 16 KiB to the activity route, with 413 naming the limit, unparsed', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    for (const [method, url, limit] of [['PUT', '/users/me/status', '8 KiB'], ['POST', '/users/me/activity', '16 KiB'], ['PUT', '/users/me/status/settings', '8 KiB']] as const) {
      const res = await send(method, url, JUNK);
      expect(res.statusCode, url).toBe(413);
      expect(res.json(), url).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: `Request body is too large: this request takes at most ${limit}` });
    }
    // Other routes take up to 64 KiB, and say so.
    const big = JSON.stringify({ display_name: 'x'.repeat(70 * 1024) });
    const other = await t.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload: big });
    expect(other.statusCode).toBe(413);
    expect(other.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large: this request takes at most 64 KiB' });
    expect(parse.mock.calls.filter(([text]) => text === JUNK || text === big)).toEqual([]);
    // The largest valid status body fits: 128 characters of 8 code points of 4 bytes each.
    const message = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E0067}\u{E007F}'.repeat(128);
    const body = JSON.stringify({ status: 'busy', custom_message: message, expires_at: '2099-01-15T16:00:00.000Z' });
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_CHANGE_BYTES);
    const res = await send('PUT', '/users/me/status', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ manual_status: 'busy', custom_message: message });
    // So does the largest valid activity written with \uXXXX escapes (~13 KiB), as Python's json.dumps sends it.
    const details = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [String.fromCharCode(0x4e00 + i).repeat(32), String.fromCharCode(0x5e00 + i).repeat(100)]));
    const escaped = JSON.stringify({ activity: 'chatting', details }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(MAX_CHANGE_BYTES);
    const activity = await send('POST', '/users/me/activity', escaped);
    // (Alice has no session open, so her view shows no activity: the change itself was taken.)
    expect(activity.statusCode).toBe(200);
  });

  it(`answers ${FRIEND_POLLS.burst} reads of the friends' statuses at once, then 429 with Retry-After until the budget comes back`, async () => {
    const poll = (who: U) => t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(who.token) });
    for (let i = 0; i < FRIEND_POLLS.burst; i++) expect((await poll(alice)).statusCode).toBe(200);
    const refused = await poll(alice);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ code: 'RATE_LIMITED', message: "Too many reads of your friends' statuses; slow down" });
    expect(refused.headers['retry-after']).toBe('1');
    // Another user is not affected; the budget comes back with time.
    expect((await poll(bob)).statusCode).toBe(200);
    t.clock.advance(1000 / FRIEND_POLLS.perSecond);
    expect((await poll(alice)).statusCode).toBe(200);
  });

  it('prices a read of a long friend list by its length, a unit per 100 friends: a user with 5,000 friends reading 60 at once stalled everyone else 5 s', async () => {
    // 500 more friends for Alice, straight into the database (as the bench seeds).
    const { db } = t.app.services.database;
    const now = Date.now();
    const names = Array.from({ length: 500 }, (_, i) => `crowd_${i}`);
    await db
      .insertInto('users')
      .values(names.map((n) => ({ username: n, username_lower: n, display_name: n, password_hash: 'x', role: 'user' as const, created_at: now, online_status: 'offline' as const, status_visibility: 'friends' as const, activity_visibility: 'friends' as const, last_seen_visibility: 'friends' as const, custom_message_visibility: 'friends' as const })))
      .execute();
    const ids = (await db.selectFrom('users').select('id').where('username', 'like', 'crowd_%').execute()).map((r) => r.id);
    await db.insertInto('friendships').values(ids.flatMap((id) => [{ user_id: alice.id, friend_id: id, category: 'friend' as const, created_at: now }, { user_id: id, friend_id: alice.id, category: 'friend' as const, created_at: now }])).execute();
    const poll = (who: U) => t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(who.token) });
    // The first read loads her list (priced as short, once); 501 friends is 6 units a read from then on.
    const first = await poll(alice);
    expect(first.json<unknown[]>()).toHaveLength(501);
    const perRead = Math.ceil(501 / FRIENDS_PER_POLL_UNIT);
    const answered = Math.floor((FRIEND_POLLS.burst - 1) / perRead);
    for (let i = 0; i < answered; i++) expect((await poll(alice)).statusCode).toBe(200);
    const refused = await poll(alice);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Bob's short list is not priced by Alice's.
    for (let i = 0; i < 20; i++) expect((await poll(bob)).statusCode).toBe(200);
    t.clock.advance((perRead / FRIEND_POLLS.perSecond) * 1000);
    expect((await poll(alice)).statusCode).toBe(200);
  });
});
