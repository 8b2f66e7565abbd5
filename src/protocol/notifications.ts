/**
 * Web Push and "tell me when X comes online": request/response schemas and the
 * `notification` payload, shared by the server, the SDK, the web app and its service worker.
 */
import { Type, type Static } from 'typebox';
import { STATUSES } from './enums.js';
import { Id, Timestamp } from './schemas.js';

const strict = { additionalProperties: false } as const;
/** base64url without padding, as PushSubscription.toJSON() gives the keys. */
const B64u = (min: number, max: number) => Type.String({ minLength: min, maxLength: max, pattern: '^[A-Za-z0-9_-]+$' });

export const VapidKeyInfo = Type.Object({ public_key: Type.String() });
export type VapidKeyInfo = Static<typeof VapidKeyInfo>;

/** PushSubscription.toJSON() minus expirationTime (accepted and ignored). */
export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 8, maxLength: 2048 }),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object({ p256dh: B64u(80, 100), auth: B64u(16, 32) }, strict),
  },
  strict,
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;
export const PushUnsubscribeBody = Type.Object({ endpoint: Type.String({ minLength: 8, maxLength: 2048 }) }, strict);
export type PushUnsubscribeBody = Static<typeof PushUnsubscribeBody>;

/** A friend you asked to hear about when they come online. */
export const Watch = Type.Object({ user_id: Id, username: Type.String(), display_name: Type.String(), since: Timestamp });
export type Watch = Static<typeof Watch>;

export const MIN_NOTIFY_PERIOD_MINUTES = 1;
export const MAX_NOTIFY_PERIOD_MINUTES = 1440;
export const DEFAULT_NOTIFY_PERIOD_MINUTES = 30;

/** Your notification settings, and which browsers receive your pushes. */
export const NotificationSettings = Type.Object({
  period_minutes: Type.Integer({ minimum: MIN_NOTIFY_PERIOD_MINUTES, maximum: MAX_NOTIFY_PERIOD_MINUTES, description: 'at most one notification per friend per this many minutes' }),
  push_subscriptions: Type.Integer({ minimum: 0 }),
  push_endpoints: Type.Array(Type.String(), {
    description: 'the endpoints of those push subscriptions, as saved: a browser whose own subscription is not among them receives none of your pushes',
  }),
});
export type NotificationSettings = Static<typeof NotificationSettings>;
export const NotificationSettingsPatch = Type.Object(
  { period_minutes: Type.Integer({ minimum: MIN_NOTIFY_PERIOD_MINUTES, maximum: MAX_NOTIFY_PERIOD_MINUTES }) },
  strict,
);
export type NotificationSettingsPatch = Static<typeof NotificationSettingsPatch>;

/**
 * What a notification says: a watched friend came online, as the recipient may see them.
 * Sent as the `notification` socket frame and, encrypted, as the Web Push payload.
 */
export const NotificationPayload = Type.Object({
  type: Type.Literal('notification'),
  kind: Type.Literal('friend_online'),
  friend_id: Id,
  username: Type.String(),
  display_name: Type.String(),
  status: Type.Enum(STATUSES),
  at: Timestamp,
});
export type NotificationPayload = Static<typeof NotificationPayload>;

/** A friend's weekly pattern (GET /users/:id/pattern), when they share it with you. */
export const PatternInfo = Type.Object({ user_id: Id, summary: Type.String(), time_zone: Type.String() });
export type PatternInfo = Static<typeof PatternInfo>;
