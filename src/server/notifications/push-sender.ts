/**
 * Sends Web Push messages off the presence path: a bounded queue, a few requests in flight,
 * a deadline on each, failures logged and never thrown. Endpoints the push service calls
 * gone (404/410) are reported so their subscription is deleted. Connections go only to
 * public addresses (checked at connect time) unless BEACON_PUSH_ALLOW_LOCAL.
 */
import https from 'node:https';
import { isIP } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import webpush from 'web-push';
import { guardedLookup, isPrivateAddress } from '../calendar/safe-fetch.js';
import type { StoredSubscription } from './notification-repository.js';
import type { VapidKeys } from './vapid.js';

export interface PushSenderOptions {
  vapid: VapidKeys;
  concurrency: number;
  timeoutMs: number;
  allowLocal: boolean;
  /** Extra trusted CA (PEM): a test's local push service with its own certificate. */
  ca?: string;
  log: FastifyBaseLogger;
  /** The push service says this endpoint no longer exists. */
  onGone: (endpoint: string) => Promise<void>;
}

interface Job {
  sub: StoredSubscription;
  payload: string;
}

/** Beyond this many waiting pushes, new ones are dropped (and logged): a slow push service must not eat memory. */
const MAX_QUEUE = 10_000;
/** A notification is about now: a push service may drop it after this long. */
const TTL_S = 15 * 60;

export class PushSender {
  readonly #queue: Job[] = [];
  #active = 0;
  readonly #agent: https.Agent;
  readonly #idle = new Set<() => void>();

  constructor(private readonly opts: PushSenderOptions) {
    this.#agent = new https.Agent({
      keepAlive: true,
      lookup: guardedLookup(opts.allowLocal, 'The push endpoint points to a private network'),
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
  }

  /** Queues one encrypted push; returns at once. */
  send(sub: StoredSubscription, payload: string): void {
    if (this.#queue.length >= MAX_QUEUE) {
      this.opts.log.warn('push queue full: notification dropped');
      return;
    }
    this.#queue.push({ sub, payload });
    this.#pump();
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  close(): void {
    this.#queue.length = 0;
    this.#agent.destroy();
  }

  #pump(): void {
    while (this.#active < this.opts.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#active++;
      void this.#deliver(job).finally(() => {
        this.#active--;
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) for (const done of this.#idle) done();
        if (this.#active === 0 && this.#queue.length === 0) this.#idle.clear();
      });
    }
  }

  async #deliver({ sub, payload }: Job): Promise<void> {
    const { vapid, timeoutMs, log } = this.opts;
    try {
      // Names are checked when they resolve (guardedLookup); an address in the URL resolves to itself.
      const host = new URL(sub.endpoint).hostname.replace(/^\[|\]$/g, '');
      if (!this.opts.allowLocal && isIP(host) && isPrivateAddress(host)) throw new Error('The push endpoint points to a private network');
      await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
        vapidDetails: vapid,
        TTL: TTL_S,
        urgency: 'normal',
        contentEncoding: 'aes128gcm',
        agent: this.#agent,
        timeout: timeoutMs,
      });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
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
