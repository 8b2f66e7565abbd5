/**
 * The real services of one instance (SQLite in memory, in-process bus, local store) on a
 * clock that moves only when the test says so. No HTTP, no sockets: fast enough to run
 * once per mutant.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Settings } from '../../../src/protocol/index.js';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import type { Config } from '../../../src/server/config.js';
import { testConfig } from '../../helpers/config.js';
import { createServices, type Services } from '../../../src/server/services.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';

export const T0 = Date.UTC(2024, 0, 15, 14, 30);

const noop = () => undefined;
export const silentLog = {
  level: 'silent',
  info: noop,
  warn: noop,
  error: noop,
  debug: noop,
  trace: noop,
  fatal: noop,
  silent: noop,
  child: () => silentLog,
} as unknown as FastifyBaseLogger;

export interface ServiceFixture {
  services: Services;
  /** Every event the service handed to the gateway, oldest first. */
  events: PresenceEvent[];
  /** Moves the clock and runs one presence tick. */
  advance(ms: number): void;
  now(): number;
  /** Creates a user (no password hashing: not needed here). */
  user(name: string, settings?: Partial<Settings>): Promise<AuthContext>;
  /** Makes `a` and `b` friends through the friends service (graph events included). */
  befriend(a: AuthContext, b: AuthContext): Promise<void>;
  /** Opens a socket session for `auth` the way the gateway does. */
  connect(auth: AuthContext, connId?: string): Promise<ReturnType<Services['presence']['openSocket']>>;
  /** Events since the last call. */
  take(): PresenceEvent[];
  close(): Promise<void>;
}

export async function serviceFixture(config: Partial<Config> = {}): Promise<ServiceFixture> {
  let t = T0;
  const services = await createServices(testConfig({ rateLimits: false, ...config }), silentLog, { now: () => t });
  const events: PresenceEvent[] = [];
  services.presence.setSink((e) => events.push(e));
  let logins = 0;
  let conns = 0;
  return {
    services,
    events,
    now: () => t,
    advance(ms) {
      t += ms;
      services.presence.tick();
    },
    async user(name, settings) {
      const u = await services.users.create({ username: name, displayName: name.toUpperCase(), passwordHash: 'x', role: 'user', now: t });
      if (!u) throw new Error(`user ${name} exists`);
      if (settings) await services.users.updateSettings(u.id, settings, null);
      return { userId: u.id, sessionId: `login-${++logins}`, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
    },
    async befriend(a, b) {
      const sent = await services.friends.sendRequest(a.userId, b.userId);
      if ('request' in sent) await services.friends.accept(b.userId, sent.request.id);
    },
    async connect(auth, connId = `conn-${++conns}`) {
      await services.presence.prepareViewer(auth);
      return services.presence.openSocket(auth, connId);
    },
    take: () => events.splice(0),
    close: () => services.close(),
  };
}
