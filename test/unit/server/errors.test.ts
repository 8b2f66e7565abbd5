import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError, installErrorHandler } from '../../../src/server/errors.js';

async function appThrowing(err: unknown) {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/x', async () => {
    throw err;
  });
  await app.ready();
  return app;
}

describe('the error handler', () => {
  it('sends catalogue errors with their status, code and message', async () => {
    const app = await appThrowing(new AppError('CONFLICT', 'Taken'));
    const res = await app.inject({ url: '/x' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ code: 'CONFLICT', message: 'Taken' });
  });

  it('answers 503 SERVICE_UNAVAILABLE when the database cannot be reached', async () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const app = await appThrowing(err);
    const res = await app.inject({ url: '/x' });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers 503 SERVICE_UNAVAILABLE when PostgreSQL refuses the TLS the URL asks for (pg\'s errors, which have no code)', async () => {
    for (const message of ['The server does not support SSL connections', 'There was an error establishing an SSL connection']) {
      const res = await (await appThrowing(new Error(message))).inject({ url: '/x' });
      expect(res.statusCode, message).toBe(503);
      expect(res.json().code).toBe('SERVICE_UNAVAILABLE');
    }
  });

  it('answers 404 when a write refers to an account deleted meanwhile (a foreign key), from either database', async () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec('create table users (id integer primary key); create table friend_requests (to_user_id integer references users(id))');
    const sqlite = (() => {
      try {
        db.prepare('insert into friend_requests values (42)').run();
      } catch (err) {
        return err;
      }
    })();
    const postgres = Object.assign(new Error('insert or update on table "friend_requests" violates foreign key constraint'), { code: '23503' });
    for (const err of [sqlite, postgres]) {
      const res = await (await appThrowing(err)).inject({ url: '/x' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'That account no longer exists' });
    }
  });

  it('says the limit a too-large body was past: the route\'s own, else the server\'s (a host\'s, embedded), in plain units', async () => {
    const app = Fastify({ logger: false, bodyLimit: 100_000 });
    installErrorHandler(app);
    app.post('/own', { bodyLimit: 2 * 1024 * 1024 }, async () => ({}));
    app.post('/server', async () => ({}));
    await app.ready();
    const post = (url: string, bytes: number) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(bytes)}"` });
    const own = await post('/own', 2 * 1024 * 1024);
    expect(own.statusCode).toBe(413);
    expect(own.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large: this request takes at most 2 MiB' });
    const server = await post('/server', 100_000);
    expect(server.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large: this request takes at most 100,000 bytes' });
  });

  it('never leaks internals of unexpected errors', async () => {
    const app = await appThrowing(new Error('secret stack detail at /srv/app.ts:12'));
    const res = await app.inject({ url: '/x' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error' });
    expect(res.body).not.toContain('secret');
  });
});
