/** GET and PATCH /api/v1/users/me (the display name), and the username prefix search. */
import { Type } from 'typebox';
import { ProfilePatchBody, User, UserSearchQuery } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { displayNameFrom } from './display-name.js';
import { authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const SEARCH_LIMIT = 20;
const MINUTE = 60_000;
/**
 * Username searches per user per minute. A search reads at most SEARCH_LIMIT entries of an index
 * of the names (UserRepository.searchQuery, migration 023: well under a millisecond, whatever
 * the number of accounts); it read the whole users table before (~9 ms at 200,000 accounts),
 * when one user searching in a loop slowed every other user's requests a hundredfold. The web
 * app searches once per pause in typing (200 ms): a name found in a few searches.
 */
export const SEARCHES_PER_MINUTE = 60;

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

  // A new display name: friends and the user's other tabs see it live (a rename, docs/protocol.md).
  app.patch(
    '/users/me',
    {
      schema: { tags: ['users'], security: [{ bearer: [] }], body: ProfilePatchBody, response: { 200: User, ...errorResponses(400, 401, 429) } },
      config: rateLimit(services, 10, MINUTE, 'user'),
    },
    async (request) => {
      const { userId } = authOf(request);
      // Trimmed, and something a friend can see: not blank, not only invisible characters (display-name.ts).
      const displayName = displayNameFrom(request.body.display_name);
      const user = await services.users.setDisplayName(userId, displayName);
      if (!user) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
      services.presence.renamed([userId]);
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
        response: { 200: Type.Array(User), ...errorResponses(400, 401, 429) },
      },
      config: rateLimit(services, SEARCHES_PER_MINUTE, MINUTE, 'user'),
    },
    async (request) => services.users.searchByPrefix(request.query.query, SEARCH_LIMIT),
  );
}
