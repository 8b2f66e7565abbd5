/**
 * Finding (High): one user's NUL byte stopped every user's presence from being saved on
 * PostgreSQL, and /readyz stayed 200. Now: text PostgreSQL cannot store is refused at the
 * edge, a row that still fails is retried alone and set aside while every other row is
 * saved, and /readyz and the logs say when saving fails. On SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, bearer, type TestApp } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';
import { startLiveApp } from '../../helpers/live-app.js';
import { MAX_ROW_ATTEMPTS } from '../../../src/server/status/presence-writer.js';

type U = { token: string; id: number };

/** Makes the database refuse every UPDATE of one user's row (or of every row, and the alive mark). */
async function refuseWrites(t: TestApp, dialect: string, userId: number | null): Promise<void> {
  const db = t.app.services.database.db;
  const cond = userId === null ? 'true' : `new.id = ${userId}`;
  if (dialect === 'postgres') {
    await sql.raw(`create function refuse() returns trigger as $$ begin if ${cond} then raise exception 'refused by test'; end if; return new; end $$ language plpgsql`).execute(db);
    await sql.raw(`create trigger refuse_users before update on users for each row execute function refuse()`).execute(db);
    if (userId === null) {
      await sql.raw(`create trigger refuse_secrets before insert or update on server_secrets for each row execute function refuse()`).execute(db);
    }
  } else {
    await sql.raw(`create trigger refuse_users before update on users when ${cond.replace('new.', 'NEW.')} begin select raise(abort, 'refused by test'); end`).execute(db);
    if (userId === null) {
      await sql.raw(`create trigger refuse_secrets_u before update on server_secrets begin select raise(abort, 'refused by test'); end`).execute(db);
      await sql.raw(`create trigger refuse_secrets_i before insert on server_secrets begin select raise(abort, 'refused by test'); end`).execute(db);
    }
  }
}

describe.each(testDialects())('write path on %s', (dialect) => {
  let t: TestApp;
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  let carol: U;
  beforeEach(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await createTestApp({ databaseUrl: fresh.url });
    alice = await t.register('alice');
    bob = await t.register('bob');
    carol = await t.register('carol');
  });
  afterEach(async () => {
    await t.close();
    await drop();
  });

  const setMessage = (who: U, custom_message: string) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(who.token), payload: { status: 'busy', custom_message } });
  const stored = async (who: U) =>
    (await t.app.services.database.db.selectFrom('users').select('custom_message').where('id', '=', who.id).executeTakeFirstOrThrow()).custom_message;
  const readyz = () => t.app.inject({ url: '/readyz' });

  it('refuses a NUL byte in a custom message with 400, and everyone else is still saved', async () => {
    const res = await setMessage(alice, 'a\u0000b');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await setMessage(bob, 'still saved')).statusCode).toBe(200);
    await t.app.services.presence.flush();
    expect(await stored(bob)).toBe('still saved');
    expect((await readyz()).statusCode).toBe(200);
  });

  it('retries a row that cannot be saved on its own, sets it aside and saves every other row', async () => {
    const error = vi.spyOn(t.app.services.log, 'error');
    await refuseWrites(t, dialect, alice.id);
    await setMessage(alice, 'doomed');
    await setMessage(bob, 'bob saved');
    await setMessage(carol, 'carol saved');
    await t.app.services.presence.flush();
    expect(await stored(bob)).toBe('bob saved');
    expect(await stored(carol)).toBe('carol saved');
    for (let i = 1; i < MAX_ROW_ATTEMPTS; i++) await t.app.services.presence.flush();
    const health = t.app.services.presence.persistenceHealth();
    expect(health.setAside).toEqual([alice.id]);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ userId: alice.id }), expect.stringContaining('set aside'));
    // One user's bad row never makes the instance unready for everyone else.
    const ready = await readyz();
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ persistence: { saving: true, set_aside: 1 } });
    // Later changes of others are still saved.
    await setMessage(bob, 'bob again');
    await t.app.services.presence.flush();
    expect(await stored(bob)).toBe('bob again');
  });

  it('says on /readyz and in the logs when the database refuses every write, and recovers', async () => {
    const error = vi.spyOn(t.app.services.log, 'error');
    await refuseWrites(t, dialect, null);
    await setMessage(bob, 'waiting');
    await t.app.services.presence.flush();
    const ready = await readyz();
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', persistence: { saving: false, set_aside: 0 } });
    expect(error).toHaveBeenCalledWith(expect.anything(), expect.stringContaining('write-behind failing'));
    // Nobody is set aside for the database's fault, however long it lasts.
    for (let i = 0; i < MAX_ROW_ATTEMPTS + 1; i++) await t.app.services.presence.flush();
    expect(t.app.services.presence.persistenceHealth().setAside).toEqual([]);
    const db = t.app.services.database.db;
    if (dialect === 'postgres') {
      await sql.raw('drop trigger refuse_users on users; drop trigger refuse_secrets on server_secrets').execute(db);
    } else {
      for (const name of ['refuse_users', 'refuse_secrets_u', 'refuse_secrets_i']) await sql.raw(`drop trigger ${name}`).execute(db);
    }
    await t.app.services.presence.flush();
    expect(await stored(bob)).toBe('waiting');
    expect((await readyz()).statusCode).toBe(200);
  });
});

describe.each(testDialects())('NUL over the socket on %s', (dialect) => {
  it('answers a set_status frame carrying NUL with an error frame, saves nothing of it, and keeps the socket', async () => {
    const fresh = await freshDatabase(dialect);
    const t = await startLiveApp({ databaseUrl: fresh.url });
    try {
      const alice = await t.register('alice');
      const { socket } = await t.connect(alice.token);
      const from = socket.frames.length;
      socket.send({ type: 'set_status', status: 'busy', custom_message: 'a\u0000b' });
      expect(await socket.next((f) => f.type === 'error', { from })).toMatchObject({ code: 'VALIDATION_ERROR' });
      socket.send({ type: 'set_status', status: 'busy', custom_message: 'fine' });
      await socket.next((f) => f.type === 'status_update' && f.custom_message === 'fine', { from });
      await t.app.services.presence.flush();
      const row = await t.app.services.database.db.selectFrom('users').select('custom_message').where('id', '=', alice.id).executeTakeFirstOrThrow();
      expect(row.custom_message).toBe('fine');
      expect(t.app.services.presence.persistenceHealth()).toMatchObject({ ok: true, setAside: [] });
    } finally {
      await t.close();
      await fresh.drop();
    }
  });
});
