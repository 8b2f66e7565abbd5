/** Beacon browser SDK: REST client, live presence client and their pure helpers. */
export { ApiClient, ApiError, PreconditionFailedError, type ApiClientOptions, type AuthSession, type Versioned } from './api.js';
export { DEFAULT_BACKOFF, goingAwayDelay, rateLimitedDelay, reconnectDelay, type BackoffOptions } from './backoff.js';
export { compareViews, sortViews, type FriendChange } from './friends-store.js';
export { INPUT_EVENTS, type IdleTarget } from './idle.js';
export {
  PresenceClient,
  type BlockChange,
  type ConnectionState,
  type PresenceClientOptions,
  type PresenceEvents,
  type StopReason,
  type UnavailableReason,
} from './presence-client.js';
export { busyEnd, customMessageText, type BusyEnd, type MessageTimeOptions } from './message-text.js';
export { richPresence } from './presence-types.js';
export { ServerClock } from './server-clock.js';
export type { Timers, WebSocketCtor, WebSocketLike } from './transport.js';
export type { TokenSource } from './token-source.js';
export { normalizeBaseUrl, statusSocketUrl } from './transport.js';
export type {
  Activity,
  Audience,
  BlockedUser,
  Friend,
  FriendCategory,
  FriendRequest,
  GameInviteCloseReason,
  ManualStatus,
  PasswordChanged,
  SessionInfo,
  Settings,
  SignedOut,
  Status,
  StatusVisibility,
  User,
  View,
} from '../protocol/index.js';
