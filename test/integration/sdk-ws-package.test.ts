/**
 * The SDK in Node with the `ws` package, as docs/integration.md (Sidecar mode) tells hosts to
 * test it: a `ws` socket that is closed while still connecting emits `'error'` ("closed before
 * the connection was established"), which with no listener kills the host process. The SDK
 * closes such sockets itself on stop() (sign-out right after start()) and when its connect
 * timeout fires (a server that accepts TCP and never answers). Neither may throw, and the
 * client's state must say what happened. The connect timeout runs on timers the test moves by
 * hand; the sockets are real.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PresenceClient } from '../../src/client/presence-client.js';
import type { Timers } from '../../src/client/transport.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';

/** `ws`'s WebSocket, remembering each socket the SDK opens. */
function trackedWs() {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Tracked, sockets };
}

/** Timers that fire only when the test says so; `run(ms)` runs the pending timeouts set for `ms`. */
function manualTimers() {
  let next = 0;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => (pending.set(++next, { fn, ms }), next),
    clearTimeout: (h) => void pending.delete(h as number),
    setInterval: (fn, ms) => (pending.set(++next, { fn, ms }), next),
    clearInterval: (h) => void pending.delete(h as number),
    now: () => 0,
  };
  const run = (ms: number): number => {
    const due = [...pending].filter(([, t]) => t.ms === ms);
    for (const [id, t] of due) {
      pending.delete(id);
      t.fn();
    }
    return due.length;
  };
  return { timers, run };
}

const CONNECT_TIMEOUT_MS = 10_000; // the SDK's default

/** What would have crashed the process (an 'error' event nobody listens to is thrown). */
let uncaught: unknown[];
let crashed: Promise<void>;
let onUncaught: (err: unknown) => void;

beforeEach(() => {
  uncaught = [];
  crashed = new Promise((resolve) => {
    onUncaught = (err) => {
      uncaught.push(err);
      resolve();
    };
  });
  process.on('uncaughtException', onUncaught);
});
afterEach(() => void process.off('uncaughtException', onUncaught));

/**
 * Until a socket has fully closed (ws emits its 'error', if any, just before 'close'), or the
 * process would have crashed (the thrown 'error' then cuts off the 'close').
 */
async function closed(ws: WebSocket): Promise<void> {
  // Not events.once(): it listens for 'error' too, which is what must go unhandled here.
  if (ws.readyState !== WebSocket.CLOSED) await Promise.race([new Promise((r) => ws.on('close', r)), crashed]);
  await new Promise((r) => setImmediate(r));
}

describe('the SDK with the ws package', () => {
  let app: LiveApp | undefined;
  let hung: Server | undefined;
  const held: Socket[] = [];

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const s of held.splice(0)) s.destroy();
    if (hung) await new Promise((r) => hung?.close(r));
    hung = undefined;
  });

  it('stop() right after start(), the socket still connecting to a live Beacon: no unhandled error, stopped', async () => {
    app = await startLiveApp();
    const alice = await app.register('alice');
    const { Tracked, sockets } = trackedWs();
    const client = new PresenceClient({ baseUrl: app.url, getToken: () => alice.token, WebSocketImpl: Tracked });
    client.start();
    expect(sockets.map((s) => s.readyState)).toEqual([WebSocket.CONNECTING]);
    client.stop();
    await closed(sockets[0]!);
    expect(uncaught).toEqual([]);
    expect([client.state, client.stopReason]).toEqual(['offline', 'stopped']);
  });

  it('an asynchronous getToken (a host refreshing over the network): connects, gets ready and calls the API with the resolved token', async () => {
    app = await startLiveApp();
    const alice = await app.register('alice');
    const { Tracked } = trackedWs();
    const reads: string[] = [];
    const getToken = async (): Promise<string> => {
      await new Promise((r) => setTimeout(r, 20)); // a refresh in flight
      reads.push(alice.token);
      return alice.token;
    };
    const client = new PresenceClient({ baseUrl: app.url, getToken, WebSocketImpl: Tracked });
    const connected = new Promise<void>((resolve) => client.on('state', (s) => s === 'connected' && resolve()));
    client.start();
    await connected;
    expect(client.self?.username).toBe('alice');
    const mine = await client.setStatus('busy', 'async token');
    expect([mine.status, mine.custom_message]).toEqual(['busy', 'async token']);
    expect(reads.length).toBeGreaterThanOrEqual(2); // the socket's auth and the REST call each read it
    client.stop();
    expect(uncaught).toEqual([]);
  });

  it('the connect timeout against a server that never answers the upgrade: no unhandled error, still trying, then stopped', async () => {
    hung = createServer((s) => void held.push(s));
    await new Promise<void>((r) => hung?.listen(0, '127.0.0.1', r));
    const accepted = once(hung, 'connection');
    const { port } = hung.address() as { port: number };
    const { timers, run } = manualTimers();
    const { Tracked, sockets } = trackedWs();
    const client = new PresenceClient({ baseUrl: `http://127.0.0.1:${port}`, getToken: () => 'token', WebSocketImpl: Tracked, timers });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    client.start();
    await accepted; // the TCP connection is up; the upgrade is never answered
    expect(run(CONNECT_TIMEOUT_MS)).toBe(1);
    await closed(sockets[0]!);
    expect(uncaught).toEqual([]);
    // One failed attempt on a first load: still connecting (retrying), not stopped.
    expect([client.state, client.stopReason]).toEqual(['connecting', null]);
    client.stop();
    expect([client.state, client.stopReason, states]).toEqual(['offline', 'stopped', ['connecting', 'offline']]);
  });
});
