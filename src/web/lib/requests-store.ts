/**
 * Pending friend requests for the whole app (badge, Pending tab's count and lists). Kept live
 * by the socket's friend-request events (received, sent on any of the user's devices, closed),
 * and read again at every `synced` of the client (read-again.ts): the first connect or poll, a
 * reconnect, each answered poll while polling (no events arrive then) and the refetch after a
 * `seq` gap (the lost event may have been a request's). A read that finds the lists shown tells
 * no screen (most polls): nothing is drawn again every few seconds.
 *
 * A read's answer was made when the request reached the server: the events that arrive
 * while it is in flight are newer, so they are applied again over it (a request received
 * meanwhile stays listed, one closed meanwhile does not come back). Of overlapping reads,
 * an earlier one answering after a later one is dropped: so a read begun before an action of
 * the Pending tab was applied never wins over the read that tab makes once it is answered.
 */
import type { ApiClient } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import type { FriendRequest } from './label-types.js';
import { errorMessage } from './error-messages.js';
import { readAgainAtSyncs } from './read-again.js';

/** A friend-request event, as {@link RequestsStore} applies it (live, and again over a read's answer). */
type RequestEvent =
  | { type: 'received' | 'sent'; request: FriendRequest }
  | { type: 'closed'; requestId: number };

export class RequestsStore {
  incoming: FriendRequest[] = [];
  outgoing: FriendRequest[] = [];
  loaded = false;
  error: string | null = null;
  readonly #api: Pick<ApiClient, 'friendRequests'>;
  readonly #client: Pick<PresenceClient, 'on'>;
  readonly #listeners = new Set<() => void>();
  #offs: Array<() => void> = [];
  #gen = 0;
  /** One list per read in flight: the events applied since it began (applied again over its answer). */
  readonly #sinceRead = new Set<RequestEvent[]>();
  /** Reads started, and the latest whose answer was applied: an earlier one answering later is older. */
  #readsStarted = 0;
  #readApplied = 0;

  constructor(api: Pick<ApiClient, 'friendRequests'>, client: Pick<PresenceClient, 'on'>) {
    this.#api = api;
    this.#client = client;
  }

  start(): void {
    this.#offs.push(
      readAgainAtSyncs(this.#client, () => void this.refresh()),
      this.#client.on('friend_request_received', ({ request }) => this.#event({ type: 'received', request })),
      // Sent from this device or another of the user's: listed as outgoing at once everywhere.
      this.#client.on('friend_request_sent', ({ request }) => this.#event({ type: 'sent', request })),
      this.#client.on('friend_request_closed', ({ requestId }) => this.#event({ type: 'closed', requestId })),
    );
    // No read here: the client's first `synced` (socket or first poll) triggers it.
  }

  stop(): void {
    this.#gen++;
    this.#offs.forEach((off) => off());
    this.#offs = [];
    this.#listeners.clear();
  }

  /** Subscribes to any change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async refresh(): Promise<void> {
    const gen = this.#gen;
    const nth = ++this.#readsStarted;
    const since: RequestEvent[] = [];
    this.#sinceRead.add(since);
    /** What the screens were told before this answer. */
    let before: string;
    try {
      const r = await this.#api.friendRequests();
      if (gen !== this.#gen) return;
      // A later read already answered: this answer is older than what is shown.
      if (nth < this.#readApplied) return;
      before = this.#shown();
      this.#readApplied = nth;
      this.incoming = r.incoming;
      this.outgoing = r.outgoing;
      for (const e of since) this.#apply(e);
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (gen !== this.#gen) return;
      before = this.#shown();
      // The lists shown (kept live by the events) stay; the failure is reported beside them.
      this.error = errorMessage(e);
    } finally {
      this.#sinceRead.delete(since);
    }
    // Found what is shown (most reads): nothing to draw again.
    if (this.#shown() !== before) this.#emit();
  }

  /** What the screens show of this store, to tell whether a read changed it. */
  #shown(): string {
    return JSON.stringify([this.loaded, this.error, this.incoming, this.outgoing]);
  }

  /** A live event: applied now, and remembered by every read in flight to apply over its answer. */
  #event(e: RequestEvent): void {
    for (const since of this.#sinceRead) since.push(e);
    if (this.#apply(e)) this.#emit();
  }

  /** Applies one event to the lists (idempotent); true when they changed. */
  #apply(e: RequestEvent): boolean {
    if (e.type === 'closed') {
      const n = this.incoming.length + this.outgoing.length;
      this.incoming = this.incoming.filter((r) => r.id !== e.requestId);
      this.outgoing = this.outgoing.filter((r) => r.id !== e.requestId);
      return this.incoming.length + this.outgoing.length !== n;
    }
    const list = e.type === 'received' ? this.incoming : this.outgoing;
    if (list.some((r) => r.id === e.request.id)) return false;
    if (e.type === 'received') this.incoming = [...list, e.request];
    else this.outgoing = [...list, e.request];
    return true;
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }
}
