/** POST /api/v1/games/events: game servers report matches; authenticated by the service token. */
import { timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import { GameEventBody, Id } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { errorResponses, type App, type RouteOptions } from '../http-kit.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function gamesRoutes(app: App, { services }: RouteOptions): Promise<void> {
  app.post(
    '/games/events',
    {
      schema: {
        tags: ['games'],
        headers: Type.Object({ 'x-service-token': Type.Optional(Type.String({ maxLength: 512 })) }),
        body: GameEventBody,
        response: { 200: Type.Object({ applied: Type.Array(Id) }), ...errorResponses(400, 401, 403) },
      },
      onRequest: async (request) => {
        const expected = services.config.serviceToken;
        if (!expected) throw new AppError('FORBIDDEN', 'Game events are disabled: BEACON_SERVICE_TOKEN is not set');
        const given = request.headers['x-service-token'];
        if (typeof given !== 'string' || !sameSecret(given, expected)) {
          throw new AppError('UNAUTHORIZED', 'Missing or wrong X-Service-Token');
        }
      },
    },
    async (request) => {
      const applied = await services.presence.gameEvent(request.body);
      request.log.info({ event: request.body.event, match: String(request.body.match_id), players: applied.length }, 'game event');
      return { applied };
    },
  );
}
