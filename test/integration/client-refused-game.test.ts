/**
 * The SDK against a live Beacon: a game the server refused (409 while a game server's match
 * holds the user's activity) is not remembered, so the socket the SDK opens after a reconnect does
 * not declare it again once that match has ended (friends would see a game nobody plays).
 */
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PresenceClient } from '../../src/client/presence-client.js';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';

const SERVICE_TOKEN = 'service-token-for-refused-game-tests';

describe('the SDK and a game the server refused', () => {
  let t: LiveApp;
  let client: PresenceClient | undefined;
  beforeEach(async () => {
    t = await startLiveApp({ serviceToken: SERVICE_TOKEN });
  });
  afterEach(async () => {
    client?.stop();
    client = undefined;
    await t.close();
  });

  it('a practice refused during a game server\'s match is not declared again after a reconnect once the match ended', async () => {
    const bob = await t.register('bob');
    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const sdk = (client = new PresenceClient({ baseUrl: t.url, getToken: () => bob.token, WebSocketImpl: Tracked, backoff: { baseMs: 10, maxMs: 20 } }));
    const readies: unknown[] = [];
    let readied = (): void => undefined;
    sdk.on('ready', (e) => (readies.push(e), readied()));
    const ready = () => new Promise<void>((resolve) => (readied = resolve));
    const game = (event: 'match_started' | 'match_ended') =>
      t.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { event, match_id: 'm-1', player_ids: [bob.id] } });
    const own = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/users/${bob.id}/status`, headers: bearer(bob.token) })).json() as { status: string; activity: string };

    const first = ready();
    sdk.start();
    await first;
    expect((await game('match_started')).statusCode).toBe(200);
    await expect(sdk.setActivity('playing_pong')).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await game('match_ended')).statusCode).toBe(200);
    expect(await own()).toMatchObject({ status: 'online', activity: 'browsing' });

    const second = ready();
    sockets[0]!.terminate(); // the connection drops; the SDK reconnects
    await second;
    expect(readies).toHaveLength(2);
    // A change made now is sent after anything the new socket's ready queued (own changes go in turn).
    await sdk.setStatus('online');
    expect(await own()).toMatchObject({ status: 'online', activity: 'browsing' });
  });
});
