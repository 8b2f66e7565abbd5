/** The status endpoints of CONTRACT.md "Status". Every view goes through the privacy projection. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { ActivityBody, FriendsStatusQuery, Id, MAX_CHANGE_BYTES, MAX_FRAME_BYTES, MAX_ID, MAX_STATUS_BATCH, ScheduleBody, SetStatusBody, Settings, SettingsPatch, UsersStatusQuery, View } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { friendPollCost, TOO_MANY_CHANGES } from '../budgets.js';
import { etagOf, ifMatchVersions, VersionMovedOn } from '../etags.js';
import { authOf, errorResponses, NoContent, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const MINUTE = 60_000;
/** Interaction reports per user per minute: a client sends one per input burst at most every few seconds. */
const INTERACTIONS_PER_MINUTE = 120;

export async function statusRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const { presence } = services;
  const tags = ['status'];
  const security = [{ bearer: [] }];
  // One budget for state changes over REST and the WebSocket (budgets.ts).
  const limited = {
    preHandler: async (request: FastifyRequest) => services.budgets.stateChanges?.spend(authOf(request).userId, TOO_MANY_CHANGES),
  };
  // Bodies of status and settings changes are small (MAX_CHANGE_BYTES says how small): a larger one is refused
  // unread, or junk of 64 KiB would be parsed and validated at no cost to its sender.
  const small = { bodyLimit: MAX_CHANGE_BYTES };
  app.addHook('onRequest', requireAuth(services));

  app.get(
    '/users/me/friends/status',
    { schema: { tags, security, querystring: FriendsStatusQuery, response: { 200: Type.Array(View), ...errorResponses(400, 401, 429) } } },
    async (request) => {
      const auth = authOf(request);
      // Priced by the list's length (a user whose friends are not loaded yet pays for one read of a short list, once).
      const cost = friendPollCost(presence.graph.friendIds(auth.userId).length);
      services.budgets.friendPolls?.spend(auth.userId, 'Too many reads of your friends\' statuses; slow down', cost);
      // `?reconnect=1` is still accepted, and changes nothing now: no poll counts as interaction.
      await presence.polled(auth);
      return presence.friendsStatus(auth, request.query.online === true);
    },
  );

  app.put(
    '/users/me/status',
    // The status carries the interaction in the same change (no `online` before `busy`).
    { schema: { tags, security, body: SetStatusBody, response: { 200: View, ...errorResponses(400, 401, 413, 429) } }, ...limited, ...small, config: { interaction: false } },
    async (request) => presence.setStatus(authOf(request).userId, request.body),
  );

  app.post(
    '/users/me/activity',
    // Details written with `\uXXXX` escapes (Python's json.dumps) may take up to ~13 KiB: as much as a socket frame may.
    { schema: { tags, security, body: ActivityBody, response: { 200: View, ...errorResponses(400, 401, 409, 413, 429) } }, ...limited, bodyLimit: MAX_FRAME_BYTES, config: { interaction: false } },
    async (request) => {
      const auth = authOf(request);
      const { activity, details, session_id: socket } = request.body;
      return presence.setActivity(auth.userId, activity, details, { login: auth.sessionId, ...(socket === undefined ? {} : { socket }) });
    },
  );

  // A client without a socket reports its person's input here (the socket has the `interaction`
  // frame). Like every state-changing request it counts as activity (http-kit countsAsInteraction).
  app.post(
    '/users/me/interaction',
    {
      schema: { tags, security, summary: 'Report user input (socket-less clients)', response: { ...NoContent, ...errorResponses(401, 429) } },
      config: rateLimit(services, INTERACTIONS_PER_MINUTE, MINUTE, 'user'),
    },
    async (_request, reply) => reply.code(204).send(null),
  );

  const TOO_MANY_READS = 'Too many status reads; slow down';
  /** One user's view as the caller may see it: the one path of every status read (yours by `me` or by your id, or among several). */
  const statusOf = async (request: FastifyRequest, id: number) => {
    const viewer = authOf(request);
    if (id !== viewer.userId) services.budgets.statusReads?.spend(viewer.userId, TOO_MANY_READS);
    // The database says whether the user exists (PresenceService.userStatus), with the same work
    // whether they are online or not when the caller may not see their status.
    return presence.userStatus(viewer, id);
  };

  app.get(
    '/users/:id/status',
    { schema: { tags, security, params: Type.Object({ id: Id }), response: { 200: View, ...errorResponses(400, 401, 404, 429) } } },
    async (request) => statusOf(request, request.params.id),
  );

  // Several users' views in one request (the drop-in <beacon-status> of a page showing many
  // people who are not the viewer's friends reads them so): each exactly as GET /users/:id/status
  // answers it, in the order asked, a user that does not exist left out (where that read answers
  // 404). Each other user costs one unit of the same budget, spent before anything is read, so a
  // batch reads no more than single reads would; hence at most MAX_STATUS_BATCH (its burst).
  app.get(
    '/users/status',
    {
      schema: {
        tags,
        security,
        summary: `Several users' statuses as you may see them (up to ${MAX_STATUS_BATCH}); users that do not exist are left out`,
        querystring: UsersStatusQuery,
        response: { 200: Type.Array(View), ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const viewer = authOf(request);
      const ids = [...new Set(request.query.ids.split(',').map(Number))];
      if (ids.length > MAX_STATUS_BATCH) throw new AppError('VALIDATION_ERROR', `At most ${MAX_STATUS_BATCH} users at once`);
      if (ids.some((id) => id > MAX_ID)) throw new AppError('VALIDATION_ERROR', 'No such user id');
      const others = ids.filter((id) => id !== viewer.userId).length;
      if (others > 0) services.budgets.statusReads?.spend(viewer.userId, TOO_MANY_READS, others);
      const views = await Promise.all(
        ids.map((id) => presence.userStatus(viewer, id).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
          throw err;
        })),
      );
      return views.filter((v) => v !== null);
    },
  );

  // Your own full view, as `GET /users/<your id>/status` answers it (what `PUT /users/me/status` sets).
  app.get(
    '/users/me/status',
    { schema: { tags, security, summary: 'Your own full view (as GET /users/<your id>/status)', response: { 200: View, ...errorResponses(401, 404) } } },
    async (request) => statusOf(request, authOf(request).userId),
  );

  // The schedule's version in the database travels as its ETag; a PUT with If-Match saves only
  // over that version (optimistic concurrency: a rule saved on another device meanwhile is not
  // lost, the PUT is refused with 412, answered with the stored version's ETag). Without
  // If-Match a PUT replaces whatever is stored.
  const versionHeaders = { etag: Type.String({ description: 'The schedule\'s version: send it as If-Match to save only over it' }) };
  app.get(
    '/users/me/status/schedule',
    {
      schema: {
        tags,
        security,
        summary: 'Your status schedule (ETag: its version)',
        response: { 200: { ...ScheduleBody, headers: versionHeaders }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { schedule, version } = await presence.readSchedule(authOf(request).userId);
      void reply.header('etag', etagOf(version));
      return schedule;
    },
  );

  app.put(
    '/users/me/status/schedule',
    {
      schema: {
        tags,
        security,
        summary: 'Replace your status schedule (no rules removes the rules, the time zone stays); with If-Match, only over that version',
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag of the schedule read: 412 PRECONDITION_FAILED, nothing saved, when it changed since' })) }),
        body: ScheduleBody,
        response: {
          200: { ...ScheduleBody, headers: versionHeaders },
          ...errorResponses(400, 401, 404, 412, 429),
          412: { ...errorResponses(412)[412], headers: { etag: Type.String({ description: 'The version stored now (the ETag GET answers): nothing was saved' }) } },
        },
      },
      ...limited,
      // A rule may make the user busy or away at once: no `online` just before it (it counts after).
      config: { interaction: 'after' },
    },
    async (request, reply) => {
      const { userId } = authOf(request);
      const saved = await presence.setSchedule(userId, request.body, ifMatchVersions(request.headers['if-match'])).catch((err: unknown) => {
        // The client that lost the race learns the stored version with its 412, as GET gives it.
        if (err instanceof VersionMovedOn) void reply.header('etag', etagOf(err.stored));
        throw err;
      });
      // The calendar's messages tell the end of a meeting in the schedule's zone: worded again.
      if (saved.schedule.time_zone !== saved.previousZone) void services.calendar.reword(userId);
      void reply.header('etag', etagOf(saved.version));
      return saved.schedule;
    },
  );

  app.get(
    '/users/me/status/settings',
    { schema: { tags, security, response: { 200: Settings, ...errorResponses(401) } } },
    async (request) => presence.getSettings(authOf(request).userId),
  );

  app.put(
    '/users/me/status/settings',
    {
      schema: { tags, security, body: SettingsPatch, response: { 200: Settings, ...errorResponses(400, 401, 413, 429) } },
      ...limited,
      ...small,
      // Settings narrow or hide what friends see: no `online` just before it; it counts after (http-kit countsAfterItsChange).
      config: { interaction: 'after' },
    },
    async (request) => {
      const auth = authOf(request);
      // Un-hiding shows the user to friends: as the interaction made them (an auto-away user
      // appears `online`, never `away` first), as POST /users/me/status/unhide does.
      const shown = request.body.status_visibility;
      if (shown !== undefined && shown !== 'hidden' && (await presence.getSettings(auth.userId)).status_visibility === 'hidden') await services.onApiCall?.(auth);
      return presence.updateSettings(auth.userId, request.body);
    },
  );

  app.post(
    '/users/me/status/unhide',
    {
      schema: {
        tags,
        security,
        summary: 'Stop appearing offline: status_visibility goes back to what it was when you hid (close_friends if unknown)',
        response: { 200: Settings, ...errorResponses(401, 429) },
      },
      ...limited,
    },
    async (request) => presence.unhide(authOf(request).userId),
  );
}
