/**
 * PostgreSQL going away under a running instance, through a TCP proxy that can refuse
 * connections (the server is down) or swallow every byte (a partition, a hung host): the
 * process lives on, and what the operator sees — /metrics, /readyz, API answers — says so
 * (docs/operations.md, "What failures look like"). PostgreSQL missing fails these tests; it
 * never skips them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { openDatabase } from '../../src/server/db/database.js';
import { bearer } from '../helpers/app.js';
import { logLines, startChildServer } from '../helpers/child-server.js';
import { freshDatabase, PG_URL } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { parsePrometheus, sample } from '../helpers/prometheus.js';
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTlsPostgres } from '../helpers/tls-postgres.js';
import { openSocket } from '../helpers/ws-client.js';

const TOKEN = 'metrics-token-0123456789';

describe('PostgreSQL outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  /** A fresh PostgreSQL schema, and a URL reaching it through a proxy of its own. */
  async function proxiedDatabase(): Promise<{ url: string; proxy: TcpProxy }> {
    const fresh = await freshDatabase('postgres');
    cleanups.push(fresh.drop);
    const u = new URL(fresh.url);
    const proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
    cleanups.push(() => proxy.close());
    return { url: throughProxy(fresh.url, proxy), proxy };
  }

  it('fails a transaction whose connection drops between two statements, and the process lives on', async () => {
    const { url, proxy } = await proxiedDatabase();
    const database = openDatabase(url);
    cleanups.push(() => database.close());
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    cleanups.push(async () => void process.removeListener('uncaughtException', onUncaught));
    // The connection is checked out, no query of it running (as a transaction holds it while
    // it awaits something else), when PostgreSQL goes away.
    const outcome = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      proxy.cut();
      await new Promise((r) => setTimeout(r, 100));
      await sql`select 2`.execute(trx);
    });
    await expect(outcome).rejects.toThrow();
    expect(uncaught).toEqual([]);
    // The dead client is not handed out again: with the database back, queries answer.
    proxy.restore();
    expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
  });

  async function liveApp(config = {}): Promise<{ t: LiveApp; proxy: TcpProxy }> {
    const { url, proxy } = await proxiedDatabase();
    const t = await startLiveApp({ databaseUrl: url, metricsToken: TOKEN, ...config });
    cleanups.push(() => t.close());
    return { t, proxy };
  }

  const scrape = async (t: LiveApp) => parsePrometheus(await (await fetch(`${t.url}/metrics`, { headers: bearer(TOKEN) })).text());

  /** Polls /readyz until it reports the database unreachable. */
  async function untilDatabaseDown(t: LiveApp): Promise<void> {
    for (;;) {
      const res = await fetch(`${t.url}/readyz`);
      if (res.status === 503 && ((await res.json()) as { database: boolean }).database === false) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('starts when the migration lock is held longer than BEACON_DATABASE_TIMEOUT_MS: the bound is for requests, not migrations', async () => {
    // Another instance (or tenant of the database) migrating: it holds the migrator's lock, an
    // advisory lock every schema of the database shares (Kysely's PostgresAdapter LOCK_ID).
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock(3853314791062309107)');
    const release = setTimeout(() => void holder.query('SELECT pg_advisory_unlock(3853314791062309107)'), 900);
    cleanups.push(async () => clearTimeout(release));
    const started = Date.now();
    const { t } = await liveApp({ databaseTimeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    // Requests keep their bound: the app answers as usual.
    expect((await t.register('alice')).token).toBeTruthy();
  });

  it('counts queries that cannot reach the database in beacon_db_errors_total{kind="other"}', async () => {
    const { t, proxy } = await liveApp();
    await t.register('alice');
    proxy.cut();
    // Once the pool has noticed (its idle connections are gone), a query has no connection to
    // run on: it fails while asking for one, before it ever reaches the database.
    await untilDatabaseDown(t);
    const before = sample(await scrape(t), 'beacon_db_errors_total{kind="other"}');
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'pass-phrase-for-tests' } });
    expect(login.statusCode).toBe(503);
    expect(sample(await scrape(t), 'beacon_db_errors_total{kind="other"}')).toBeGreaterThan(before);
  });

  it('answers 503, not 500, while PostgreSQL refuses connections to the database (55000) and once it is gone (3D000)', async () => {
    const name = `beacon_refuse_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    const t = await startLiveApp({ databaseUrl: url.toString() });
    cleanups.push(() => t.close());
    const alice = await t.register('alice');
    const friends = () => t.app.inject({ method: 'GET', url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
    expect((await friends()).statusCode).toBe(200);

    // Maintenance: "database … is not currently accepting connections" for every new connection.
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await untilDatabaseDown(t);
    const refused = await friends();
    expect(refused.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(refused.statusCode).toBe(503);

    // "database … does not exist".
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    const gone = await friends();
    expect(gone.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(gone.statusCode).toBe(503);
  });

  it('answers 503, not 500, once PostgreSQL refuses the TLS the URL asks for (it came back without SSL)', async () => {
    const fresh = await freshDatabase('postgres');
    cleanups.push(fresh.drop);
    const url = new URL(fresh.url);
    const front = await startTlsPostgres(url.hostname, Number(url.port || 5432));
    cleanups.push(() => front.close());
    url.port = String(front.port);
    url.searchParams.set('sslmode', 'no-verify');
    const t = await startLiveApp({ databaseUrl: url.toString() });
    cleanups.push(() => t.close());
    const alice = await t.register('alice');
    const friends = () => t.app.inject({ method: 'GET', url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
    expect((await friends()).statusCode).toBe(200);

    // pg: "The server does not support SSL connections", for every new connection.
    front.refuseTls();
    await untilDatabaseDown(t);
    const refused = await friends();
    expect(refused.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(refused.statusCode).toBe(503);
  });

  it('answers 503, not 500, once PostgreSQL shows a certificate the URL does not trust (any failure to get a connection)', async () => {
    const fresh = await freshDatabase('postgres');
    cleanups.push(fresh.drop);
    const url = new URL(fresh.url);
    const front = await startTlsPostgres(url.hostname, Number(url.port || 5432));
    cleanups.push(() => front.close());
    const dir = mkdtempSync(join(tmpdir(), 'beacon-ca-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ca.pem'), front.cert);
    url.port = String(front.port);
    url.searchParams.set('sslmode', 'verify-full');
    url.searchParams.set('sslrootcert', join(dir, 'ca.pem'));
    const t = await startLiveApp({ databaseUrl: url.toString() });
    cleanups.push(() => t.close());
    const alice = await t.register('alice');
    const friends = () => t.app.inject({ method: 'GET', url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
    expect((await friends()).statusCode).toBe(200);

    // A certificate rotated on the server, not in Beacon's trust: every new connection fails its check.
    front.newCertificate();
    await untilDatabaseDown(t);
    const refused = await friends();
    expect(refused.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(refused.statusCode).toBe(503);
  });

  it('answers 503 within BEACON_DATABASE_TIMEOUT_MS when PostgreSQL stops answering, and counts the failed write-behind', async () => {
    const { t, proxy } = await liveApp({ databaseTimeoutMs: 300 });
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    await t.app.services.presence.flush();
    // A partition: connections stay open, nothing comes back; nothing tells pg to give up.
    proxy.freeze();
    const started = Date.now();
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'pass-phrase-for-tests' } });
    expect(login.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Presence still changes in memory; its write fails at the bound and is counted, not hung.
    const sent = socket.mark();
    socket.send({ type: 'set_status', status: 'busy' });
    await socket.next((f) => f.type === 'status_update' && f.status === 'busy', { from: sent });
    await t.app.services.presence.flush().catch(() => {});
    expect(sample(await scrape(t), 'beacon_write_behind_failures_total')).toBeGreaterThanOrEqual(1);
    // Back: the connections that hung were dropped, fresh ones answer.
    proxy.restore();
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'pass-phrase-for-tests' } });
    expect(again.statusCode).toBe(200);
  });

  it('answers requests PostgreSQL leaves hanging with 503, before the HTTP idle timeout closes their connections, at the default timeouts\' ratio', async () => {
    // BEACON_DATABASE_TIMEOUT_MS and BEACON_HTTP_IDLE_TIMEOUT_MS at their defaults' ratio, shortened.
    const defaults = loadConfig({});
    const httpIdleTimeoutMs = 900;
    const databaseTimeoutMs = Math.round((httpIdleTimeoutMs * defaults.databaseTimeoutMs) / defaults.httpIdleTimeoutMs);
    const { t, proxy } = await liveApp({ databaseTimeoutMs, httpIdleTimeoutMs });
    await t.register('alice');
    proxy.freeze();
    // More requests than the pool has connections (10): the last wait for one, then for their query.
    const login = () =>
      fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'pass-phrase-for-tests' }) }).then(
        async (res) => `${res.status} ${((await res.json()) as { code: string }).code}`,
        (err: Error) => `no answer: ${String((err.cause as Error | undefined)?.message ?? err.message)}`,
      );
    const answers = await Promise.all(Array.from({ length: 14 }, login));
    expect(answers).toEqual(Array.from({ length: 14 }, () => '503 SERVICE_UNAVAILABLE'));
  });

  it('refuses sockets with 1011 while PostgreSQL is down, each in one info line saying so, not an error with a stack per reconnect', async () => {
    // Audit 207: every socket that came during the outage (every client reconnecting, with
    // backoff, for as long as it lasts) logged `websocket auth failed` at error, with pg's stack,
    // where a REST call answered 503 in its request line and the write-behind said it once.
    const { url, proxy } = await proxiedDatabase();
    const server = await startChildServer({ BEACON_DATABASE_URL: url, BEACON_LOG_FORMAT: 'json' });
    cleanups.push(() => server.cleanup());
    const res = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'pass-phrase-for-tests' }),
    });
    const { token } = (await res.json()) as { token: string };
    proxy.cut();
    const from = server.stdout().length;
    for (let i = 0; i < 3; i++) {
      const socket = await openSocket(server.url);
      socket.send({ type: 'auth', token });
      expect(await socket.waitClosed(15_000)).toEqual({ code: 1011, reason: 'database unreachable' });
    }
    await new Promise((r) => setTimeout(r, 200));
    const lines = logLines(server.stdout().slice(from));
    expect(lines.filter((l) => l.msg === 'websocket auth failed')).toEqual([]);
    const refused = lines.filter((l) => l.msg === 'socket refused');
    expect(refused.map((l) => [l.level, l.code, l.reason])).toEqual(Array.from({ length: 3 }, () => [30, 1011, 'database unreachable']));
    expect(JSON.stringify(refused)).not.toContain(token);
  });

  it('closes a socket whose token check PostgreSQL leaves hanging with 1011, not 4408: its auth frame came in time', async () => {
    // Audit 207: during a partition the check outlived the 5 s auth timeout, and the socket was
    // closed 4408 "auth timeout" (logged so), which says the client never sent `auth`.
    const { t, proxy } = await liveApp({ databaseTimeoutMs: 8000 });
    const alice = await t.register('alice');
    proxy.freeze();
    const socket = await openSocket(t.url);
    socket.send({ type: 'auth', token: alice.token });
    expect(await socket.waitClosed(7000)).toEqual({ code: 1011, reason: 'auth check timed out' });
    proxy.restore();
  });

  it('refuses to start (exit 2, naming both settings) with a database timeout not below half the HTTP idle timeout', async () => {
    const failed = await startChildServer({ BEACON_DATABASE_URL: PG_URL, BEACON_DATABASE_TIMEOUT_MS: '30000' }).then(
      async (s) => {
        await s.cleanup();
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/^server exited with 2:[\s\S]*beacon: Invalid BEACON_DATABASE_TIMEOUT_MS: 30000 ms is not below half of BEACON_HTTP_IDLE_TIMEOUT_MS \(30000 ms\)/);
  });
});
