/** Embedded mode: the site registers Beacon as a plugin with adapters reading its own tables. */
import type { FastifyInstance } from 'fastify';
import type { SiteTokens } from './site-auth.js';
import type { SiteDb } from './site-db.js';
import type { BeaconLink } from './site.js';
// quick-start:begin
import { beacon, type BeaconPluginOptions } from '@beacon-presence/server';

export async function mountBeacon(site: FastifyInstance, db: SiteDb, tokens: SiteTokens, config: BeaconPluginOptions['config']): Promise<BeaconLink> {
  await site.register(beacon, {
    prefix: '/beacon',
    config,
    identity: { authenticate: (token) => tokens.verify(token) },
    friends: { friendsOf: async (id) => db.friendIds(Number(id)).map((f) => ({ id: f, category: 'friend' as const })) },
    profiles: { profiles: async (ids) => db.usersByIds(ids.map(Number)) },
  });
  return { url: '/beacon', friendshipChanged: (a, b) => site.beacon.friendshipChanged(a, b), game: (r) => site.beacon.game(r) };
}
// quick-start:end
