/**
 * `app.beacon` (the in-process API) keeps the rules of the REST routes it stands for: a report or
 * status POST /games/events or PUT /users/me/status would refuse is refused with the same
 * AppError (code VALIDATION_ERROR), and game events apply to host users Beacon knows only.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, beacon, type GameReport } from '../../src/server/index.js';
import { MemoryHost } from '../helpers/memory-host.js';

const SERVICE_TOKEN = 'service-token-0123456789';
let apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps) await a.close();
  apps = [];
});

async function site() {
  const host = new MemoryHost();
  const app = Fastify();
  apps.push(app);
  await app.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends: host.friends,
    config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', rateLimits: false, serviceToken: SERVICE_TOKEN },
  });
  await app.ready();
  /** A host user Beacon has seen (their token was used). */
  const seen = async (id: string) => {
    const token = host.addUser(id, `User ${id}`);
    expect((await app.inject({ method: 'GET', url: '/beacon/api/v1/users/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    return token;
  };
  const ownView = async (id: string, token: string) => {
    const [beaconId] = (await app.beacon.userIds([id])).values();
    return (await app.inject({ method: 'GET', url: `/beacon/api/v1/users/${beaconId}/status`, headers: { authorization: `Bearer ${token}` } })).json<{ status: string; manual_status: string | null; custom_message: string | null; activity: string | null }>();
  };
  const rest = (report: unknown) => app.inject({ method: 'POST', url: '/beacon/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload: report as object });
  return { host, app, seen, ownView, rest };
}

async function refusal(call: Promise<unknown>): Promise<AppError> {
  const err: unknown = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('VALIDATION_ERROR');
  return err as AppError;
}

describe('app.beacon validates as the REST routes do', () => {
  it('refuses a game report POST /games/events refuses, with the same words', async () => {
    const s = await site();
    await s.seen('600');
    const bad: Array<[unknown, RegExp]> = [
      [{ event: 'bogus', match_id: 'q', player_ids: ['600'] }, /^report\.event must be equal to one of the allowed values/],
      [{ event: 'match_started', match_id: 'big', player_ids: Array.from({ length: 100 }, (_, i) => 1000 + i) }, /^report\.player_ids must NOT have more than 64 items/],
      [{ event: 'match_started', match_id: 'm', player_ids: [] }, /^report\.player_ids must NOT have fewer than 1 items/],
      [{ event: 'match_started', match_id: '', player_ids: ['600'] }, /^report\.match_id /],
      [{ event: 'match_started', match_id: 'm', player_ids: ['600'], winner: '600' }, /^report: unknown field "winner"/],
      [{ event: 'match_started', match_id: 'm', player_ids: ['600'], details: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) }, /^report\.details must NOT have more than 16 properties/],
    ];
    for (const [report, message] of bad) {
      expect((await s.rest(report)).statusCode).toBe(400);
      expect((await refusal(s.app.beacon.game(report as GameReport))).message).toMatch(message);
    }
    expect((await s.ownView('600', (await s.seen('600')))).activity).toBeNull();
  });

  it('refuses a status PUT /users/me/status refuses: offline does not make an online user look offline', async () => {
    const s = await site();
    const token = await s.seen('700');
    const err = await refusal(s.app.beacon.setStatus('700', 'offline' as 'busy'));
    expect(err.message).toMatch(/^setStatus\.status must be equal to one of the allowed values: online, away, busy$/);
    expect(await s.ownView('700', token)).toMatchObject({ manual_status: 'online' });
    // The message is named as the argument the host passed, as the status is (not the route's custom_message).
    expect((await refusal(s.app.beacon.setStatus('700', 'busy', 'x'.repeat(200)))).message).toBe('setStatus.customMessage must be at most 128 characters');
    // Past the schema's cap on code points too: the limit said is the message's, 128 characters (REST alike).
    expect((await refusal(s.app.beacon.setStatus('700', 'busy', 'x'.repeat(5000)))).message).toBe('setStatus.customMessage must be at most 128 characters or must be null');
    const rest = await s.app.inject({ method: 'PUT', url: '/beacon/api/v1/users/me/status', headers: { authorization: `Bearer ${token}` }, payload: { status: 'busy', custom_message: 'x'.repeat(5000) } });
    expect(rest.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body.custom_message must be at most 128 characters or must be null' });
    expect((await refusal(s.app.beacon.setStatus('700', 'busy', 'two\nlines'))).message).toMatch(/^setStatus\.customMessage /);
    await s.app.beacon.setStatus('700', 'busy', 'in a meeting');
    expect(await s.ownView('700', token)).toMatchObject({ manual_status: 'busy', custom_message: 'in a meeting' });
  });
});

describe('game events in host modes apply to host users Beacon knows', () => {
  it('skips an id Beacon never saw, and creates nobody for it, over REST and in process', async () => {
    const s = await site();
    await s.seen('5');
    const rest = await s.rest({ event: 'match_started', match_id: 'm', player_ids: [5, 999, '5x'] });
    expect(rest.json()).toEqual({ applied: [5] });
    expect(await s.app.beacon.game({ event: 'match_started', match_id: 'n', player_ids: ['998', 5] })).toEqual([5]);
    expect([...(await s.app.beacon.userIds([5, 999, '5x', '998'])).keys()]).toEqual(['5']);
  });

  it('skips a deleted user until they sign in again', async () => {
    const s = await site();
    await s.seen('5');
    await s.seen('6');
    expect(await s.app.beacon.deleteUser(5)).toBe(true);
    // Deleted before Beacon ever saw them: skipped too.
    expect(await s.app.beacon.deleteUser(7)).toBe(false);
    expect((await s.rest({ event: 'match_started', match_id: 'm', player_ids: [5, 6, 7] })).json()).toEqual({ applied: [6] });
    expect(await s.app.beacon.game({ event: 'match_started', match_id: 'n', player_ids: [5, 7] })).toEqual([]);
    const token = await s.seen('5');
    expect(await s.app.beacon.game({ event: 'match_started', match_id: 'o', player_ids: [5, 7] })).toEqual([5]);
    expect(await s.ownView('5', token)).toMatchObject({ activity: 'playing_pong' });
  });
});
