/**
 * Sockets that have not authenticated yet, counted per client address (an IPv6 client by its
 * /64, which one host is commonly given whole). Each such socket holds a file descriptor for up
 * to the 5 s auth timeout, and a process has a fixed number of them: without a cap, one address
 * opening sockets it never authenticates could take every descriptor and refuse everyone else's
 * connects. An upgrade past the cap is refused with 429 before it becomes a socket; a legitimate
 * client authenticates within milliseconds of connecting, so only a flood meets the cap.
 * The caps on open sockets (open-sockets.ts) are checked in the same hook, before anything is
 * claimed: an upgrade refused by one holds no slot of the other.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { addressKey } from '../client-address.js';
import type { OpenSockets } from './open-sockets.js';

const RETRY_AFTER_S = 5;

export class PendingAuth {
  readonly #count = new Map<string, number>();
  /** The release of each claimed upgrade, until its socket authenticates or goes. */
  readonly #releases = new WeakMap<IncomingMessage, () => void>();
  readonly #refusals = new RefusalLog();

  constructor(
    private readonly perAddress: number,
    private readonly openSockets: OpenSockets | null = null,
  ) {}

  /** Sockets waiting to authenticate from this address's key (tests, metrics). */
  waiting(ip: string): number {
    return this.#count.get(addressKey(ip)) ?? 0;
  }

  /**
   * preValidation hook of the upgrade route: claims a slot for the request's address, or
   * answers 429. The slot is given back when the TCP connection closes (a socket refused for
   * its token holds its descriptor until then, so it holds its slot too), or earlier by
   * release() once the socket's token is verified. Requests that are not upgrades (a GET or
   * HEAD of the route, answered 404) and injected sockets (`injectWS`, no TCP connection)
   * hold no slot.
   */
  readonly check = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const raw = req.raw.socket as Socket | undefined;
    if (!(req as { ws?: boolean }).ws || !raw || !req.ip) return;
    const key = addressKey(req.ip);
    const refused = this.openSockets?.refuse(key, req, reply);
    if (refused) {
      await refused;
      return;
    }
    const n = this.#count.get(key) ?? 0;
    if (n >= this.perAddress) {
      this.#refusals.refused(req.log, key, n);
      await reply
        .status(429)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ code: 'RATE_LIMITED', message: 'Too many connections from your address are waiting to authenticate; try again in a few seconds' });
      return;
    }
    this.openSockets?.claim(key, raw);
    this.#count.set(key, n + 1);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      raw.off('close', release);
      const left = (this.#count.get(key) ?? 1) - 1;
      if (left > 0) this.#count.set(key, left);
      else this.#count.delete(key);
    };
    // `on`, not `once`: release takes itself off, and once's wrapper was one more object per upgrade.
    raw.on('close', release);
    this.#releases.set(req.raw, release);
  };

  /** The upgrade's slot, to give back once its socket's token is verified (idempotent). */
  releaseOf(req: IncomingMessage): () => void {
    return this.#releases.get(req) ?? noop;
  }
}

function noop(): void {}

const REFUSED = 'websocket upgrades refused: too many sockets from one address waiting to authenticate';

/**
 * A flood must not flood the log too: the first refusal is logged at once, the next ones
 * within a second are counted and logged together when that second ends (how many, from how
 * many addresses, and the address refused most), so at most one line a second, and no
 * refusal goes unlogged.
 */
export class RefusalLog {
  readonly #byAddress = new Map<string, number>();

  /** `message`: what each line says was refused (the upgrades' by default). */
  constructor(private readonly message: string = REFUSED) {}

  #last: { log: FastifyBaseLogger; waiting: number } | null = null;
  #timer: NodeJS.Timeout | null = null;

  refused(log: FastifyBaseLogger, address: string, waiting: number): void {
    if (this.#timer) {
      this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
      this.#last = { log, waiting };
      return;
    }
    log.warn({ address, waiting, refused: 1 }, this.message);
    this.#wait();
  }

  #wait(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#byAddress.size === 0 || !this.#last) return;
      let refused = 0;
      let top: [string, number] = ['', 0];
      for (const entry of this.#byAddress) {
        refused += entry[1];
        if (entry[1] > top[1]) top = entry;
      }
      this.#last.log.warn({ address: top[0], waiting: this.#last.waiting, refused, addresses: this.#byAddress.size }, this.message);
      this.#byAddress.clear();
      this.#wait();
    }, 1000);
    this.#timer.unref();
  }
}
