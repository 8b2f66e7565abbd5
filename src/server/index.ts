/**
 * `@beacon-presence/server`: the public server API. `buildApp(config)` returns the whole
 * Beacon app as a Fastify instance (listen on it, or `inject()` in tests); `loadConfig(env)`
 * reads the documented BEACON_* settings from an environment object.
 */
export { buildApp, type AppOverrides } from './app.js';
export { ConfigError, loadConfig, type Config } from './config.js';
export type { App } from './http-kit.js';
export type {
  Activity,
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
