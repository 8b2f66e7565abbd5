/** GET /users/me/status/history: your own week × hour pattern and a sentence about it. */
import { Type } from 'typebox';
import { HistoryInfo } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { authOf, errorResponses, requireAuth, type App, type RouteOptions } from '../http-kit.js';
import { isTimeZone } from '../presence/schedule.js';
import { heatmap, summarize } from './patterns.js';

const DAY_MS = 86_400_000;

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
    { schema: { tags: ['status'], security: [{ bearer: [] }], querystring: HistoryQuery, response: { 200: HistoryInfo, ...errorResponses(400, 401) } } },
    async (request) => {
      const { userId } = authOf(request);
      const zone = request.query.time_zone ?? (await services.presence.getSchedule(userId)).time_zone;
      if (!isTimeZone(zone)) throw new AppError('VALIDATION_ERROR', `time_zone: "${zone}" is not an IANA time zone`);
      await services.history.recorder.flush();
      const to = services.now();
      const from = to - (request.query.days ?? 28) * DAY_MS;
      const points = await services.history.repo.range(userId, from, to);
      const map = heatmap(points, from, to, zone);
      return { time_zone: zone, from: new Date(from).toISOString(), to: new Date(to).toISOString(), heatmap: map, summary: summarize(map) };
    },
  );
}
