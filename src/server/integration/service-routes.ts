/**
 * Sidecar mode's service API (docs/integration.md, docs/protocol.md "Service API"): the host
 * tells Beacon about its users and friendships, with `X-Service-Token: $BEACON_SERVICE_TOKEN`.
 * Every change reaches connected friends at once, like a friendship made in Beacon.
 */
import { Type } from 'typebox';
import { FriendListBody, HostId, PairCategoriesBody, PairParams, PairsBody, UserParams, UsersUpsertBody } from '../../protocol/integration.js';
import { AppError } from '../errors.js';
import { errorResponses, NoContent, rateLimit, type App, type RouteOptions } from '../http-kit.js';
import { withOptionalBody } from '../validation.js';
import { requireServiceToken } from './service-token.js';

/** Bytes: 5,000 friends with 128-character ids and a category each fit, with room. */
const SERVICE_BODY_LIMIT = 1024 * 1024;
const headers = Type.Object({ 'x-service-token': Type.Optional(Type.String({ maxLength: 512 })) });
const Changed = Type.Object({ changed: Type.Integer() });
/**
 * Host ids and Beacon's ids of the same users, either way (at most 1000 in all). Host ids as the
 * rest of the service API (and a token's `sub`) takes them, integers or strings (answered as strings).
 */
const LookupBody = Type.Object(
  { host_ids: Type.Optional(Type.Array(HostId, { maxItems: 1000 })), user_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 })) },
  { additionalProperties: false },
);
const LookupAnswer = Type.Object({ users: Type.Array(Type.Object({ host_id: Type.String(), user_id: Type.Integer() })) });

export async function serviceRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const store = services.hostFriendships;
  if (!store) throw new Error('the service API needs sidecar mode (BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWKS_URL)');
  const tags = ['service'];
  app.addHook('onRequest', requireServiceToken(services, 'Service calls'));
  // The lists the schemas allow (5,000 friends, 1,000 users or pairs, ids up to 128 characters)
  // are larger than the app's 64 KiB body limit; a caller holds the service token (checked in
  // onRequest, before any body is read).
  const limits = { config: rateLimit(services, 600, 60_000, 'ip'), bodyLimit: SERVICE_BODY_LIMIT };

  app.put(
    '/service/users',
    { schema: { tags, headers, summary: 'Name users (a user named twice: the later name; counted once)', body: UsersUpsertBody, response: { 200: Type.Object({ users: Type.Integer() }), ...errorResponses(400, 401, 403, 413) } }, ...limits },
    async (request) => {
      const { users } = request.body;
      const map = await services.ids.internal(users.map((u) => u.id));
      // Named by the host: a user it deleted before is one Beacon knows again (game events apply).
      await services.ids.seen([...map.values()]);
      const renamed = await services.ids.renameMany(
        users.map((u) => [map.get(String(u.id))!, u.name] as const),
        services.now(),
      );
      services.presence.renamed(renamed);
      return { users: map.size };
    },
  );

  app.post(
    '/service/users/lookup',
    { schema: { tags, headers, body: LookupBody, response: { 200: LookupAnswer, ...errorResponses(400, 401, 403, 413) } }, ...withOptionalBody(limits) },
    async (request) => {
      const { host_ids = [], user_ids = [] } = request.body;
      if (host_ids.length + user_ids.length > 1000) throw new AppError('VALIDATION_ERROR', 'body: at most 1000 ids in all');
      const found = new Map<string, number>(await app.beacon.userIds(host_ids));
      for (const [userId, hostId] of await app.beacon.hostIds(user_ids)) found.set(hostId, userId);
      return { users: [...found].map(([host_id, user_id]) => ({ host_id, user_id })) };
    },
  );

  app.post(
    '/service/users/:id/sign-out',
    { schema: { tags, headers, params: UserParams, response: { 200: Type.Object({ sessions: Type.Integer() }), ...errorResponses(400, 401, 403) } }, ...limits },
    async (request) => ({ sessions: await app.beacon.signOut(request.params.id) }),
  );

  app.post(
    '/service/tokens/sign-out',
    {
      schema: {
        tags,
        headers,
        summary: 'End one login: the site logged this token out (one device); its sockets close with 4000 and Beacon refuses it from then on',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 16_384 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ ended: Type.Boolean() }), ...errorResponses(400, 401, 403, 413) },
      },
      ...limits,
    },
    async (request) => ({ ended: await app.beacon.signOutToken(request.body.token) }),
  );

  app.delete(
    '/service/users/:id',
    { schema: { tags, headers, params: UserParams, response: { ...NoContent, ...errorResponses(400, 401, 403) } }, ...limits },
    async (request, reply) => {
      await app.beacon.deleteUser(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/service/friendships',
    { schema: { tags, headers, summary: 'Make or update pairs (a side named twice, in either direction: the later item wins; a pair counted once)', body: PairsBody, response: { 200: Changed, ...errorResponses(400, 401, 403, 413) } }, ...limits },
    async (request) => {
      if (request.body.pairs.some((p) => String(p.a) === String(p.b))) throw new AppError('VALIDATION_ERROR', 'body.pairs: a user cannot befriend themself');
      return { changed: await store.upsert(request.body.pairs) };
    },
  );

  app.put(
    '/service/friendships/:a/:b',
    { schema: { tags, headers, params: PairParams, body: PairCategoriesBody, response: { 200: Changed, ...errorResponses(400, 401, 403, 413) } }, ...withOptionalBody(limits) },
    async (request) => {
      const { a, b } = request.params;
      if (a === b) throw new AppError('VALIDATION_ERROR', 'a user cannot befriend themself');
      return { changed: await store.upsert([{ a, b, ...request.body }]) };
    },
  );

  app.delete(
    '/service/friendships/:a/:b',
    { schema: { tags, headers, params: PairParams, response: { ...NoContent, ...errorResponses(400, 401, 403) } }, ...limits },
    async (request, reply) => {
      await store.remove([{ a: request.params.a, b: request.params.b }]);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/service/users/:id/friends',
    {
      schema: {
        tags,
        headers,
        summary: 'Replace a user\'s friend list (a friend listed twice: the later item wins; counted once)',
        params: UserParams,
        body: FriendListBody,
        response: { 200: Type.Object({ added: Type.Integer(), removed: Type.Integer() }), ...errorResponses(400, 401, 403, 413) },
      },
      ...limits,
    },
    async (request) => {
      const { id } = request.params;
      if (request.body.friends.some((f) => String(f.id) === id)) throw new AppError('VALIDATION_ERROR', 'body.friends: a user cannot befriend themself');
      return store.replace(id, request.body.friends);
    },
  );
}
