/**
 * Finding: a request that waits on this instance for a user's lock (db/user-locks.ts) behind
 * others stuck on a PostgreSQL that stopped answering waited for each of them to fail, then
 * for its own query: past BEACON_HTTP_IDLE_TIMEOUT_MS, its connection closed with no answer
 * ("other side closed") instead of the 503 every other request gets, and its change was still
 * made once the database came back. Now the wait for the turn and the transaction's start
 * (connection, BEGIN, locks) share one bound, BEACON_DATABASE_TIMEOUT_MS: past it the request
 * is answered 503 and its work never runs, not even once the database is back.
 * PostgreSQL missing fails this test; it never skips it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { queuedLockKeys } from '../../src/server/db/user-locks.js';
import { PresenceRepository } from '../../src/server/status/presence-repository.js';
import { freshDatabase } from '../helpers/databases.js';
import { startLiveApp } from '../helpers/live-app.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const SCHEDULE = '/api/v1/users/me/status/schedule';
const schedule = (message: string) => ({ time_zone: 'Europe/Paris', rules: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message }] });

/** Polls `ok` until it holds; throws `never` after 10 s. */
async function until(ok: () => boolean | Promise<boolean>, never: string): Promise<void> {
  for (const end = Date.now() + 10_000; !(await ok()); ) {
    if (Date.now() > end) throw new Error(never);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PostgreSQL stops answering while requests of one user wait for their turn', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('answers every one of them 503 before the HTTP idle timeout, and none of their work runs later', async () => {
    // The two timeouts at their defaults' ratio (10 s : 30 s), shortened.
    const defaults = loadConfig({});
    const httpIdleTimeoutMs = 900;
    const databaseTimeoutMs = Math.round((httpIdleTimeoutMs * defaults.databaseTimeoutMs) / defaults.httpIdleTimeoutMs);
    const fresh = await freshDatabase('postgres');
    cleanups.push(fresh.drop);
    const u = new URL(fresh.url);
    const proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
    cleanups.push(() => proxy.close());
    const t = await startLiveApp({ databaseUrl: throughProxy(fresh.url, proxy), databaseTimeoutMs, httpIdleTimeoutMs });
    cleanups.push(() => t.close());
    const alice = await t.register('alice');
    const put = (message: string) =>
      fetch(`${t.url}${SCHEDULE}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
        body: JSON.stringify(schedule(message)),
      }).then(
        async (res) => `${res.status} ${((await res.json()) as { code?: string }).code ?? 'saved'}`,
        (err: Error) => `no answer: ${String((err.cause as Error | undefined)?.message ?? err.message)}`,
      );
    expect(await put('Before')).toBe('200 saved');

    // The saves are let through their token checks, then held until all have come, when
    // PostgreSQL stops answering: they meet at alice's lock, the first one stuck on the
    // database. Enough of them that, waiting out each other's failures, the last would pass
    // the idle timeout (on a frozen proxy every other turn fails at once on the connection
    // the one before it left broken, so the turns end two by two, a database timeout apart).
    const SAVES = 8;
    let arrived = 0;
    let allHere!: () => void;
    const here = new Promise<void>((r) => (allHere = r));
    const save = PresenceRepository.prototype.saveSchedule;
    vi.spyOn(PresenceRepository.prototype, 'saveSchedule').mockImplementation(async function (this: PresenceRepository, ...args) {
      if (++arrived === SAVES) allHere();
      await here;
      return save.apply(this, args);
    });
    const answers = Array.from({ length: SAVES }, (_, i) => put(`Lost ${i}`));
    await here;
    proxy.freeze();
    expect(await Promise.all(answers)).toEqual(Array.from({ length: SAVES }, () => '503 SERVICE_UNAVAILABLE'));

    // Back at once: whatever of theirs still waited its turn would now be written. Once no
    // call waits for a lock any more, the schedule is the one saved before, at its version,
    // and a save now is the next version, once.
    proxy.restore();
    vi.restoreAllMocks();
    const { database } = t.app.services;
    await until(() => queuedLockKeys(database.db) === 0, 'calls still wait for a lock 10 s after the database came back');
    // The pool's connections the proxy dropped fail once each before the pool lets them go.
    await until(() => database.ping(), 'the database does not answer 10 s after it came back');
    const stored = async () => {
      const row = await database.db.selectFrom('users').select(['status_schedule', 'schedule_version']).where('id', '=', alice.id).executeTakeFirstOrThrow();
      return { message: (JSON.parse(row.status_schedule!) as { rules: Array<{ message: string }> }).rules[0]!.message, version: Number(row.schedule_version) };
    };
    expect(await stored()).toEqual({ message: 'Before', version: 1 });
    expect(await put('After')).toBe('200 saved');
    expect(await stored()).toEqual({ message: 'After', version: 2 });
  });
});
