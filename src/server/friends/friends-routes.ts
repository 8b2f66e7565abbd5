/** The friends endpoints of CONTRACT.md "Friends". */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Friend, FriendPatchBody, FriendRequest, FriendRequestBody, FriendRequestList, Id } from '../../protocol/index.js';
import { TOO_MANY_CHANGES } from '../budgets.js';
import { AppError } from '../errors.js';
import { NoContent, authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const IdParams = Type.Object({ id: Id });
const UserIdParams = Type.Object({ user_id: Id });
const FriendBody = Type.Object({ friend: Friend });
const MINUTE = 60_000;

/**
 * How often one user may ask the same user, whatever became of the requests (cancelled,
 * declined, pending): each ask reaches the other's screen, so a loop of asking and cancelling
 * could flood one person, past the sender's own per-minute limit. Per pair, counted like the
 * other HTTP limits (in Redis when configured: one budget for every instance).
 */
export const FRIEND_ASKS_PER_PAIR = { max: 5, windowMs: 3_600_000 };

export async function friendsRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const { friends } = services;
  const tags = ['friends'];
  const security = [{ bearer: [] }];
  app.addHook('onRequest', requireAuth(services));
  // Every change of the friend graph (ask, accept, decline or cancel, unfriend): 60 a minute per user, each route its own.
  const perMinute = rateLimit(services, 60, MINUTE, 'user');
  const perPair = askLimit(app, services);

  app.post(
    '/users/me/friends/requests',
    {
      schema: {
        tags,
        security,
        body: FriendRequestBody,
        response: { 200: FriendBody, 201: Type.Object({ request: FriendRequest }), ...errorResponses(400, 401, 404, 409, 429) },
      },
      config: perMinute,
    },
    async (request, reply) => {
      await perPair?.(request);
      const result = await friends.sendRequest(authOf(request).userId, request.body.user_id);
      return reply.status('request' in result ? 201 : 200).send(result);
    },
  );

  app.get(
    '/users/me/friends/requests',
    { schema: { tags, security, response: { 200: FriendRequestList, ...errorResponses(401) } } },
    async (request) => friends.listRequests(authOf(request).userId),
  );

  app.post(
    '/users/me/friends/requests/:id/accept',
    { schema: { tags, security, params: IdParams, response: { 200: FriendBody, ...errorResponses(400, 401, 403, 404, 429) } }, config: perMinute },
    async (request) => ({ friend: await friends.accept(authOf(request).userId, request.params.id) }),
  );

  app.post(
    '/users/me/friends/requests/:id/decline',
    { schema: { tags, security, params: IdParams, response: { ...NoContent, ...errorResponses(400, 401, 404, 429) } }, config: perMinute },
    async (request, reply) => {
      await friends.decline(authOf(request).userId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/users/me/friends',
    { schema: { tags, security, response: { 200: Type.Array(Friend), ...errorResponses(401) } } },
    async (request) => friends.listFriends(authOf(request).userId),
  );

  app.patch(
    '/users/me/friends/:user_id',
    {
      schema: { tags, security, params: UserIdParams, body: FriendPatchBody, response: { 200: FriendBody, ...errorResponses(400, 401, 404, 429) } },
      // A category decides what the friend sees of the user: toggling it flips their view of the
      // user like a status change, so it spends the same budget (budgets.ts).
      preHandler: async (request) => services.budgets.stateChanges?.spend(authOf(request).userId, TOO_MANY_CHANGES),
      // A demoted friend must not see an `online` just before they lose sight of the user: it counts after.
      config: { interaction: 'after' },
    },
    async (request) => ({
      friend: await friends.setCategory(authOf(request).userId, request.params.user_id, request.body.category),
    }),
  );

  app.delete(
    '/users/me/friends/:user_id',
    // The friend removed must not see an `online` just before `friend_removed`: it counts after.
    { schema: { tags, security, params: UserIdParams, response: { ...NoContent, ...errorResponses(400, 401, 404, 429) } }, config: { ...perMinute, interaction: 'after' } },
    async (request, reply) => {
      await friends.remove(authOf(request).userId, request.params.user_id);
      return reply.status(204).send(null);
    },
  );
}

/**
 * FRIEND_ASKS_PER_PAIR through the HTTP limits' store (@fastify/rate-limit): throws 429
 * RATE_LIMITED, with when to try again, past it. Every ask counts, so the answer never depends
 * on what the other user did (a block included). Null when BEACON_RATE_LIMITS=off.
 */
function askLimit(app: App, services: RouteOptions['services']): ((request: FastifyRequest) => Promise<void>) | null {
  if (!services.config.rateLimits) return null;
  const limit = app.createRateLimit({
    max: FRIEND_ASKS_PER_PAIR.max,
    timeWindow: FRIEND_ASKS_PER_PAIR.windowMs,
    keyGenerator: (req) => `ask:${authOf(req).userId}:${(req.body as { user_id: number }).user_id}`,
  });
  return async (request) => {
    const res = await limit(request);
    if (!res.isAllowed && res.isExceeded) {
      throw new AppError('RATE_LIMITED', `You asked this user too often; you may ask them again in ${Math.ceil(res.ttl / 60_000)} min`, { retryAfterMs: res.ttl });
    }
  };
}
