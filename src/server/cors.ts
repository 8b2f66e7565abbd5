/**
 * CORS on Beacon's routes: the pages of the origins in BEACON_CORS_ORIGINS (config.corsOrigins)
 * may call the REST API from their own origin. A browser hides a refused CORS check from the page
 * (it sees a network error, as if Beacon were down), so the refusal is made plain on both sides
 * it can be seen from: a preflight from any other origin is answered 403 `{code, message}` (the
 * browser's network panel shows it) and logged at warn, with the setting that would let the
 * origin in, once per origin and a bounded number of lines a minute (refused-origins.ts). An
 * OPTIONS from an allowed origin without Access-Control-Request-Method is answered 400
 * `{code, message}` (as every 4xx).
 *
 * Beacon's own hook, not @fastify/cors: a host site embedding Beacon may have registered that for
 * its own routes, and it cannot be registered twice. Each policy holds on its own routes: Beacon's
 * routes say `config.cors: false`, which a host's @fastify/cors skips, and Beacon's hook lives in
 * Beacon's encapsulated context, which the host's routes never run.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { RefusedOrigins } from './refused-origins.js';

/** What an allowed origin's preflight is told it may send. */
const METHODS = 'GET, PUT, POST, PATCH, DELETE';
/** Retry-After and ETag are no CORS-safelisted headers: exposed, or a page of another origin could not
 * honour a wait or send a schedule's version back in If-Match. */
const EXPOSED = 'retry-after, etag';
/** How long (seconds) a browser may keep a preflight's answer. */
const MAX_AGE = '600';

/**
 * Registers CORS in `app` (Beacon's encapsulated context), for the routes registered in it after
 * this: `allowed` origins (lower-cased, as config.ts gives them) get the CORS headers and their
 * preflights answered; any other origin gets none, and its preflight to the API is refused.
 */
export async function beaconCors(app: FastifyInstance, allowed: readonly string[], opts: CorsOptions = {}): Promise<void> {
  const listed = new Set(allowed);
  const isAllowed = (origin: string | undefined): origin is string => origin !== undefined && listed.has(origin.toLowerCase());
  const said = new RefusedOrigins(opts.now ?? Date.now);
  const apiPath = opts.apiPath ?? '/api/';
  app.addHook('onRoute', preflightRoutes(app));
  // A preflight to an API path with no route is Beacon's too (answered, or refused 403, as any
  // under the API): embedded at the root, no 404 handler of Beacon's would see it (review 196).
  app.route({ method: 'OPTIONS', url: `${apiPath.slice(app.prefix.length)}*`, schema: { hide: true }, handler: async (_request, reply) => reply.callNotFound() });
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    // The answer depends on the Origin (a cache must not give one origin's to another).
    vary(reply, 'Origin');
    if (isAllowed(origin)) return answer(request, reply, origin);
    const refused = preflightOrigin(request);
    // Only Beacon's REST API: embedded at the root, the host's own paths' preflights stay as they were.
    if (refused === null || !request.url.startsWith(apiPath)) return;
    const line = said.line(refused, request.ip);
    if (line) request.log.warn({ ...line, hint: hint(allowed) }, 'CORS preflight refused: origin not allowed (said once per origin)');
    return reply.status(403).send({ code: 'FORBIDDEN', message: "This origin may not call Beacon's API: it is not among the origins Beacon allows (CORS)" });
  });
}

/** An allowed origin's request: its CORS headers; a preflight is answered here (204), before any auth. */
async function answer(request: FastifyRequest, reply: FastifyReply, origin: string): Promise<FastifyReply | undefined> {
  const preflight = request.method === 'OPTIONS';
  if (preflight && request.headers['access-control-request-method'] === undefined) {
    return reply.status(400).send({ code: 'VALIDATION_ERROR', message: 'A CORS preflight (OPTIONS with Origin) must name the method it asks for in Access-Control-Request-Method' });
  }
  reply.header('Access-Control-Allow-Origin', origin).header('Access-Control-Expose-Headers', EXPOSED);
  if (!preflight) return undefined;
  reply.header('Access-Control-Allow-Methods', METHODS);
  // Any header the page asks for (Authorization, Content-Type, If-Match): the answer depends on the ask.
  vary(reply, 'Access-Control-Request-Headers');
  const headers = request.headers['access-control-request-headers'];
  if (headers !== undefined) reply.header('Access-Control-Allow-Headers', headers);
  // Content-Length 0: Safari waits for a body on a 204 without it.
  return reply.header('Access-Control-Max-Age', MAX_AGE).status(204).header('Content-Length', '0').send();
}

/**
 * An onRoute hook: each of Beacon's routes says `cors: false` (a host's @fastify/cors, whose hook
 * every route of the app runs, leaves it to Beacon), and gets an OPTIONS route, in `app` (none of
 * the hooks of the route's own context, such as its auth, run for a preflight), so a preflight to
 * it reaches Beacon's hook above rather than a host's catch-all.
 */
function preflightRoutes(app: FastifyInstance): (route: RouteOptions) => void {
  const routed = new Set<string>();
  return (route) => {
    route.config = { ...route.config, cors: false } as typeof route.config;
    const methods = [route.method].flat();
    if (methods.includes('OPTIONS') || methods.every((m) => m === 'HEAD') || routed.has(route.url)) return;
    routed.add(route.url);
    // `app` adds its own prefix again.
    app.route({ method: 'OPTIONS', url: route.url.slice(app.prefix.length), schema: { hide: true }, handler: async (_request, reply) => reply.callNotFound() });
  };
}

/** Adds `name` to the reply's Vary header, once. */
function vary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  const names = current === undefined ? [] : String(current).split(',').map((v) => v.trim());
  if (names.includes('*') || names.some((v) => v.toLowerCase() === name.toLowerCase())) return;
  reply.header('Vary', [...names.filter((v) => v !== ''), name].join(', '));
}

/** The origin of a browser's CORS preflight (a browser sends one only for a request to another origin); null for any other request. */
function preflightOrigin(request: FastifyRequest): string | null {
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return null;
  return request.headers.origin ?? null;
}

/** What lets a refused origin in, for the operator reading the log. */
function hint(allowed: readonly string[]): string {
  const setting = 'BEACON_CORS_ORIGINS (config.corsOrigins)';
  if (allowed.length === 0) {
    return `${setting} is not set, so no other origin's pages may call the REST API: list this origin there (scheme://host[:port], as the browser sends it) to let them, and to let them open the socket`;
  }
  return `not in ${setting}, which lists ${allowed.join(', ')}: add it there (scheme://host[:port], as the browser sends it) to let its pages call the REST API and open the socket`;
}

export interface CorsOptions {
  /** The clock the line budget runs on. */
  now?: () => number;
  /** Where Beacon's REST API starts (`<prefix>/api/`): only its preflights are Beacon's to refuse. */
  apiPath?: string;
}
