/**
 * GET /metrics for Prometheus, behind BEACON_METRICS_TOKEN (`Authorization: Bearer …`):
 * without the variable every scrape is refused (404), with a wrong or missing token 401.
 * Also counts and times every HTTP request by its route pattern (never the raw URL, whose
 * ids would make one series per user): Beacon's own routes when a host mounts the plugin, and
 * every request, the web app, /docs and 404s (`unmatched`) included, when Beacon is the server
 * (app.ts counts at its root and marks it with COUNTS_EVERY_REQUEST).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { bearerToken, rateLimit, type App } from '../http-kit.js';
import type { Metrics } from './metrics.js';
import type { Services } from '../services.js';

/** Decorated on an app that counts every request at its root: the plugin then counts none itself. */
export const COUNTS_EVERY_REQUEST = 'beaconCountsEveryRequest';

/** Counts and times each response of `app` (and of what it registers after this call). */
export function countHttpRequests(app: { addHook: App['addHook'] }, metrics: () => Metrics): void {
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics().httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsRoutes(app: App, services: Services): void {
  const { metrics, config } = services;
  const expected = config.metricsToken === null ? null : digest(config.metricsToken);
  const off = `Metrics are off: set ${services.settingName('BEACON_METRICS_TOKEN')} to enable /metrics`;
  if (expected) metrics.collectProcessMetrics();

  if (!app.hasDecorator(COUNTS_EVERY_REQUEST)) countHttpRequests(app, () => metrics);

  const authorized = (request: FastifyRequest) => {
    const token = bearerToken(request);
    return expected !== null && token !== null && timingSafeEqual(digest(token), expected);
  };
  // A scrape with the token is never limited: one Prometheus (or an HA pair) scrapes every
  // instance, and the limit is shared by all of them through Redis. Guesses of the token are.
  const limit = rateLimit(services, 120, 60_000, 'ip');
  const limited: { rateLimit?: RateLimitOptions } = limit.rateLimit ? { rateLimit: { ...limit.rateLimit, allowList: authorized } } : {};
  app.get('/metrics', { schema: { hide: true }, config: limited }, async (request, reply) => {
    if (!expected) throw new AppError('NOT_FOUND', off);
    if (!authorized(request)) {
      request.log.warn('metrics scrape refused: missing or wrong token');
      throw new AppError('UNAUTHORIZED', 'A valid metrics bearer token is required');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
