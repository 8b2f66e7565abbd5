/**
 * The two seams of the SDK that touch the outside world besides fetch: the WebSocket
 * constructor and the clock. Both are injectable so tests drive them by hand.
 */

/**
 * A handler slot of {@link WebSocketLike}. Written as a method type so that its event
 * parameter is compared both ways: the browser's handlers (DOM `MessageEvent`...) and those
 * of Node's `ws` package (its own event classes) both fit, as long as their events carry
 * what the SDK reads.
 */
type Handler<E> = { bivarianceHack(ev: E): unknown }['bivarianceHack'];

/**
 * The part of the browser `WebSocket` the SDK uses. The global `WebSocket` satisfies it, and
 * so does the `ws` package's for Node (sidecar mode).
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/**
 * Anything constructible like `WebSocket` (e.g. `window.WebSocket`, `ws`'s `WebSocket`, a
 * test fake). Only the URL is passed.
 */
export type WebSocketCtor = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`; a literal so fakes need not define the static constants. */
export const WS_OPEN = 1;

/** Timer functions plus a clock. Handles are opaque: browsers use numbers, Node objects. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  now(): number;
}

/**
 * Real timers, looked up on each call rather than captured at import, so test fakes
 * installed later (vi.useFakeTimers) still apply and browsers never see an unbound call.
 */
export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as Parameters<typeof globalThis.clearTimeout>[0]),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as Parameters<typeof globalThis.clearInterval>[0]),
  now: () => Date.now(),
};

/** The global WebSocket if the runtime has one (browsers, Node >= 22), else undefined. */
export function globalWebSocket(): WebSocketCtor | undefined {
  const ctor = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  return typeof ctor === 'function' ? ctor : undefined;
}

/**
 * Strips trailing slashes so `${base}/api/...` never doubles them, and makes a relative base
 * (`'beacon'`, `'../beacon'`: a page under the host's own path prefix) absolute against the page,
 * as `fetch` reads the REST calls made from it, so that the socket (statusSocketUrl) reaches the
 * same Beacon. `''`, a path from the root (`'/beacon'`) and a full URL are left as they are.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  const page = typeof document !== 'undefined' && document.baseURI ? document.baseURI : typeof location !== 'undefined' ? location.href : undefined;
  const relative = baseUrl !== '' && !baseUrl.startsWith('/') && !/^[a-z][a-z\d+.-]*:/i.test(baseUrl);
  return (relative && page ? new URL(baseUrl, page).href : baseUrl).replace(/\/+$/, '');
}

/**
 * `ws(s)://host[/prefix]/ws/status` for an http(s) base. The base may carry a path prefix
 * (Beacon mounted under `/beacon` in a host app) and may be a path alone (`/beacon`), relative
 * to the page (`beacon`: normalizeBaseUrl) or empty ("same origin"): each resolves against
 * `location` when there is one. `reconnect`: the
 * client reconnects by itself, which the server does not count as an interaction (`?reconnect=1`).
 */
export function statusSocketUrl(baseUrl: string, reconnect = false): string {
  const base = normalizeBaseUrl(baseUrl);
  const origin = typeof location !== 'undefined' ? location.origin : undefined;
  const url = new URL(`${base}/ws/status`, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  if (reconnect) url.searchParams.set('reconnect', '1');
  return url.toString();
}
