/**
 * Sends Web Push messages off the presence path: a bounded queue, a few requests in flight,
 * a deadline on each, failures logged and never thrown. The queue is fair between the users
 * the pushes are for: each has a queue of its own, at most PER_USER_IN_FLIGHT of its pushes
 * are in flight, and a free slot goes to the waiting user whose pushes held slots the least
 * lately (recent-use.ts), so users whose push endpoints hang (their own server, say) wait
 * behind everyone else's notifications, however many accounts they take turns with. Endpoints
 * the push service calls gone (404/410) are reported so their subscription is deleted. Each endpoint
 * is checked again before its push (push-endpoint.ts) and the POST goes to exactly that URL's host
 * (push-request.ts: one deadline, the answer read up to a bound); connections go only to public
 * addresses (checked at connect time) unless BEACON_PUSH_ALLOW_LOCAL.
 */
import https from 'node:https';
import type { FastifyBaseLogger } from 'fastify';
import webpush from 'web-push';
import { guardedLookup } from '../calendar/safe-fetch.js';
import { RecentUse } from '../recent-use.js';
import type { StoredSubscription } from './notification-repository.js';
import { parsePushEndpoint } from './push-endpoint.js';
import { postPush, PushRequestError } from './push-request.js';
import type { VapidKeys } from './vapid.js';

export interface PushSenderOptions {
  vapid: VapidKeys;
  concurrency: number;
  /** Deadline of each push: connect, TLS, sending and the whole answer. */
  timeoutMs: number;
  allowLocal: boolean;
  /** Extra trusted CA (PEM): a test's local push service with its own certificate. */
  ca?: string;
  /** DNS servers to resolve endpoints' names with (`host[:port]`; tests); default the system's. */
  dnsServers?: readonly string[];
  log: FastifyBaseLogger;
  /** The push service says this endpoint no longer exists. */
  onGone: (endpoint: string) => Promise<void>;
  /** The clock users' use of the slots decays on (the app's); default Date.now. */
  now?: () => number;
}

interface Job {
  sub: StoredSubscription;
  payload: string;
}

/** Beyond this many waiting pushes, new ones are dropped (and logged): a slow push service must not eat memory. */
const MAX_QUEUE = 10_000;
/** Beyond this many waiting pushes for one user, that user's new ones are dropped: nobody fills the queue alone. */
export const MAX_QUEUE_PER_USER = 100;
/** Pushes for one user in flight at most (a user has a few browsers). */
export const PER_USER_IN_FLIGHT = 2;
/** A notification is about now: a push service may drop it after this long. */
const TTL_S = 15 * 60;
/** How fast the time a user's pushes held slots is forgiven (halved). */
export const USE_HALF_LIFE_MS = 5 * 60_000;

export class PushSender {
  /** Waiting pushes by the user they are for; Map order breaks ties of use (who waited longest since their last turn). */
  readonly #queues = new Map<number, Job[]>();
  #waiting = 0;
  /** Pushes in flight by user (at most `concurrency` in all, so summing them is cheap). */
  readonly #inFlight = new Map<number, number>();
  /** By user, the sum of the times (performance.now) their pushes in flight started: how long they hold slots so far. */
  readonly #startedSum = new Map<number, number>();
  readonly #agent: https.Agent;
  readonly #idle = new Set<() => void>();
  /** How long each user's pushes held slots lately: the next free slot goes to the least. */
  readonly #use: RecentUse;

  constructor(private readonly opts: PushSenderOptions) {
    this.#use = new RecentUse({ halfLifeMs: USE_HALF_LIFE_MS, now: opts.now ?? Date.now });
    this.#agent = new https.Agent({
      keepAlive: true,
      lookup: guardedLookup(opts.allowLocal, 'The push endpoint points to a private network', opts.dnsServers),
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
  }

  /** Queues one encrypted push for `userId`'s browser; returns at once. */
  send(userId: number, sub: StoredSubscription, payload: string): void {
    const queue = this.#queues.get(userId);
    if (this.#waiting >= MAX_QUEUE || (queue?.length ?? 0) >= MAX_QUEUE_PER_USER) {
      this.opts.log.warn({ userId }, 'push queue full: notification dropped');
      return;
    }
    if (queue) queue.push({ sub, payload });
    else this.#queues.set(userId, [{ sub, payload }]);
    this.#waiting++;
    this.#pump();
  }

  get #active(): number {
    let n = 0;
    for (const c of this.#inFlight.values()) n += c;
    return n;
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#waiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  close(): void {
    this.#queues.clear();
    this.#waiting = 0;
    this.#agent.destroy();
  }

  #pump(): void {
    while (this.#active < this.opts.concurrency) {
      const userId = this.#nextTurn();
      if (userId === null) break;
      const queue = this.#queues.get(userId)!;
      const job = queue.shift()!;
      this.#waiting--;
      // The user's turn is over: to the back of the line, or out of it.
      this.#queues.delete(userId);
      if (queue.length > 0) this.#queues.set(userId, queue);
      this.#inFlight.set(userId, (this.#inFlight.get(userId) ?? 0) + 1);
      const started = performance.now();
      this.#startedSum.set(userId, (this.#startedSum.get(userId) ?? 0) + started);
      void this.#deliver(job).finally(() => {
        this.#use.charge(userId, performance.now() - started);
        const left = this.#inFlight.get(userId)! - 1;
        if (left === 0) {
          this.#inFlight.delete(userId);
          this.#startedSum.delete(userId);
        } else {
          this.#inFlight.set(userId, left);
          this.#startedSum.set(userId, this.#startedSum.get(userId)! - started);
        }
        this.#pump();
        if (this.#active === 0 && this.#waiting === 0) {
          for (const done of this.#idle) done();
          this.#idle.clear();
        }
      });
    }
  }

  /**
   * Of the users in line with fewer than PER_USER_IN_FLIGHT pushes in flight, the one whose pushes
   * held slots the least lately, their pushes in flight counted as far as they got; null if none.
   */
  #nextTurn(): number | null {
    const now = performance.now();
    return this.#use.least(this.#eligible(), (userId) => (this.#inFlight.get(userId) ?? 0) * now - (this.#startedSum.get(userId) ?? 0));
  }

  *#eligible(): Generator<number> {
    for (const userId of this.#queues.keys()) if ((this.#inFlight.get(userId) ?? 0) < PER_USER_IN_FLIGHT) yield userId;
  }

  async #deliver({ sub, payload }: Job): Promise<void> {
    const { vapid, timeoutMs, allowLocal, log } = this.opts;
    try {
      const url = parsePushEndpoint(sub.endpoint, allowLocal);
      const push = webpush.generateRequestDetails({ endpoint: url.href, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
        vapidDetails: vapid,
        TTL: TTL_S,
        urgency: 'normal',
        contentEncoding: 'aes128gcm',
      });
      await postPush(url, push, { agent: this.#agent, deadlineMs: timeoutMs });
    } catch (err) {
      const status = err instanceof PushRequestError ? err.statusCode : undefined;
      // The endpoint is a capability URL: log its host only.
      const host = safeHost(sub.endpoint);
      if (status === 404 || status === 410) {
        log.info({ host, status }, 'push subscription gone: deleted');
        await this.opts.onGone(sub.endpoint).catch((e: unknown) => log.error({ err: e }, 'could not delete a gone push subscription'));
        return;
      }
      log.warn({ host, status, reason: err instanceof Error ? err.message.slice(0, 200) : 'unknown' }, 'push not delivered');
    }
  }
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'invalid';
  }
}
