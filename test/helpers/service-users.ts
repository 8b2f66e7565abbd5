/**
 * Users at the services level, for tests of several instances' services without HTTP: an
 * account made in the database (no password), a login of its own at each call, friendships made
 * through the friends service (graph events included).
 */
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { Services } from '../../src/server/services.js';

/** `on`: the instance whose services make them (read at each call); `now`: the test's clock. Logins are numbered across calls. */
export function serviceUsers(on: () => Services, now: () => number) {
  let logins = 0;
  return {
    async user(name: string): Promise<AuthContext> {
      const u = await on().users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: now() });
      return { userId: u!.id, sessionId: `login-${++logins}`, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
    },
    async befriend(x: AuthContext, y: AuthContext): Promise<void> {
      const sent = await on().friends.sendRequest(x.userId, y.userId);
      if ('request' in sent) await on().friends.accept(y.userId, sent.request.id);
    },
  };
}

/** Opens a socket session for `auth` on instance `s`, the way the gateway does. */
export async function connect(s: Services, auth: AuthContext, conn: string) {
  await s.presence.prepareViewer(auth);
  return s.presence.openSocket(auth, conn);
}
