/**
 * GET /users/me/status/history: your own week × hour pattern and a sentence about it.
 * GET /users/:id/pattern: the sentence alone, for viewers in the user's pattern audience.
 */
import { Type } from 'typebox';
import { HistoryInfo, Id, PatternInfo } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';
import { canSeePattern, tierOf } from '../presence/privacy.js';
import { isTimeZone } from '../presence/schedule.js';
import type { HistoryRead } from './history-reads.js';
import type { Transition } from './history-repository.js';
import { HeatmapBuilder, summarize, type Heatmap } from './patterns.js';

const DAY_MS = 86_400_000;
const MINUTE = 60_000;
/**
 * Reads per minute per user, on each endpoint: a read walks every change of up to 90 days on
 * the event loop every user shares (a day a turn, history-reads.ts), so nobody may ask for it
 * in a loop.
 */
const READS_PER_MINUTE = 30;
/** How far back the pattern others see looks (as the self view by default). */
const PATTERN_DAYS = 28;
const UserParams = Type.Object({ id: Id }, { additionalProperties: false });

const HistoryQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'how many days back (default 28)' })),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone; default: your schedule’s, else UTC' })),
  },
  { additionalProperties: false },
);


export async function historyRoutes(app: App, { services }: RouteOptions): Promise<void> {
  app.addHook('onRequest', requireAuth(services));
  app.get(
    '/users/me/status/history',
    {
      schema: { tags: ['status'], security: [{ bearer: [] }], querystring: HistoryQuery, response: { 200: HistoryInfo, ...errorResponses(400, 401, 429) } },
      config: rateLimit(services, READS_PER_MINUTE, MINUTE, 'user'),
    },
    async (request) => {
      const { userId } = authOf(request);
      const zone = request.query.time_zone ?? (await services.presence.getSchedule(userId)).time_zone;
      if (!isTimeZone(zone)) throw new AppError('VALIDATION_ERROR', `time_zone: "${zone}" is not an IANA time zone`);
      return services.history.reads.read(userId, async (read) => {
        await services.history.recorder.flushSettled();
        const to = services.now();
        const from = to - (request.query.days ?? 28) * DAY_MS;
        const map = await heatmapOf(read, services.history.repo.pages(userId, from, to), from, to, zone);
        return { time_zone: zone, from: new Date(from).toISOString(), to: new Date(to).toISOString(), heatmap: map, summary: summarize(map) };
      });
    },
  );

  app.get(
    '/users/:id/pattern',
    {
      schema: {
        tags: ['status'],
        security: [{ bearer: [] }],
        summary: 'A user’s usual online hours, if they share them with you (pattern_visibility)',
        params: UserParams,
        response: { 200: PatternInfo, ...errorResponses(400, 401, 403, 404, 429) },
      },
      config: rateLimit(services, READS_PER_MINUTE, MINUTE, 'user'),
    },
    async (request) => {
      const viewer = authOf(request);
      const subjectId = request.params.id;
      // Stored settings, not the replica's: deciding takes the same work whether the user is online here or not,
      // and (one statement with the audience before hiding) whether they are hidden or not.
      const stored = await services.users.settingsAndAudienceBeforeHidden(subjectId);
      if (!stored) throw new AppError('NOT_FOUND', 'No such user');
      const { settings, visibilityBeforeHidden: beforeHidden } = stored;
      // The graph every other view asks (the host's friend list in embedded mode), never Beacon's own table, which embedded mode does not keep.
      const category = subjectId === viewer.userId ? null : await services.graph.categoryGiven(subjectId, viewer.userId);
      // A host's deleted user keeps a row only to date the deletion: no such user, as for their status (PresenceService.userStatus).
      if (subjectId !== viewer.userId && category === null && (await services.users.deletedAmong([subjectId])).size > 0) throw new AppError('NOT_FOUND', 'No such user');
      if (!canSeePattern(settings, tierOf({ id: viewer.userId, role: viewer.role }, subjectId, category), beforeHidden)) {
        throw new AppError('FORBIDDEN', 'This user does not share their usual hours with you');
      }
      // The time zone as the database holds it (saved there before any replica applies it), not
      // from the replica: loading one for a user not held here would time a hidden user's presence.
      const zone = (await services.presence.readSchedule(subjectId)).schedule.time_zone;
      // The viewer reads (and is charged the rows walked), as for their own history.
      return services.history.reads.read(viewer.userId, async (read) => {
        await services.history.recorder.flushSettled();
        const to = services.now();
        const from = to - PATTERN_DAYS * DAY_MS;
        const map = await heatmapOf(read, services.history.repo.pages(subjectId, from, to), from, to, zone);
        return { user_id: subjectId, summary: summarize(map), time_zone: zone };
      });
    },
  );
}

/** The heatmap of [from, to) from a window's pages, a page per turn of the read. */
async function heatmapOf(read: HistoryRead, pages: AsyncIterable<Transition[]>, from: number, to: number, zone: string): Promise<Heatmap> {
  const builder = new HeatmapBuilder(from, to, zone);
  await read.forEach(pages, (page) => {
    for (const p of page) builder.add(p);
  });
  return builder.finish();
}
