/** Builds the real app for tests: inject() without a port, or listen() for real sockets. */
import type { Config } from '../../src/server/config.js';
import { buildAppUnchecked } from '../../src/server/app.js';
import type { App } from '../../src/server/http-kit.js';
import type { ServiceOverrides } from '../../src/server/services.js';
import { AdminRoles } from '../../src/server/users/admin-roles.js';
import { testConfig } from './config.js';

/** A registered user as tests hold one: its token and id. */
export type Account = { token: string; id: number };

export interface TestApp {
  app: App;
  /** Registers a user and returns its token and id. */
  register(username: string, password?: string): Promise<Account>;
  /** Makes two users friends through the API: `a` asks, `b` accepts. */
  befriend(a: Account, b: Account): Promise<void>;
  /** Registers two users (in that order) and makes them friends. */
  registerFriends(first: string, second: string): Promise<[Account, Account]>;
  /** Grants the admin role to an account, as `npm run admin -- grant <username>` does. */
  grantAdmin(username: string): Promise<void>;
  close(): Promise<void>;
}

export async function createTestApp(config: Partial<Config> = {}, overrides: ServiceOverrides = {}): Promise<TestApp> {
  // Unchecked: tests go past an operator's limits (a 60 s batch window, timings of a few ms).
  const app = await buildAppUnchecked(testConfig({ rateLimits: false, ...config }), overrides);
  await app.ready();
  const t: TestApp = {
    app,
    async register(username, password = 'pass-phrase-for-tests') {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username, password } });
      if (res.statusCode !== 201) throw new Error(`register ${username}: ${res.statusCode} ${res.body}`);
      const body = res.json<{ token: string; user: { id: number } }>();
      return { token: body.token, id: body.user.id };
    },
    async befriend(a, b) {
      const sent = await app.inject({
        method: 'POST',
        url: '/api/v1/users/me/friends/requests',
        headers: { authorization: `Bearer ${a.token}` },
        payload: { user_id: b.id },
      });
      if (sent.statusCode !== 201) throw new Error(`request: ${sent.statusCode} ${sent.body}`);
      const { request } = sent.json<{ request: { id: number } }>();
      const ok = await app.inject({
        method: 'POST',
        url: `/api/v1/users/me/friends/requests/${request.id}/accept`,
        headers: { authorization: `Bearer ${b.token}` },
      });
      if (ok.statusCode !== 200) throw new Error(`accept: ${ok.statusCode} ${ok.body}`);
    },
    async registerFriends(first, second) {
      const a = await t.register(first);
      const b = await t.register(second);
      await t.befriend(a, b);
      return [a, b];
    },
    async grantAdmin(username) {
      if (!(await new AdminRoles(app.services.database.db).grant(username, Date.now()))) throw new Error(`no account ${username}`);
    },
    close: () => app.close(),
  };
  return t;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
