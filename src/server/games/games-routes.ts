/** POST /api/v1/games/events: game servers report matches; authenticated by the service token. */
import { Type } from 'typebox';
import { GameReportBody, HostId } from '../../protocol/integration.js';
import { errorResponses, type App, type RouteOptions } from '../http-kit.js';
import { reportGame } from '../integration/beacon-api.js';
import { requireServiceToken } from '../integration/service-token.js';

export async function gamesRoutes(app: App, { services }: RouteOptions): Promise<void> {
  app.post(
    '/games/events',
    {
      schema: {
        tags: ['games'],
        headers: Type.Object({ 'x-service-token': Type.Optional(Type.String({ maxLength: 512 })) }),
        body: GameReportBody,
        response: { 200: Type.Object({ applied: Type.Array(HostId) }), ...errorResponses(400, 401, 403) },
      },
      onRequest: requireServiceToken(services, 'Game events'),
    },
    async (request) => {
      const body = request.body;
      // The players it applied to, named as the request named them (app.beacon.game's path).
      const applied = await reportGame(services, body, 'body');
      request.log.info({ event: body.event, match: String(body.match_id), players: applied.length }, 'game event');
      return { applied };
    },
  );
}
