/**
 * A host mode (sidecar, embedded) started on a database that holds Beacon's own accounts is
 * refused: standalone and sidecar share the default file, and host user 1 would otherwise be
 * answered by Beacon's own account 1. A database of shadow users alone starts as before. The
 * reverse too: standalone on a database of a host's users is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostAuthConfig } from '../../src/server/config.js';
import { beacon } from '../../src/server/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { MemoryHost } from '../helpers/memory-host.js';

const hostAuth: HostAuthConfig = { jwtSecret: 'host-site-secret-0123456789', jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null };
const SERVICE = 'service-token-0123456789';

describe.each(testDialects())('a host mode on standalone Beacon’s database, on %s', (dialect) => {
  let url: string;
  let drop: () => Promise<void>;
  const open: Array<TestApp | FastifyInstance> = [];
  beforeEach(async () => {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'beacon-host-db-'));
      url = `sqlite:${join(dir, 'beacon.db')}`;
      drop = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      ({ url, drop } = await freshDatabase('postgres'));
    }
  });
  afterEach(async () => {
    for (const a of open.splice(0)) await a.close();
    await drop();
  });

  const sidecar = async () => {
    const app = await createTestApp({ databaseUrl: url, hostAuth, serviceToken: SERVICE });
    open.push(app);
    return app;
  };
  const embedded = async () => {
    const host = new MemoryHost();
    const site = Fastify();
    await site.register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: url, logLevel: 'silent' } });
    await site.ready();
    open.push(site);
    return site;
  };
  const refusal = /holds 1 of Beacon's own accounts.*sidecar mode.*database of its own \(BEACON_DATABASE_URL/;

  it('refuses sidecar and embedded mode once Beacon’s own accounts are there, saying to give them a database of their own', async () => {
    const standalone = await createTestApp({ databaseUrl: url });
    await standalone.register('mallory');
    await standalone.close();

    await expect(createTestApp({ databaseUrl: url, hostAuth, serviceToken: SERVICE })).rejects.toThrow(refusal);
    const site = Fastify();
    const host = new MemoryHost();
    await expect(site.register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: url, logLevel: 'silent' } }).ready()).rejects.toThrow(/embedded mode/);
    await site.close();

    // Nothing was written by the refused starts: standalone Beacon still has its account alone.
    const again = await createTestApp({ databaseUrl: url });
    open.push(again);
    const ids = await again.app.services.database.db.selectFrom('users').select(['username', 'external_id']).execute();
    expect(ids).toEqual([{ username: 'mallory', external_id: null }]);
  });

  it('starts again on its own database of shadow users, in either host mode', async () => {
    const first = await sidecar();
    const res = await first.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE }, payload: { pairs: [{ a: 1, b: 2 }] } });
    expect(res.json()).toEqual({ changed: 1 });
    await first.close();
    open.splice(0);
    const second = await sidecar();
    const status = await second.app.inject({ method: 'PUT', url: '/api/v1/service/friendships/1/2', headers: { 'x-service-token': SERVICE }, payload: { a_category: 'close_friend' } });
    expect(status.json()).toEqual({ changed: 1 });
    await second.close();
    open.splice(0);
    await embedded();
  });

  it('refuses standalone on a database of a host’s users, and writes nothing; the host mode starts again on it', async () => {
    const first = await sidecar();
    const res = await first.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE }, payload: { pairs: [{ a: 1, b: 2 }] } });
    expect(res.json()).toEqual({ changed: 1 });
    await first.close();
    open.splice(0);
    await expect(createTestApp({ databaseUrl: url })).rejects.toThrow(/holds 2 users of a host site.*standalone mode would mix.*database of its own \(BEACON_DATABASE_URL/);
    const again = await sidecar();
    const users = await again.app.services.database.db.selectFrom('users').select(['id', 'external_id']).orderBy('id').execute();
    expect(users).toEqual([
      { id: 1, external_id: '1' },
      { id: 2, external_id: '2' },
    ]);
  });
});
