/** POST /api/v1/auth/register, /login, /logout. */
import { AuthResponse, LoginBody, RegisterBody } from '../../protocol/index.js';
import { NoContent, authOf, errorResponses, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';
import { LoginFailed } from './auth-service.js';

const MAX_DEVICE_TOKEN = 128;
const MINUTE = 60_000;

export async function authRoutes(app: App, { services }: RouteOptions): Promise<void> {
  app.post(
    '/auth/register',
    {
      schema: { tags: ['auth'], body: RegisterBody, response: { 201: AuthResponse, ...errorResponses(400, 409, 429) } },
      config: rateLimit(services, 10, MINUTE, 'ip'),
    },
    async (request, reply) => {
      const { username, password, display_name } = request.body;
      const result = await services.auth.register({
        username,
        password,
        ...(display_name !== undefined ? { displayName: display_name } : {}),
        userAgent: request.headers['user-agent'] ?? null,
      });
      request.log.info({ userId: result.user.id }, 'user registered');
      return reply.status(201).send(result);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: { tags: ['auth'], body: LoginBody, response: { 200: AuthResponse, ...errorResponses(400, 401, 429) } },
      config: rateLimit(services, 10, MINUTE, 'ip'),
    },
    async (request) => {
      const { username, password, device_token } = request.body;
      // A device token is at most 128 characters: anything else is an unknown device (docs/protocol.md).
      const deviceToken = typeof device_token === 'string' && device_token.length <= MAX_DEVICE_TOKEN ? device_token : undefined;
      const result = await services.auth
        .login({
          username,
          password,
          ...(deviceToken !== undefined ? { deviceToken } : {}),
          userAgent: request.headers['user-agent'] ?? null,
        })
        .catch((err: unknown) => {
          if (err instanceof LoginFailed) request.log.info({ userId: err.userId, reason: err.reason }, 'login failed');
          throw err;
        });
      request.log.info({ userId: result.user.id }, 'user logged in');
      return result;
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest: requireAuth(services),
      config: { interaction: false },
      schema: { tags: ['auth'], security: [{ bearer: [] }], response: { ...NoContent, ...errorResponses(401) } },
    },
    async (request, reply) => {
      const auth = authOf(request);
      await services.auth.logout(auth);
      request.log.info({ userId: auth.userId }, 'user logged out');
      return reply.status(204).send(null);
    },
  );
}
