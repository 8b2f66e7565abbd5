/** Inviting a friend to a Pong match over the socket, and accepting (both then start the match). */
import { Type } from 'typebox';
import { Id } from '../../protocol/index.js';
import { authOf, errorResponses, NoContent, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const InviteId = Type.String({ format: 'uuid' });

export async function inviteRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const tags = ['games'];
  const security = [{ bearer: [] }];
  app.addHook('onRequest', requireAuth(services));

  app.post(
    '/users/me/friends/:user_id/invite',
    {
      schema: {
        tags,
        security,
        summary: 'Invite a friend to a Pong match (they get game_invite)',
        params: Type.Object({ user_id: Id }),
        response: { 202: Type.Object({ invite_id: InviteId }), ...errorResponses(400, 401, 404, 429) },
      },
      config: rateLimit(services, 10, 60_000, 'user'),
    },
    async (request, reply) => reply.code(202).send({ invite_id: await services.invites.invite(authOf(request).userId, request.params.user_id) }),
  );

  app.post(
    '/users/me/friends/:user_id/invite/:invite_id/accept',
    {
      schema: {
        tags,
        security,
        summary: 'Accept a friend’s invitation made to you, once, within 10 minutes (they get game_invite_accepted; 404 otherwise)',
        params: Type.Object({ user_id: Id, invite_id: InviteId }),
        response: { ...NoContent, ...errorResponses(400, 401, 404, 429) },
      },
      config: rateLimit(services, 10, 60_000, 'user'),
    },
    async (request, reply) => {
      await services.invites.accept(authOf(request).userId, request.params.user_id, request.params.invite_id);
      return reply.code(204).send(null);
    },
  );
}
