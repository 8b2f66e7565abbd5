/** An in-memory host site for tests: its own users, tokens and friendships, behind Beacon's ports. */
import type { FriendCategory } from '../../src/protocol/index.js';
import type { HostUserId, IdentityPort } from '../../src/server/ports/identity.js';
import type { ProfilesPort } from '../../src/server/ports/profiles.js';
import type { SocialGraphPort } from '../../src/server/ports/social-graph.js';

export class MemoryHost {
  readonly users = new Map<string, { name: string; admin: boolean }>();
  readonly tokens = new Map<string, string>();
  /** `a→b` → the category a gives b. */
  readonly given = new Map<string, FriendCategory>();
  /** Every batch the profiles port was asked for. */
  readonly profileCalls: string[][] = [];

  addUser(id: string, name: string, admin = false): string {
    this.users.set(id, { name, admin });
    const token = `tok-${id}-${Math.random().toString(36).slice(2)}`;
    this.tokens.set(token, id);
    return token;
  }

  befriend(a: string, b: string, aGives: FriendCategory = 'friend', bGives: FriendCategory = 'friend'): void {
    this.given.set(`${a}→${b}`, aGives);
    this.given.set(`${b}→${a}`, bGives);
  }

  unfriend(a: string, b: string): void {
    this.given.delete(`${a}→${b}`);
    this.given.delete(`${b}→${a}`);
  }

  readonly identity: IdentityPort = {
    authenticate: async (token) => {
      const id = this.tokens.get(token);
      const user = id === undefined ? undefined : this.users.get(id);
      return id !== undefined && user ? { id, name: user.name, admin: user.admin } : null;
    },
  };

  readonly friends: SocialGraphPort = {
    friendsOf: async (userId: HostUserId) => {
      const me = String(userId);
      const out: Array<{ id: string; category: FriendCategory }> = [];
      for (const [key, category] of this.given) {
        const [from, to] = key.split('→') as [string, string];
        if (to === me && this.given.has(`${me}→${from}`)) out.push({ id: from, category });
      }
      return out;
    },
  };

  readonly profiles: ProfilesPort = {
    profiles: async (ids) => {
      this.profileCalls.push(ids.map(String));
      return ids.flatMap((id) => {
        const u = this.users.get(String(id));
        return u ? [{ id: String(id), name: u.name }] : [];
      });
    },
  };
}
