/**
 * The elements' connection to Beacon. `connect()` makes the page-wide default that every
 * element without its own `connection` property uses; one PresenceClient serves them all.
 */
import { ApiClient, PresenceClient, type TokenSource } from '../client/index.js';
import { emit, UNAUTHORIZED } from './events.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * Where Beacon answers: `''` (default) for the page's own origin, a path prefix such as
   * `'/beacon'` when Beacon is mounted inside the host app, or an origin such as
   * `'https://beacon.example.com'` (a sidecar that allows the page's origin with CORS).
   */
  baseUrl?: string;
  /**
   * The user's bearer token, or a function returning the current one or a promise of it (read at
   * each call and reconnect). Null or empty while no one is signed in on the page (as
   * `sessionStorage.getItem` gives): nothing is sent, the elements say "not signed in", and no
   * `beacon-unauthorized` is dispatched (Beacon refused nothing); call `connect()` again at sign-in.
   */
  token: string | null | TokenSource;
  /** Report the user's keyboard, mouse and touch input as activity (idle detection). Default true. */
  trackActivity?: boolean;
}

/** A live connection: the SDK objects the elements read, and a way to end it. */
export interface BeaconConnection {
  readonly client: PresenceClient;
  readonly api: ApiClient;
  /** Stops the socket, polling and idle detection; elements fall back to "not connected". */
  disconnect(): void;
}

let current: BeaconConnection | null = null;
const listeners = new Set<() => void>();

/**
 * Connects the elements on this page to Beacon as one user. Calling it again (another
 * login) replaces the previous connection.
 */
export function connect(options: ConnectOptions): BeaconConnection {
  const { token } = options;
  const getToken = typeof token === 'function' ? token : () => token;
  // A relative base resolves against the page for REST and the socket alike (normalizeBaseUrl).
  const baseUrl = options.baseUrl ?? '';
  const api = new ApiClient({ baseUrl, getToken });
  const client = new PresenceClient({ baseUrl, getToken, api });
  const detach = options.trackActivity === false ? () => undefined : client.attachIdleDetection();
  const connection: BeaconConnection = {
    client,
    api,
    disconnect: () => {
      detach();
      client.stop();
      if (current === connection) setDefaultConnection(null);
    },
  };
  // The token is dead (expired, revoked): the page should sign the user in again. No token
  // given (`noToken`) is no refusal: nothing was sent, and the page knows nobody signed in.
  client.on('unauthorized', ({ closeCode }) => {
    if (!client.noToken && typeof document !== 'undefined') emit(document, UNAUTHORIZED, { closeCode });
  });
  current?.disconnect();
  client.start();
  setDefaultConnection(connection);
  return connection;
}

/** Ends the page-wide connection made by {@link connect}, if any (e.g. on logout). */
export function disconnect(): void {
  current?.disconnect();
}

/** The page-wide connection made by {@link connect}, or null. */
export function defaultConnection(): BeaconConnection | null {
  return current;
}

function setDefaultConnection(connection: BeaconConnection | null): void {
  current = connection;
  for (const fn of [...listeners]) fn();
}

/** Calls `fn` whenever the default connection changes; returns the unsubscribe function. */
export function onDefaultConnectionChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}
