/** Public types of {@link PresenceClient}: states, events and options. */
import type { View } from '../protocol/index.js';
import type { ApiClient } from './api.js';
import type { BackoffOptions } from './backoff.js';
import type { Timers, WebSocketCtor } from './transport.js';

/** `connecting` (first attempt), `connected`, `reconnecting` (after a drop), `polling` (REST fallback), `offline`. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'offline';

/** Events of {@link PresenceClient.on}. */
export interface PresenceEvents {
  state: ConnectionState;
  /** A full snapshot: every WebSocket `ready`, and the first successful poll if no snapshot came before. */
  ready: { self: View; friends: View[] };
  /** One friend's view changed (`friend_status_change`, `friend_added`, or a snapshot diff). */
  friend: { view: View; previous: View | undefined };
  friend_removed: { friendId: number };
  /** The whole sorted list after any change (convenient for rendering). */
  friends: View[];
  self: View;
  /** The server's idle probe; answer with `stillHere()` or let the next user input answer it. */
  are_you_there: void;
  /** An `error` frame from the server. */
  error: { code: string; message: string };
  /** 4401 or 4000: the token is dead; the client stopped. Show the login page. */
  unauthorized: { closeCode: number };
}

/** Options of {@link PresenceClient}; every timing has a documented default. */
export interface PresenceClientOptions {
  /** http(s) origin of the server (`''` = the page's origin); the ws URL is derived from it. */
  baseUrl: string;
  /** Current bearer token; read at each (re)connect and REST call. */
  getToken: () => string | null;
  /** Default: `new ApiClient({ baseUrl, getToken })`. */
  api?: ApiClient;
  /** Default: the global `WebSocket`; without one the client polls. */
  WebSocketImpl?: WebSocketCtor;
  /** Default: the global timers and `Date.now`. */
  timers?: Timers;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Default 500 / 15000 ms, full jitter. */
  backoff?: BackoffOptions;
  /** Consecutive WebSocket attempts that never reach `ready` before polling starts. Default 3. */
  fallbackAfterFailures?: number;
  /** Default 3000 ms. */
  pollIntervalMs?: number;
  /** At most one `interaction` frame per this many ms. Default 10000. */
  interactionThrottleMs?: number;
  /** An attempt that has not reached `ready` by then counts as failed. Default 10000 ms. */
  connectTimeoutMs?: number;
}
