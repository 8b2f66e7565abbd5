/**
 * `@beacon-presence/server`: the public server API. `beacon` is the Fastify plugin a host
 * registers (embedded mode); `buildApp(config)` returns standalone Beacon as a Fastify
 * instance; `loadConfig(env)` reads the documented BEACON_* settings from an environment object.
 */
export { buildApp, type AppOverrides } from './app.js';
export { ConfigError, loadConfig, type Config, type HostAuthConfig } from './config.js';
export { AppError } from './errors.js';
export type { App } from './http-kit.js';
export { beacon, type BeaconPluginOptions } from './plugin.js';
export type { BeaconApi, GameReport } from './integration/beacon-api.js';
export { jwtIdentity, type JwtIdentityOptions } from './integration/jwt-identity.js';
export type { HostUser, HostUserId, IdentityPort } from './ports/identity.js';
export type { HostFriend, SocialGraphPort } from './ports/social-graph.js';
export type { HostProfile, ProfilesPort } from './ports/profiles.js';
export type {
  Activity,
  ErrorCode,
  Audience,
  Friend,
  FriendCategory,
  FriendRequest,
  ManualStatus,
  Settings,
  Status,
  StatusVisibility,
  User,
  View,
} from '../protocol/index.js';
