/**
 * Blocking (not in CONTRACT.md; documented in docs/protocol.md): a blocked user cannot send
 * requests, sees the blocker as a stranger, and blocking unfriends.
 */
import { Type } from 'typebox';
import { BlockBody, BlockedUser, Id } from '../../protocol/index.js';
import { NoContent, authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const MINUTE = 60_000;

export async function blocksRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const { friends } = services;
  const tags = ['friends'];
  const security = [{ bearer: [] }];
  app.addHook('onRequest', requireAuth(services));

  app.get(
    '/users/me/blocks',
    { schema: { tags, security, response: { 200: Type.Array(BlockedUser), ...errorResponses(401) } } },
    async (request) => friends.listBlocked(authOf(request).userId),
  );

  app.post(
    '/users/me/blocks',
    {
      schema: { tags, security, body: BlockBody, response: { ...NoContent, ...errorResponses(400, 401, 404, 429) } },
      // The person blocked must not see an `online` just before `friend_removed`: it counts after.
      config: { ...rateLimit(services, 60, MINUTE, 'user'), interaction: 'after' },
    },
    async (request, reply) => {
      await friends.block(authOf(request).userId, request.body.user_id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/me/blocks/:user_id',
    {
      schema: { tags, security, params: Type.Object({ user_id: Id }), response: { ...NoContent, ...errorResponses(400, 401, 404, 429) } },
      config: rateLimit(services, 60, MINUTE, 'user'),
    },
    async (request, reply) => {
      await friends.unblock(authOf(request).userId, request.params.user_id);
      return reply.status(204).send(null);
    },
  );
}
