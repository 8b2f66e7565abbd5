/**
 * A user's own logins and password (not in CONTRACT.md; documented in docs/protocol.md):
 * PUT /users/me/password `{current_password, new_password}` ends every other login,
 * GET /users/me/sessions lists the live ones, DELETE /users/me/sessions/:id ends one and
 * DELETE /users/me/sessions every one but this. Standalone mode only (plugin.ts).
 */
import { Type } from 'typebox';
import { ChangePasswordBody, PasswordChanged, SessionInfo, SignedOut } from '../../protocol/index.js';
import { NoContent, authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

export async function ownSessionsRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const tags = ['auth'];
  const security = [{ bearer: [] }];
  const { auth } = services;
  app.addHook('onRequest', requireAuth(services));

  app.put(
    '/users/me/password',
    {
      schema: {
        tags, security, body: ChangePasswordBody,
        description:
          'A new password, the current one entered again (401 INVALID_CREDENTIALS when wrong, 10 per 15 min per login: then 429). Every other login ends; this one stays. Device tokens made before name no known device any more: keep the device_token answered for this device. 401 UNAUTHORIZED if this login ended while the request ran, 409 CONFLICT if another change from it came first: nothing changed.',
        response: { 200: PasswordChanged, ...errorResponses(400, 401, 409, 429) },
      },
      config: rateLimit(services, 10, MINUTE, 'user'),
    },
    async (request) => {
      const caller = authOf(request);
      const { ended, deviceToken } = await auth.changePassword(caller, request.body.current_password, request.body.new_password);
      request.log.info({ userId: caller.userId, sessionsEnded: ended }, 'password changed');
      return { signed_out: ended, device_token: deviceToken };
    },
  );

  app.get(
    '/users/me/sessions',
    {
      schema: { tags, security, description: 'Your live logins, the latest used first.', response: { 200: Type.Array(SessionInfo), ...errorResponses(401, 429) } },
      config: rateLimit(services, 60, MINUTE, 'user'),
    },
    async (request) => {
      const caller = authOf(request);
      return (await auth.sessionsOf(caller)).map((s) => ({
        id: s.id,
        created_at: iso(s.createdAt),
        last_used_at: iso(s.lastUsedAt),
        user_agent: s.userAgent,
        current: s.id === caller.sessionId,
      }));
    },
  );

  app.delete(
    '/users/me/sessions/:id',
    {
      schema: {
        tags, security, params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        description: 'Ends one of your logins: its token is refused and its sockets close with 4000 (yours: a logout). 404 for an id that is no live login of yours.',
        response: { ...NoContent, ...errorResponses(400, 401, 404, 429) },
      },
      // It may end the calling login, like a logout: no interaction first.
      config: { ...rateLimit(services, 30, MINUTE, 'user'), interaction: false },
    },
    async (request, reply) => {
      const caller = authOf(request);
      await auth.endSession(caller, request.params.id);
      request.log.info({ userId: caller.userId, own: request.params.id === caller.sessionId }, 'session ended by its user');
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/me/sessions',
    {
      schema: {
        tags, security, description: 'Ends every login of yours but this one (their sockets close with 4000).',
        response: { 200: SignedOut, ...errorResponses(400, 401, 429) },
      },
      config: rateLimit(services, 10, MINUTE, 'user'),
    },
    async (request) => {
      const caller = authOf(request);
      const ended = await auth.endOtherSessions(caller);
      request.log.info({ userId: caller.userId, sessionsEnded: ended }, 'other sessions ended by their user');
      return { signed_out: ended };
    },
  );
}
