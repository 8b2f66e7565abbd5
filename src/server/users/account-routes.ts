/**
 * Data rights (not in CONTRACT.md; documented in docs/protocol.md):
 * GET /users/me/export returns everything stored about the caller as JSON, and
 * DELETE /users/me `{password}` deletes the account and everything about it.
 */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { DeleteAccountBody } from '../../protocol/index.js';
import { NoContent, authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';

const MINUTE = 60_000;

export async function accountRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const tags = ['users'];
  const security = [{ bearer: [] }];
  app.addHook('onRequest', requireAuth(services));

  app.get(
    '/users/me/export',
    {
      schema: { tags, security, description: 'Everything Beacon stores about you, as JSON.', response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses(401, 429) } },
      config: rateLimit(services, 10, MINUTE, 'user'),
    },
    async (request, reply) => {
      const auth = authOf(request);
      // One of the user's history reads (history-reads.ts): waits for the others, 429 past a few waiting.
      const read = await services.history.reads.begin(auth.userId);
      // Over when the reply is, however it ends: a download aborted early may never start the
      // text (whose own end ends the read), and the client may be gone while the read waited.
      if (reply.raw.destroyed) read.end();
      else reply.raw.once('close', () => read.end());
      let text: AsyncIterable<string>;
      try {
        text = await services.account.export(auth, read);
      } catch (err) {
        read.end();
        throw err;
      }
      // Streamed: the status history goes out a day at a time (account-service.ts).
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', 'attachment; filename="beacon-export.json"')
        .send(Readable.from(text));
    },
  );

  app.delete(
    '/users/me',
    {
      schema: { tags, security, body: DeleteAccountBody, response: { ...NoContent, ...errorResponses(400, 401, 429) } },
      config: { ...rateLimit(services, 5, MINUTE, 'user'), interaction: false },
    },
    async (request, reply) => {
      const auth = authOf(request);
      await services.account.delete(auth, request.body.password);
      request.log.info({ userId: auth.userId }, 'account deleted');
      return reply.status(204).send(null);
    },
  );
}
