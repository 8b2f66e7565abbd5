/** GET/PUT/DELETE /users/me/calendar: your private calendar feed (busy during events). */
import { Type } from 'typebox';
import { CalendarInfo } from '../../protocol/index.js';
import { authOf, errorResponses, NoContent, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const CalendarBody = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2048, description: 'https (or webcal) address of an iCalendar feed' }),
    share_titles: Type.Optional(Type.Boolean({ description: 'show event titles as your message (default: "In a meeting")' })),
  },
  { additionalProperties: false },
);


export async function calendarRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const tags = ['status'];
  const security = [{ bearer: [] }];
  app.addHook('onRequest', requireAuth(services));

  app.get('/users/me/calendar', { schema: { tags, security, response: { 200: CalendarInfo, ...errorResponses(401) } } }, async (request) =>
    services.calendar.get(authOf(request).userId),
  );

  app.put(
    '/users/me/calendar',
    {
      schema: { tags, security, summary: 'Set your calendar feed (read at once; refused if it cannot be read)', body: CalendarBody, response: { 200: CalendarInfo, ...errorResponses(400, 401, 429) } },
      // The feed may make the user busy at once: no `online` just before it (it counts after).
      config: { ...rateLimit(services, 10, 60_000, 'user'), interaction: 'after' },
    },
    async (request) => services.calendar.set(authOf(request).userId, request.body.url, request.body.share_titles ?? false),
  );

  app.delete('/users/me/calendar', { schema: { tags, security, response: { ...NoContent, ...errorResponses(401) } } }, async (request, reply) => {
    await services.calendar.remove(authOf(request).userId);
    return reply.code(204).send(null);
  });
}
