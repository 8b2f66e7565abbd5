/**
 * The adapters the port contract suites run on, each as a small "world" that can create
 * users and friendships its own way: Beacon's own accounts (SQLite and PostgreSQL), the
 * sidecar store (host JWTs, friendships pushed into Beacon's database, on both dialects) and
 * an in-memory embedding host.
 */
import { SignJWT } from 'jose';
import type { FriendCategory } from '../../src/protocol/index.js';
import { AuthService } from '../../src/server/auth/auth-service.js';
import { SessionRepository } from '../../src/server/auth/session-repository.js';
import { createDeviceTokens } from '../../src/server/auth/device-tokens.js';
import { createTokenService } from '../../src/server/auth/tokens.js';
import { openDatabase } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { beaconIdentity, beaconProfiles, beaconSocialGraph } from '../../src/server/integration/beacon-adapters.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import { jwtIdentity } from '../../src/server/integration/jwt-identity.js';
import { SidecarFriendships, sidecarProfiles, sidecarSocialGraph } from '../../src/server/integration/sidecar-friendships.js';
import type { HostUserId, IdentityPort } from '../../src/server/ports/identity.js';
import type { ProfilesPort } from '../../src/server/ports/profiles.js';
import type { SocialGraphPort } from '../../src/server/ports/social-graph.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { freshDatabase, testDialects } from './databases.js';
import { MemoryHost } from './memory-host.js';

export interface PortWorld {
  identity: IdentityPort;
  friends: SocialGraphPort;
  profiles: ProfilesPort;
  /** A user of this world and a token that authenticates them. */
  addUser(name: string): Promise<{ id: HostUserId; token: string }>;
  /** `aGives`: the category a gives b (what b may see of a). */
  befriend(a: HostUserId, b: HostUserId, aGives: FriendCategory, bGives: FriendCategory): Promise<void>;
  unfriend(a: HostUserId, b: HostUserId): Promise<void>;
  close(): Promise<void>;
}

let n = 0;
const unique = (name: string) => `${name}_${(n++).toString(36)}`.slice(0, 20);
const SECRET = 'contract-host-secret-0123456789';

async function beaconWorld(dialect: 'sqlite' | 'postgres'): Promise<PortWorld> {
  const fresh = await freshDatabase(dialect);
  const database = openDatabase(fresh.url);
  await migrateToLatest(database);
  const users = new UserRepository(database.db);
  const auth = new AuthService(users, new SessionRepository(database.db), createTokenService(SECRET), createDeviceTokens(SECRET), { tokenTtlS: 3600, now: Date.now, throttle: null });
  const friends = new FriendRepository(database.db);
  return {
    identity: beaconIdentity(auth, database.db),
    friends: beaconSocialGraph(friends),
    profiles: beaconProfiles(database.db),
    async addUser(name) {
      const { token, user } = await auth.register({ username: unique(name), password: 'pass-phrase-for-tests', displayName: name, userAgent: null });
      return { id: user.id, token };
    },
    async befriend(a, b, aGives, bGives) {
      await friends.befriend(Number(a), Number(b), Date.now());
      await friends.setCategory(Number(a), Number(b), aGives, Date.now());
      await friends.setCategory(Number(b), Number(a), bGives, Date.now());
    },
    async unfriend(a, b) {
      await friends.unfriend(Number(a), Number(b));
    },
    async close() {
      await database.close();
      await fresh.drop();
    },
  };
}

async function sidecarWorld(dialect: 'sqlite' | 'postgres'): Promise<PortWorld> {
  const fresh = await freshDatabase(dialect);
  const database = openDatabase(fresh.url);
  await migrateToLatest(database);
  const ids = new IdMap(database.db, Date.now);
  const store = new SidecarFriendships(database.db, ids, Date.now, async () => {});
  return {
    identity: jwtIdentity({ secret: SECRET }),
    friends: sidecarSocialGraph(new FriendRepository(database.db), ids),
    profiles: sidecarProfiles(database.db, ids),
    async addUser(name) {
      const id = `sub|${unique(name)}`;
      await ids.rename(await ids.one(id), name, Date.now());
      const token = await new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
      return { id, token };
    },
    async befriend(a, b, aGives, bGives) {
      await store.upsert([{ a, b, a_category: aGives, b_category: bGives }]);
    },
    async unfriend(a, b) {
      await store.remove([{ a, b }]);
    },
    async close() {
      await database.close();
      await fresh.drop();
    },
  };
}

async function memoryWorld(): Promise<PortWorld> {
  const host = new MemoryHost();
  return {
    identity: host.identity,
    friends: host.friends,
    profiles: host.profiles,
    async addUser(name) {
      const id = unique(name);
      return { id, token: host.addUser(id, name) };
    },
    async befriend(a, b, aGives, bGives) {
      host.befriend(String(a), String(b), aGives, bGives);
    },
    async unfriend(a, b) {
      host.unfriend(String(a), String(b));
    },
    close: async () => {},
  };
}

/** Every adapter, by name: `describe.each(portWorlds())`. */
export function portWorlds(): Array<[string, () => Promise<PortWorld>]> {
  return [
    ...testDialects().map((d): [string, () => Promise<PortWorld>] => [`Beacon accounts on ${d}`, () => beaconWorld(d)]),
    ...testDialects().map((d): [string, () => Promise<PortWorld>] => [`sidecar store on ${d}`, () => sidecarWorld(d)]),
    ['in-memory host', memoryWorld],
  ];
}
