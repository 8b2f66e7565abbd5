/**
 * Finding (the web app's Schedule page, two devices): the page reads the schedule, then saves
 * it whole; a rule saved on another device between that GET and that PUT was silently lost,
 * as the API had no version to check. Now GET answers the stored schedule's version as its
 * ETag and a PUT with If-Match saves only over that version (else 412 PRECONDITION_FAILED and
 * nothing written, checked and written in one transaction holding the user's row); a PUT
 * without If-Match replaces whatever is stored, as before. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, PreconditionFailedError } from '../../src/client/api.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { behindHeldRow } from '../helpers/held-row.js';

type U = { token: string; id: number };
const URL = '/api/v1/users/me/status/schedule';
const rule = (message: string) => ({ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy' as const, message });
const MINE = { time_zone: 'Europe/Paris', rules: [rule('Mine')] };
const THEIRS = { time_zone: 'Europe/Paris', rules: [rule('Theirs')] };

describe.each(testDialects())('schedule versions: ETag and If-Match (%s)', (dialect) => {
  let t: TestApp;
  let alice: U;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const db = await freshDatabase(dialect);
    drop = db.drop;
    t = await createTestApp({ databaseUrl: db.url });
    alice = await t.register('alice');
  });
  afterEach(async () => {
    await t.close();
    await drop();
  });

  const get = () => t.app.inject({ url: URL, headers: bearer(alice.token) });
  const put = (payload: object, ifMatch?: string) =>
    t.app.inject({ method: 'PUT', url: URL, headers: { ...bearer(alice.token), ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }, payload });
  /** The schedule and version the database holds, read beside the API. */
  const stored = async () => {
    const row = await t.app.services.database.db.selectFrom('users').select(['status_schedule', 'schedule_version']).where('id', '=', alice.id).executeTakeFirstOrThrow();
    return { schedule: row.status_schedule === null ? null : (JSON.parse(row.status_schedule) as { rules: Array<{ message: string }> }), version: Number(row.schedule_version) };
  };

  it('GET answers the version as a strong ETag; each PUT answers the new one', async () => {
    const first = await get();
    expect(first.headers.etag).toBe('"0"');
    const saved = await put(MINE);
    expect(saved.statusCode).toBe(200);
    expect(saved.headers.etag).toBe('"1"');
    const again = await get();
    expect(again.json()).toEqual(MINE);
    expect(again.headers.etag).toBe('"1"');
  });

  it('a PUT with the If-Match of the version read saves, and answers the next version', async () => {
    const { etag } = (await get()).headers;
    const res = await put(MINE, String(etag));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(MINE);
    expect(res.headers.etag).toBe('"1"');
    // A list naming the stored version matches too.
    expect((await put(THEIRS, 'W/"1", "0", "1"')).statusCode).toBe(200);
    expect((await stored()).schedule!.rules[0]!.message).toBe('Theirs');
  });

  it('a PUT whose If-Match is not the stored version is 412 PRECONDITION_FAILED and writes nothing', async () => {
    const read = String((await get()).headers.etag);
    // Another device saves meanwhile.
    expect((await put(THEIRS, read)).statusCode).toBe(200);
    const before = await stored();
    const res = await put(MINE, read);
    expect(res.statusCode).toBe(412);
    expect(res.json()).toEqual({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('changed since') });
    expect(await stored()).toEqual(before);
    expect((await get()).json()).toEqual(THEIRS);
    expect((await get()).headers.etag).toBe('"1"');
    // Strong comparison: the weak form of the stored version, or a tag Beacon never made, matches nothing.
    expect((await put(MINE, 'W/"1"')).statusCode).toBe(412);
    expect((await put(MINE, '"abc"')).statusCode).toBe(412);
    expect(await stored()).toEqual(before);
  });

  it('a 412 answers the stored version as its ETag, the same strong one GET gives: no GET needed to learn it', async () => {
    const read = String((await get()).headers.etag);
    expect((await put(THEIRS, read)).statusCode).toBe(200);
    const refused = await put(MINE, read);
    expect(refused.statusCode).toBe(412);
    expect(refused.headers.etag).toBe('"1"');
    expect(refused.headers.etag).toBe((await get()).headers.etag);
    // Whatever the refused tag was (weak, unknown, a list), the answer names the stored one.
    for (const ifMatch of ['W/"1"', '"abc"', '"0", "7"']) expect((await put(MINE, ifMatch)).headers.etag).toBe('"1"');
    // The ETag of the 412 is one to save over.
    const again = await put(MINE, String(refused.headers.etag));
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBe('"2"');
    // No 412, no ETag from a refusal of another kind.
    expect((await put(MINE, '2')).headers.etag).toBeUndefined();
  });

  it('the SDK on this server: setVersionedSchedule answers the new version, a lost race\'s PreconditionFailedError the stored one', async () => {
    const api = new ApiClient({ baseUrl: await t.app.listen({ port: 0, host: '127.0.0.1' }), getToken: () => alice.token });
    const read = await api.getVersionedSchedule();
    const first = await api.setVersionedSchedule(MINE, { ifVersion: read.version });
    expect(first).toEqual({ value: MINE, version: '"1"' });
    // Another device saves over it meanwhile.
    expect((await put(THEIRS, first.version!)).statusCode).toBe(200);
    const lost: unknown = await api.setVersionedSchedule(MINE, { ifVersion: first.version }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(PreconditionFailedError);
    expect(lost).toMatchObject({ status: 412, currentVersion: '"2"' });
    expect(await stored()).toMatchObject({ version: 2, schedule: { rules: [{ message: 'Theirs' }] } });
    expect(await api.setVersionedSchedule(MINE, { ifVersion: (lost as PreconditionFailedError).currentVersion })).toEqual({ value: MINE, version: '"3"' });
  });

  it('without If-Match (or with *) a PUT replaces whatever is stored, as before', async () => {
    expect((await put(THEIRS)).statusCode).toBe(200);
    const res = await put(MINE);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect((await put(THEIRS, '*')).statusCode).toBe(200);
    expect(await stored()).toMatchObject({ version: 3, schedule: { rules: [{ message: 'Theirs' }] } });
  });

  it('an If-Match that is no entity tag is refused with 400, not taken for a version moved on', async () => {
    const res = await put(MINE, '0');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('If-Match') });
    expect(await stored()).toEqual({ schedule: null, version: 0 });
  });

  it('two PUTs at once with the same If-Match: one saves (200), the other is refused (412), and the row holds the one saved', async () => {
    const read = String((await get()).headers.etag);
    // Both requests are made while another transaction holds the user's row, then let go at
    // once: on PostgreSQL the first waits on its lock (checked: blocked before it is let go), the
    // second behind the first on this instance (db/user-locks.ts inTurn), on SQLite on its one
    // connection.
    const answers = await behindHeldRow(t.app.services.database, alice.id, () => [put(MINE, read), put(THEIRS, read)], { reaching: 1 });
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 412]);
    const won = answers.find((a) => a.statusCode === 200)!;
    expect(won.headers.etag).toBe('"1"');
    // The refused one is told the version the other saved.
    expect(answers.find((a) => a.statusCode === 412)!.headers.etag).toBe('"1"');
    expect((await get()).json()).toEqual(won.json());
    expect(await stored()).toMatchObject({ version: 1, schedule: { rules: [{ message: (won.json() as typeof MINE).rules[0]!.message }] } });
  });
});

