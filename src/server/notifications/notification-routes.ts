/**
 * Web Push and watch routes: the VAPID public key, this browser's push subscription,
 * "tell me when X comes online" per friend, and the notification period.
 */
import { ECDH } from 'node:crypto';
import { Type } from 'typebox';
import {
  Id,
  NotificationSettings,
  NotificationSettingsPatch,
  PushSubscriptionBody,
  PushUnsubscribeBody,
  VapidKeyInfo,
  Watch,
} from '../../protocol/index.js';
import { AppError } from '../errors.js';
import { authOf, errorResponses, NoContent, rateLimit, requireAuth, type App, type RouteOptions } from '../http-kit.js';
import { parsePushEndpoint, PushEndpointError } from './push-endpoint.js';

const FriendParams = Type.Object({ user_id: Id }, { additionalProperties: false });

export async function notificationRoutes(app: App, { services }: RouteOptions): Promise<void> {
  const tags = ['notifications'];
  const security = [{ bearer: [] }];
  const { repo } = services.notifications;
  const limited = rateLimit(services, 30, 60_000, 'user');
  app.addHook('onRequest', requireAuth(services));

  app.get('/push/vapid-public-key', { schema: { tags, security, summary: 'The key browsers subscribe with (applicationServerKey)', response: { 200: VapidKeyInfo, ...errorResponses(401) } } }, async () => ({
    public_key: services.notifications.vapidPublicKey,
  }));

  app.put(
    '/users/me/push-subscription',
    { schema: { tags, security, summary: 'Save this browser’s push subscription', body: PushSubscriptionBody, response: { ...NoContent, ...errorResponses(400, 401, 429) } }, config: limited },
    async (request, reply) => {
      const sub = checkSubscription(request.body, services.config.pushAllowLocal);
      const caller = authOf(request);
      await repo.saveSubscription(caller.userId, sub, services.now(), caller.sessionId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/me/push-subscription',
    { schema: { tags, security, summary: 'Stop pushes to this browser', body: PushUnsubscribeBody, response: { ...NoContent, ...errorResponses(400, 401, 404, 429) } }, config: limited },
    async (request, reply) => {
      if (!(await repo.deleteSubscription(authOf(request).userId, endpointSpellings(request.body.endpoint)))) throw new AppError('NOT_FOUND', 'No such push subscription');
      return reply.code(204).send(null);
    },
  );

  app.get('/users/me/notifications/settings', { schema: { tags, security, response: { 200: NotificationSettings, ...errorResponses(401) } } }, async (request) =>
    settingsOf(authOf(request).userId),
  );

  app.put(
    '/users/me/notifications/settings',
    { schema: { tags, security, body: NotificationSettingsPatch, response: { 200: NotificationSettings, ...errorResponses(400, 401, 429) } }, config: limited },
    async (request) => {
      const { userId } = authOf(request);
      await repo.setPeriodMinutes(userId, request.body.period_minutes);
      return settingsOf(userId);
    },
  );

  app.get('/users/me/notifications/watches', { schema: { tags, security, summary: 'Friends you are told about when they come online', response: { 200: Type.Array(Watch), ...errorResponses(401) } } }, async (request) =>
    repo.watchesOf(authOf(request).userId),
  );

  app.put(
    '/users/me/notifications/watches/:user_id',
    { schema: { tags, security, summary: 'Tell me when this friend comes online', params: FriendParams, response: { 200: Watch, ...errorResponses(400, 401, 404, 409, 429) } }, config: limited },
    async (request) => {
      const { userId } = authOf(request);
      const friendId = request.params.user_id;
      const added = await repo.addFriendWatch(userId, friendId, services.now());
      if (added === 'not_friend') throw new AppError('NOT_FOUND', 'Not a friend');
      if (added === 'full') throw new AppError('CONFLICT', 'You already follow as many friends as allowed');
      const watch = (await repo.watchesOf(userId)).find((w) => w.user_id === friendId);
      if (!watch) throw new AppError('NOT_FOUND', 'Not a friend');
      return watch;
    },
  );

  app.delete(
    '/users/me/notifications/watches/:user_id',
    { schema: { tags, security, params: FriendParams, response: { ...NoContent, ...errorResponses(400, 401, 429) } }, config: limited },
    async (request, reply) => {
      await repo.removeWatch(authOf(request).userId, request.params.user_id);
      return reply.code(204).send(null);
    },
  );

  async function settingsOf(userId: number) {
    const [period, endpoints] = await Promise.all([repo.periodMinutes(userId), repo.endpointsOf(userId)]);
    return { period_minutes: period, push_subscriptions: endpoints.length, push_endpoints: endpoints };
  }
}

/**
 * A push endpoint is where the server will POST (push-endpoint.ts: https, no credentials, a
 * plainly written public host; the connection re-checks the resolved address); the normal
 * form of the URL is what is stored and used. Keys must be a P-256 point and a 16-byte
 * secret, or pushes could never be encrypted.
 */
function checkSubscription(sub: PushSubscriptionBody, allowLocal: boolean): PushSubscriptionBody {
  let url: URL;
  try {
    url = parsePushEndpoint(sub.endpoint, allowLocal);
  } catch (err) {
    if (err instanceof PushEndpointError) throw new AppError('VALIDATION_ERROR', `endpoint: ${err.message}`);
    throw err;
  }
  const p256dh = Buffer.from(sub.keys.p256dh, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 4 || !onP256(p256dh)) throw new AppError('VALIDATION_ERROR', 'keys/p256dh: must be an uncompressed P-256 public key');
  if (Buffer.from(sub.keys.auth, 'base64url').length !== 16) throw new AppError('VALIDATION_ERROR', 'keys/auth: must be 16 bytes');
  return { ...sub, endpoint: url.href };
}

/** The endpoints a browser's DELETE may mean: as sent, and its normal form (as saved since endpoints are normalised). */
function endpointSpellings(endpoint: string): string[] {
  try {
    return [...new Set([endpoint, new URL(endpoint).href])];
  } catch {
    return [endpoint];
  }
}

/** Whether the bytes are a point of the P-256 curve (OpenSSL decodes it): 65 bytes starting 0x04 are not enough, and no push could be encrypted to another. */
function onP256(key: Buffer): boolean {
  try {
    ECDH.convertKey(key, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}
