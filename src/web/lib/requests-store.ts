/**
 * Pending friend requests for the whole app (badge, Pending tab). Read once per (re)connect,
 * then kept live by the socket's friend-request events (received, sent on any of the user's
 * devices, closed); re-read on a timer only while the
 * client is in the polling fallback, where no events arrive.
 */
import type { ApiClient } from '../../client/api.js';
import type { ConnectionState, PresenceClient } from '../../client/presence-client.js';
import type { FriendRequest } from './label-types.js';
import { errorMessage } from './error-messages.js';

export const FALLBACK_REFRESH_MS = 4_000;

export class RequestsStore {
  incoming: FriendRequest[] = [];
  outgoing: FriendRequest[] = [];
  loaded = false;
  error: string | null = null;
  readonly #api: Pick<ApiClient, 'friendRequests'>;
  readonly #client: Pick<PresenceClient, 'on' | 'state'>;
  readonly #listeners = new Set<() => void>();
  #offs: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #gen = 0;

  constructor(api: Pick<ApiClient, 'friendRequests'>, client: Pick<PresenceClient, 'on' | 'state'>) {
    this.#api = api;
    this.#client = client;
  }

  start(): void {
    this.#offs.push(
      this.#client.on('ready', () => void this.refresh()),
      this.#client.on('state', (s) => this.#fallback(s)),
      this.#client.on('friend_request_received', ({ request }) => {
        if (this.incoming.some((r) => r.id === request.id)) return;
        this.incoming = [...this.incoming, request];
        this.#emit();
      }),
      // Sent from this device or another of the user's: listed as outgoing at once everywhere.
      this.#client.on('friend_request_sent', ({ request }) => {
        if (this.outgoing.some((r) => r.id === request.id)) return;
        this.outgoing = [...this.outgoing, request];
        this.#emit();
      }),
      this.#client.on('friend_request_closed', ({ requestId }) => {
        const n = this.incoming.length + this.outgoing.length;
        this.incoming = this.incoming.filter((r) => r.id !== requestId);
        this.outgoing = this.outgoing.filter((r) => r.id !== requestId);
        if (this.incoming.length + this.outgoing.length !== n) this.#emit();
      }),
    );
    // No read here: the client's first `ready` (socket or first poll) triggers it.
    this.#fallback(this.#client.state);
  }

  stop(): void {
    this.#gen++;
    this.#offs.forEach((off) => off());
    this.#offs = [];
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  /** Subscribes to any change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async refresh(): Promise<void> {
    const gen = this.#gen;
    try {
      const r = await this.#api.friendRequests();
      if (gen !== this.#gen) return;
      this.incoming = r.incoming;
      this.outgoing = r.outgoing;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (gen !== this.#gen) return;
      this.error = errorMessage(e);
    }
    this.#emit();
  }

  #fallback(state: ConnectionState): void {
    const poll = state === 'polling' || state === 'offline';
    if (poll && this.#timer === undefined) {
      this.#timer = setInterval(() => void this.refresh(), FALLBACK_REFRESH_MS);
    } else if (!poll && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }
}
