/** GET /api/v1/users/me and the username prefix search. */
import { Type } from 'typebox';
import { User, UserSearchQuery } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { authOf, errorResponses, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const SEARCH_LIMIT = 20;

export async function usersRoutes(app: App, { services }: RouteOptions): Promise<void> {
  app.addHook('onRequest', requireAuth(services));

  app.get(
    '/users/me',
    { schema: { tags: ['users'], security: [{ bearer: [] }], response: { 200: User, ...errorResponses(401) } } },
    async (request) => {
      const user = await services.users.findById(authOf(request).userId);
      if (!user) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
      return user;
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        security: [{ bearer: [] }],
        querystring: UserSearchQuery,
        response: { 200: Type.Array(User), ...errorResponses(400, 401) },
      },
    },
    async (request) => services.users.searchByPrefix(request.query.query, SEARCH_LIMIT),
  );
}
