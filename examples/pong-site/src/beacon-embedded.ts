/** Embedded mode: the site registers Beacon as a plugin with adapters reading its own tables. */
// quick-start:begin
import type { FastifyInstance } from 'fastify';
import { beacon, type BeaconPluginOptions, type GameReport } from '@beacon-presence/server';

// The site's own pieces Beacon uses: its token check, two queries on its tables, and how it reaches Beacon.
export interface SiteTokens { verify(token: string): Promise<{ id: number; name: string; issuedAt: number; expiresAt: number } | null> }
export interface SiteDb { friendIds(userId: number): number[]; usersByIds(ids: number[]): Array<{ id: number; name: string }> }
export interface BeaconLink { url: string; friendshipChanged(a: number, b: number): Promise<unknown>; game(report: GameReport): Promise<unknown>; signOutToken(token: string): Promise<unknown> }

export async function mountBeacon(site: FastifyInstance, db: SiteDb, tokens: SiteTokens, config: BeaconPluginOptions['config']): Promise<BeaconLink> {
  await site.register(beacon, {
    prefix: '/beacon',
    config,
    identity: { authenticate: (token) => tokens.verify(token) },
    friends: { friendsOf: async (id) => db.friendIds(Number(id)).map((f) => ({ id: f, category: 'friend' as const })) },
    profiles: { profiles: async (ids) => db.usersByIds(ids.map(Number)) },
  });
  return { url: '/beacon', friendshipChanged: (a, b) => site.beacon.friendshipChanged(a, b), game: (r) => site.beacon.game(r), signOutToken: (t) => site.beacon.signOutToken(t) };
}
// quick-start:end
