/**
 * CORS on Beacon's routes: the pages of the origins in BEACON_CORS_ORIGINS (config.corsOrigins)
 * may call the REST API from their own origin. A browser hides a refused CORS check from the page
 * (it sees a network error, as if Beacon were down), so the refusal is made plain on both sides
 * it can be seen from: a preflight from any other origin is answered 403 `{code, message}` (the
 * browser's network panel shows it) and logged at warn, with the setting that would let the
 * origin in, once per origin. The origins said are remembered in a bounded set (a caller can send
 * any number of them): one forgotten is said again when it comes back. An OPTIONS from an allowed
 * origin without Access-Control-Request-Method is answered 400 `{code, message}` (as every 4xx).
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** How many refused origins are remembered as said; the oldest is forgotten first. */
export const REMEMBERED_ORIGINS = 256;
/** How many refusal lines a minute at most (a caller may send any number of origins). */
export const LINES_PER_MINUTE = 20;
/** An origin is a scheme and a host: past this it is cut, in the log and in memory. */
const ORIGIN_SHOWN = 200;

/**
 * Registers CORS in `app` (Beacon's encapsulated context): `allowed` origins (lower-cased, as
 * config.ts gives them) get the CORS headers and their preflights answered; any other origin gets
 * none, and its preflight is refused.
 */
export async function beaconCors(app: FastifyInstance, allowed: readonly string[], opts: CorsOptions = {}): Promise<void> {
  const listed = new Set(allowed);
  const isAllowed = (origin: string | undefined): boolean => origin !== undefined && listed.has(origin.toLowerCase());
  const said = new SaidOnce(REMEMBERED_ORIGINS, LINES_PER_MINUTE, opts.now ?? Date.now);
  const apiPath = opts.apiPath ?? '/api/';
  // Before @fastify/cors's own hook (hooks run in the order added), which would answer 404.
  app.addHook('onRequest', async (request, reply) => {
    if (isIncompletePreflight(request) && isAllowed(request.headers.origin)) {
      // @fastify/cors would answer its plain-text `400 Invalid Preflight Request`.
      return reply.status(400).send({ code: 'VALIDATION_ERROR', message: 'A CORS preflight (OPTIONS with Origin) must name the method it asks for in Access-Control-Request-Method' });
    }
    const origin = preflightOrigin(request);
    // Only Beacon's REST API: embedded at the root, the host's own paths' preflights stay as they were.
    if (origin === null || isAllowed(origin) || !request.url.startsWith(apiPath)) return;
    const shown = origin.length > ORIGIN_SHOWN ? `${origin.slice(0, ORIGIN_SHOWN)}…` : origin;
    const unsaid = said.first(shown.toLowerCase());
    if (unsaid !== null) {
      request.log.warn(
        { origin: shown, hint: hint(allowed), ...(unsaid > 0 ? { origins_not_said: unsaid } : {}) },
        'CORS preflight refused: origin not allowed (said once per origin)',
      );
    }
    return reply.status(403).send({ code: 'FORBIDDEN', message: "This origin may not call Beacon's API: it is not among the origins Beacon allows (CORS)" });
  });
  // Retry-After and ETag are no CORS-safelisted headers: exposed, or a page of another origin could not
  // honour a wait or send a schedule's version back in If-Match.
  await app.register(cors, {
    origin: (origin, callback) => callback(null, isAllowed(origin) ? (origin as string) : false),
    methods: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders: ['retry-after', 'etag'],
    maxAge: 600,
  });
}

/** The origin of a browser's CORS preflight (a browser sends one only for a request to another origin); null for any other request. */
function preflightOrigin(request: FastifyRequest): string | null {
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return null;
  return request.headers.origin ?? null;
}

/** An OPTIONS with an Origin but no Access-Control-Request-Method: no preflight a browser sends. */
function isIncompletePreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers.origin !== undefined && request.headers['access-control-request-method'] === undefined;
}

/** What lets a refused origin in, for the operator reading the log. */
function hint(allowed: readonly string[]): string {
  const setting = 'BEACON_CORS_ORIGINS (config.corsOrigins)';
  if (allowed.length === 0) {
    return `${setting} is not set, so no other origin's pages may call the REST API: list this origin there (scheme://host[:port], as the browser sends it) to let them, and to let them open the socket`;
  }
  return `not in ${setting}, which lists ${allowed.join(', ')}: add it there (scheme://host[:port], as the browser sends it) to let its pages call the REST API and open the socket`;
}

/**
 * Keys said once each, at most `size` remembered (the oldest forgotten first), and at most
 * `perMinute` said a minute: a caller cycling through new origins would otherwise write a line
 * each. The new ones past that are counted, not remembered, and the count goes with the next one said.
 */
export class SaidOnce {
  readonly #said = new Set<string>();
  #windowStart = -Infinity;
  #inWindow = 0;
  #unsaid = 0;

  constructor(
    private readonly size: number,
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  /** Null if `key` is not to be said now; else how many new keys went unsaid before it. */
  first(key: string): number | null {
    if (this.#said.has(key)) return null;
    const now = this.now();
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#inWindow >= this.perMinute) {
      this.#unsaid++;
      return null;
    }
    this.#inWindow++;
    if (this.#said.size >= this.size) this.#said.delete(this.#said.values().next().value as string);
    this.#said.add(key);
    const unsaid = this.#unsaid;
    this.#unsaid = 0;
    return unsaid;
  }
}

export interface CorsOptions {
  /** The clock the line budget runs on. */
  now?: () => number;
  /** Where Beacon's REST API starts (`<prefix>/api/`): only its preflights are Beacon's to refuse. */
  apiPath?: string;
}
