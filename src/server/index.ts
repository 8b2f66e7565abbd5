/** @beacon-presence/server: the public server API. */
export { buildApp } from './app.js';
export { loadConfig, type Config, type HostAuthConfig } from './config.js';
export { beacon, type BeaconPluginOptions } from './plugin.js';
export type { BeaconApi, GameReport } from './integration/beacon-api.js';
export { jwtIdentity, type JwtIdentityOptions } from './integration/jwt-identity.js';
export type { HostUser, HostUserId, IdentityPort } from './ports/identity.js';
export type { HostFriend, SocialGraphPort } from './ports/social-graph.js';
export type { HostProfile, ProfilesPort } from './ports/profiles.js';
