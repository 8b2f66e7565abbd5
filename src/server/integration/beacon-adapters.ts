/**
 * Beacon's own accounts and friendships behind the host-facing ports: what standalone
 * Beacon is, stated in the ports' terms (the contract suites hold every adapter to it).
 */
import type { AuthService } from '../auth/auth-service.js';
import type { FriendRepository } from '../friends/friend-repository.js';
import type { Db } from '../db/database.js';
import type { HostUser, HostUserId, IdentityPort } from '../ports/identity.js';
import type { HostProfile, ProfilesPort } from '../ports/profiles.js';
import type { HostFriend, SocialGraphPort } from '../ports/social-graph.js';

const asInt = (id: HostUserId): number | null => {
  const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  return Number.isSafeInteger(n) ? n : null;
};

export function beaconIdentity(auth: AuthService, db: Db): IdentityPort {
  return {
    async authenticate(token): Promise<HostUser | null> {
      const ctx = await auth.authenticate(token).catch(() => null);
      if (!ctx) return null;
      const row = await db.selectFrom('users').select(['username']).where('id', '=', ctx.userId).executeTakeFirst();
      return row ? { id: ctx.userId, name: row.username, admin: ctx.role === 'admin', expiresAt: ctx.expiresAt } : null;
    },
  };
}

export function beaconSocialGraph(friends: FriendRepository): SocialGraphPort {
  return {
    async friendsOf(userId): Promise<HostFriend[]> {
      const id = asInt(userId);
      if (id === null) return [];
      return [...(await friends.categoriesGivenTo(id))].map(([friendId, category]) => ({ id: friendId, category }));
    },
  };
}

export function beaconProfiles(db: Db): ProfilesPort {
  return {
    async profiles(ids): Promise<HostProfile[]> {
      const ints = [...new Set(ids.map(asInt).filter((n): n is number => n !== null))];
      if (ints.length === 0) return [];
      const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ints).execute();
      return rows.map((r) => ({ id: r.id, name: r.display_name }));
    },
  };
}
