/**
 * Sidecar mode: Beacon runs as its own server (here started in the same process for the
 * demo; in production `npm start` of Beacon with the same variables), verifies the site's
 * JWTs with the shared secret, and learns friendships and matches through its service API.
 */
import { buildApp, loadConfig } from '@beacon-presence/server';
import type { SiteDb } from './site-db.js';
import type { BeaconLink } from './site.js';

export interface SidecarOptions {
  db: SiteDb;
  /** The secret the site signs its JWTs with (BEACON_AUTH_JWT_SECRET). */
  jwtSecret: string;
  serviceToken: string;
  /** The site's origin, allowed by CORS and on the socket. */
  siteOrigin: string;
  databaseUrl: string;
  port?: number;
  /** Extra BEACON_* settings (tests shorten the offline grace). */
  env?: Record<string, string>;
}

export async function startSidecar(o: SidecarOptions): Promise<BeaconLink & { close(): Promise<void> }> {
  const config = loadConfig({
    BEACON_DATABASE_URL: o.databaseUrl,
    BEACON_AUTH_JWT_SECRET: o.jwtSecret,
    BEACON_SERVICE_TOKEN: o.serviceToken,
    BEACON_CORS_ORIGINS: o.siteOrigin,
    BEACON_WEB_ROOT: 'off',
    BEACON_LOG_LEVEL: 'warn',
    ...o.env,
  });
  const beacon = await buildApp(config);
  const url = await beacon.listen({ port: o.port ?? 0, host: '127.0.0.1' });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { 'x-service-token': o.serviceToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`Beacon ${method} ${path}: ${res.status} ${await res.text()}`);
  };
  // Everything the site already knows, once at start; then each change as it happens.
  // Friends appear under their names even before they ever open a page.
  const pairs = o.db.allFriendships().map(([a, b]) => ({ a, b }));
  const named = o.db.usersByIds([...new Set(pairs.flatMap((p) => [p.a, p.b]))]);
  if (named.length > 0) await call('PUT', '/service/users', { users: named });
  if (pairs.length > 0) await call('PUT', '/service/friendships', { pairs });
  return {
    url,
    async friendshipChanged(a, b) {
      if (!o.db.friendIds(a).includes(b)) return call('DELETE', `/service/friendships/${a}/${b}`);
      await call('PUT', '/service/users', { users: o.db.usersByIds([a, b]) });
      return call('PUT', `/service/friendships/${a}/${b}`, {});
    },
    game: (report) => call('POST', '/games/events', report),
    signOutToken: (token) => call('POST', '/service/tokens/sign-out', { token }),
    close: () => beacon.close(),
  };
}
