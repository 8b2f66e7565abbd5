/**
 * In-process fakes for the client tests: a WebSocket the test drives from the server
 * side, a routed fetch, and view factories. No network, no real timers.
 */
import { vi } from 'vitest';
import type { ServerFrame, View } from '../../../src/protocol/index.js';
import { ApiClient } from '../../../src/client/api.js';
import { PresenceClient, type PresenceClientOptions, type PresenceEvents } from '../../../src/client/presence-client.js';
import type { WebSocketLike } from '../../../src/client/transport.js';

export const BASE_URL = 'http://beacon.test';
export const TOKEN = 'tok.SECRET-jwt-value';
export const T0 = '2024-01-15T14:30:00.000Z';

/** A browser-like WebSocket whose server side is driven by the test. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  /** Frames the client sent, parsed. */
  readonly sent: Record<string, unknown>[] = [];
  /** Close code the client used, if it closed the socket itself. */
  closedByClient: number | null = null;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closedByClient = code;
    this.readyState = 3;
  }

  /** Server accepts the upgrade. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  /** Server sends a frame (objects are JSON-encoded, strings sent raw). */
  receive(frame: ServerFrame | Record<string, unknown> | string): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.onmessage?.({ data } as MessageEvent);
  }

  /** Server closes with a code (and a reason, as browsers pass it on). */
  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: true } as CloseEvent);
  }

  /** The connection fails (refused, dropped): error then close 1006, like browsers. */
  fail(): void {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.({ code: 1006, reason: '', wasClean: false } as CloseEvent);
  }

  /** Frames of one type the client sent. */
  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type);
  }
}

export interface FetchCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'network-error';
/** A handler may answer later (a slow network): the fetch then resolves when its promise does. */
type Handler = (call: FetchCall) => Reply | Promise<Reply>;

/** A fetch that answers from a route table (`"GET /api/v1/users/me"`) and records every call. */
export class FakeFetch {
  readonly calls: FetchCall[] = [];
  readonly #routes = new Map<string, Handler>();

  route(key: string, reply: Reply | Handler): this {
    this.#routes.set(key, typeof reply === 'function' ? reply : () => reply);
    return this;
  }

  callsTo(key: string): FetchCall[] {
    return this.calls.filter((c) => `${c.method} ${new URL(c.url).pathname}${new URL(c.url).search}` === key);
  }

  readonly fn: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const call: FetchCall = {
      url,
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string> | undefined) },
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    this.calls.push(call);
    const u = new URL(url);
    const handler = this.#routes.get(`${call.method} ${u.pathname}${u.search}`);
    const reply: Reply = handler ? await handler(call) : { status: 404, body: { code: 'NOT_FOUND', message: 'no route' } };
    if (reply === 'network-error') throw new TypeError('Failed to fetch');
    const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    // Minimal Response: avoids undici's stream machinery under fake timers.
    return { ok: reply.status >= 200 && reply.status < 300, status: reply.status, headers: new Headers(reply.headers), text: async () => text } as Response;
  };
}

/** A view with sensible defaults. */
export function view(id: number, username: string, status: View['status'], extra: Partial<View> = {}): View {
  return {
    user_id: id,
    username,
    display_name: username.toUpperCase(),
    status,
    activity: status === 'offline' ? null : 'browsing',
    custom_message: null,
    last_seen: null,
    timestamp: T0,
    ...extra,
  };
}

export const ME = view(1, 'me', 'online');

export function readyFrame(friends: View[], extra: Partial<{ heartbeat_interval_ms: number; self: View }> = {}): ServerFrame {
  return { type: 'ready', session_id: 's1', heartbeat_interval_ms: 20_000, self: ME, friends, ...extra };
}

/** Records every event the client emits, in order. */
export type Recorded = { [K in keyof PresenceEvents]: { type: K; e: PresenceEvents[K] } }[keyof PresenceEvents];

/** A client wired to fakes, with helpers to play the server. */
export function harness(opts: Partial<PresenceClientOptions> = {}) {
  const sockets: FakeWebSocket[] = [];
  class WS extends FakeWebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  const fetch = new FakeFetch();
  let token: string | null = TOKEN;
  const getToken = (): string | null => token;
  const api = new ApiClient({ baseUrl: BASE_URL, getToken, fetchImpl: fetch.fn });
  const client = new PresenceClient({ baseUrl: BASE_URL, getToken, api, WebSocketImpl: WS, random: () => 0.5, ...opts });
  const events: Recorded[] = [];
  const types = ['state', 'ready', 'friend', 'friend_removed', 'friends', 'self', 'are_you_there', 'probe_answered', 'error', 'unauthorized', 'friend_request_received', 'friend_request_sent', 'friend_request_closed', 'friend_updated', 'game_invite', 'game_invite_accepted', 'game_invite_closed', 'settings', 'synced'] as const;
  for (const type of types) client.on(type, (e) => events.push({ type, e } as Recorded));
  return {
    client,
    sockets,
    fetch,
    events,
    setToken: (t: string | null) => (token = t),
    /** The most recent socket the client opened. */
    get ws(): FakeWebSocket {
      const ws = sockets.at(-1);
      if (!ws) throw new Error('no socket opened');
      return ws;
    },
    /** Opens the latest socket and answers its auth with `ready`. */
    connect(friends: View[] = [], extra: Parameters<typeof readyFrame>[1] = {}): FakeWebSocket {
      const ws = sockets.at(-1);
      if (!ws) throw new Error('no socket opened');
      ws.open();
      ws.receive(readyFrame(friends, extra));
      return ws;
    },
    eventsOf<K extends keyof PresenceEvents>(type: K): PresenceEvents[K][] {
      return events.filter((r) => r.type === type).map((r) => r.e as PresenceEvents[K]);
    },
    /** Every URL the client touched, REST and WebSocket. */
    urls(): string[] {
      return [...fetch.calls.map((c) => c.url), ...sockets.map((s) => s.url)];
    },
  };
}

/** Fake timers for setTimeout/setInterval/Date only (promises stay real microtasks). */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: new Date(T0) });
}

/**
 * A server that applies each of the user's own changes (a status, an activity declaration) when
 * it arrives, with the token it came with; `hold()`
 * delays the next request on the network until `release()`.
 */
export function slowNetwork() {
  const h = harness();
  const applied: Array<{ token: string | undefined; body: Record<string, unknown> }> = [];
  /** The bodies alone, in the same order. */
  const bodies: Array<Record<string, unknown>> = [];
  let held: Promise<void> | null = null;
  let release = (): void => undefined;
  const answer = (make: (body: Record<string, unknown>) => Record<string, unknown>) => async (call: { body?: unknown; headers: Record<string, string> }) => {
    const body = call.body as Record<string, unknown>;
    const delay = held;
    held = null;
    if (delay) await delay;
    const auth = Object.entries(call.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    applied.push({ token: auth?.replace(/^Bearer /, ''), body });
    bodies.push(body);
    return { status: 200, body: { ...ME, ...make(body) } };
  };
  h.fetch.route('PUT /api/v1/users/me/status', answer((b) => ({ status: b.status, custom_message: b.custom_message ?? null })));
  h.fetch.route('POST /api/v1/users/me/activity', answer((b) => ({ status: b.activity === 'playing_pong' ? 'in_game' : 'online', activity: b.activity })));
  h.client.start();
  h.connect([], { self: ME });
  return {
    h,
    applied,
    bodies,
    hold: () => {
      held = new Promise<void>((r) => (release = r));
    },
    release: () => release(),
  };
}
