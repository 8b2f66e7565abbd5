/**
 * Small shared pieces for routes: authentication, rate-limit settings and the typed
 * Fastify instance. Declared once so every domain's routes look the same.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuthContext } from './auth/auth-service.js';
import { Type } from 'typebox';
import { ErrorBody } from '../protocol/index.js';
import { addressKey } from './client-address.js';
import { AppError } from './errors.js';
import type { Services } from './services.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth`; null on public routes. */
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /**
     * Whether a request of this route counts as its user's interaction, and when
     * (default: every request that is not a read, applied before the handler:
     * `countsAsInteraction`). `'after'` where an `online` shown first would be replaced at once
     * by the route's change: it may make the user busy or away (a schedule, a calendar feed) or
     * hide them from someone (settings, a category, unfriending, blocking). The interaction is
     * then applied once the change succeeded, before the answer (`countsAfterItsChange`), so
     * friends see the change, then the user back. `false` where there is none to count: the
     * change carries it itself (a status, an activity) or ends the login.
     */
    interaction?: boolean | 'after';
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Options every domain's routes plugin receives. */
export interface RouteOptions {
  services: Services;
}

/** The bearer token of a request, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** onRequest hook: rejects the request unless it carries a live token; sets `request.auth`. */
export function requireAuth(services: Services) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request);
    if (!token) throw new AppError('UNAUTHORIZED', 'Missing bearer token');
    const auth = await services.auth.authenticate(token);
    if (!auth) throw new AppError('UNAUTHORIZED', 'Invalid, expired or revoked token');
    request.auth = auth;
  };
}

/**
 * Whether a request counts as its user's interaction (plugin.ts applies it before the handler, so
 * what the request then changes is shown after it: an auto-away user who unhides or accepts a
 * friend shows up `online`, not `away` first). Only what the person did counts: reads (background
 * refreshes, badges, polling) never do, however often they run, so they cannot keep an absent user
 * online. Routes whose change would be preceded by a false `online` opt out (`config.interaction`).
 */
export function countsAsInteraction(request: FastifyRequest): request is FastifyRequest & { auth: AuthContext } {
  if (request.auth === null || READS.has(request.method)) return false;
  const when = request.routeOptions.config.interaction;
  return when === undefined || when === true;
}

/**
 * Whether a request of a route whose interaction comes after its change (`interaction: 'after'`)
 * counts now, as it is answered: only a change that was made (an answer below 400). CONTRACT: a
 * request that changes state on the user's behalf is interaction, and brings an auto-away user
 * back; applied after the change, nobody sees an `online` the change then replaces.
 */
export function countsAfterItsChange(request: FastifyRequest, reply: FastifyReply): request is FastifyRequest & { auth: AuthContext } {
  if (request.auth === null || READS.has(request.method)) return false;
  return request.routeOptions.config.interaction === 'after' && reply.statusCode < 400;
}

/** The auth context of a route behind `requireAuth`. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError('UNAUTHORIZED', 'Not authenticated');
  return request.auth;
}

/**
 * Route config for @fastify/rate-limit: `max` calls per `windowMs`, keyed by client IP
 * or by user. Nothing when BEACON_RATE_LIMITS=off.
 */
export function rateLimit(services: Services, max: number, windowMs: number, by: 'ip' | 'user'): { rateLimit?: RateLimitOptions } {
  if (!services.config.rateLimits) return {};
  return {
    rateLimit: {
      max,
      timeWindow: windowMs,
      keyGenerator: (req: FastifyRequest) => (by === 'user' && req.auth ? `u:${req.auth.userId}` : `ip:${addressKey(req.ip)}`),
    },
  };
}

/** OpenAPI responses for the given error statuses, all `{code, message}`. */
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]));

/** An empty 204 response, for OpenAPI and the reply's typing. */
export const NoContent = { 204: Type.Null({ description: 'No content' }) };