describe('schedule versions across origins', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ corsOrigins: ['https://site.example'] });
  });
  afterEach(() => t.close());

  it('a page of an allowed origin may send If-Match and read the ETag', async () => {
    const alice = await t.register('alice');
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: URL,
      headers: { origin: 'https://site.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type,if-match' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBe('https://site.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/if-match/i);
    const read = await t.app.inject({ url: URL, headers: { ...bearer(alice.token), origin: 'https://site.example' } });
    expect(read.headers.etag).toBe('"0"');
    const exposed = String(read.headers['access-control-expose-headers']).split(',').map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'retry-after']));
    const saved = await t.app.inject({ method: 'PUT', url: URL, headers: { ...bearer(alice.token), origin: 'https://site.example', 'if-match': '"0"' }, payload: MINE });
    expect(saved.statusCode).toBe(200);
    expect(String(saved.headers['access-control-expose-headers'])).toMatch(/etag/i);
    // A 412 carries the stored version too, readable by the page.
    const refused = await t.app.inject({ method: 'PUT', url: URL, headers: { ...bearer(alice.token), origin: 'https://site.example', 'if-match': '"0"' }, payload: MINE });
    expect(refused.statusCode).toBe(412);
    expect(refused.headers.etag).toBe('"1"');
    expect(String(refused.headers['access-control-expose-headers'])).toMatch(/etag/i);
  });
});
