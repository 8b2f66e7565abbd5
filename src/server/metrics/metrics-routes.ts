/**
 * GET /metrics for Prometheus, behind BEACON_METRICS_TOKEN (`Authorization: Bearer …`):
 * without the variable every scrape is refused (404), with a wrong or missing token 401.
 * Also counts and times every HTTP request by its route pattern (never the raw URL, whose
 * ids would make one series per user).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { bearerToken, rateLimit, type App } from '../http-kit.js';
import type { Services } from '../services.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsRoutes(app: App, services: Services): void {
  const { metrics, config } = services;
  const expected = config.metricsToken === null ? null : digest(config.metricsToken);
  if (expected) metrics.collectProcessMetrics();

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true }, config: rateLimit(services, 120, 60_000, 'ip') }, async (request, reply) => {
    if (!expected) throw new AppError('NOT_FOUND', 'Metrics are off: set BEACON_METRICS_TOKEN to enable /metrics');
    const token = bearerToken(request);
    if (token === null || !timingSafeEqual(digest(token), expected)) {
      request.log.warn('metrics scrape refused: missing or wrong token');
      throw new AppError('UNAUTHORIZED', 'A valid metrics bearer token is required');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
