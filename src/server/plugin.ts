/**
 * Beacon as a Fastify plugin: what `buildApp` registers for standalone Beacon, and what an
 * existing Fastify site registers with its own identity, friends and profiles (embedded
 * mode, docs/integration.md). It mounts the socket (`<prefix>/ws/status`) and the REST API
 * (`<prefix>/api/v1/...`) in their own encapsulated context (its own error handler,
 * validator, rate limits and CORS, nothing leaking into the host), registers
 * @fastify/websocket only if the host has not, and decorates the app with `beacon`, a small
 * in-process API.
 */
import rateLimitPlugin from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MAX_FRAME_BYTES } from '../protocol/index.js';
import { authRoutes } from './auth/auth-routes.js';
import { ownSessionsRoutes } from './auth/own-sessions-routes.js';
import { calendarRoutes } from './calendar/calendar-routes.js';
import type { Config } from './config.js';
import { asOption, optionName, pluginConfig, variableName, warnServerOnlyOptions, warnUnknownOptions } from './config-options.js';
import { beaconCors } from './cors.js';
import { installErrorHandler } from './errors.js';
import { blocksRoutes } from './friends/blocks-routes.js';
import { friendsRoutes } from './friends/friends-routes.js';
import { gamesRoutes } from './games/games-routes.js';
import { inviteRoutes } from './games/invite-routes.js';
import { historyRoutes } from './history/history-routes.js';
import { countsAfterItsChange, countsAsInteraction, type App } from './http-kit.js';
import { beaconApi, type BeaconApi } from './integration/beacon-api.js';
import { serviceRoutes } from './integration/service-routes.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { notificationRoutes } from './notifications/notification-routes.js';
import { readinessRoute } from './readiness.js';
import { sdkRoutes } from './sdk-routes.js';
import type { IdentityPort } from './ports/identity.js';
import type { ProfilesPort } from './ports/profiles.js';
import type { SocialGraphPort } from './ports/social-graph.js';
import { Gateway, MAX_MESSAGE_FRAGMENTS, type GatewayOptions } from './realtime/gateway.js';
import { refuseHandshake } from './realtime/handshake-check.js';
import { hostMeRoute } from './integration/host-me-route.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';
import { SHARE_WAIT_MS } from './status/presence-service.js';
import { statusRoutes } from './status/status-routes.js';
import { accountRoutes } from './users/account-routes.js';
import { usersRoutes } from './users/users-routes.js';
import { parseJsonBodies, refuseUndeclaredBody, strictValidatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Beacon's in-process API (set a user's status, report a game, say a friendship changed). */
    beacon: BeaconApi;
  }
}

export interface BeaconPluginOptions {
  /** Where the socket and the API are mounted, e.g. `/beacon` (default: the root). */
  prefix?: string;
  /**
   * Beacon's settings (CONTRACT "Running"); whatever is left out takes its default, not
   * the environment (call `loadConfig()` to read BEACON_* variables). Checked by loadConfig's
   * rules: a value its variable would refuse refuses the registration with a ConfigError
   * naming the field (`config.serviceToken`).
   */
  config?: Partial<Config>;
  /** Embedded mode: the host's own users, tokens and friends. Omit all three for Beacon's own accounts. */
  identity?: IdentityPort;
  friends?: SocialGraphPort;
  profiles?: ProfilesPort;
  /** Tests: the clock, a shared bus or store, gateway timings. */
  overrides?: ServiceOverrides & { gateway?: GatewayOptions };
}

async function beaconPlugin(app: FastifyInstance, opts: BeaconPluginOptions): Promise<void> {
  // Checked by loadConfig's rules; a bad field refuses the registration (ConfigError naming `config.<field>`).
  const config = pluginConfig(opts.config);
  warnUnknownOptions(app.log, opts.config);
  warnServerOnlyOptions(app.log, opts.config, config);
  await mountBeacon(app, config, opts, false);
}

/** Standalone Beacon's refusals name the BEACON_* variables it was started with, as they are. */
const asVariable = (err: unknown): unknown => err;

/**
 * Standalone Beacon (app.ts): the plugin with a config buildApp has checked (appConfig), taken
 * as it is.
 */
export const standaloneBeacon = fp(
  async (app: FastifyInstance, opts: Omit<BeaconPluginOptions, 'config' | 'identity' | 'friends' | 'profiles'> & { config: Readonly<Config> }) => mountBeacon(app, opts.config, opts, true),
  { name: '@beacon-presence/server', fastify: '5.x' },
);

/**
 * `ownsServer`: the app is Beacon's own (buildApp), not a host site's, so every path is Beacon's,
 * and a refusal at the start names the BEACON_* variables (main.ts reads them; docs/operations.md
 * names them). The plugin's settings are its `config` option: a refusal there names the option
 * (`Invalid config.jwtSecret: …`), as the option's own checks do (pluginConfig).
 */
async function mountBeacon(app: FastifyInstance, config: Readonly<Config>, opts: BeaconPluginOptions, ownsServer: boolean): Promise<void> {
  if ((opts.identity === undefined) !== (opts.friends === undefined)) throw new Error('beacon: give both identity and friends (embedded mode), or neither');
  const host = opts.identity && opts.friends ? { identity: opts.identity, friends: opts.friends, ...(opts.profiles ? { profiles: opts.profiles } : {}) } : undefined;
  const named = ownsServer ? asVariable : asOption;
  // Messages past the start (a log line, a refusal's body) name a setting as the caller wrote it too.
  const settingName = ownsServer ? variableName : optionName;
  const services = await createServices(config, app.log, { ...opts.overrides, ...(host ? { host } : {}), settingName }).catch((err: unknown) => {
    throw named(err);
  });
  const gateway = new Gateway(services, opts.overrides?.gateway);
  // The host's @fastify/websocket if it has one (its options stand); else Beacon's own.
  if (app.hasDecorator('websocketServer')) {
    app.addHook('preClose', async () => gateway.close());
  } else {
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES, maxFragments: MAX_MESSAGE_FRAGMENTS, perMessageDeflate: config.wsCompression },
      // Close with 1001 so clients reconnect, possibly to another instance.
      preClose: async () => {
        const sockets = gateway.registry.size;
        gateway.close();
        app.log.info({ sockets }, 'shutdown: sockets closed with 1001');
      },
    });
    app.websocketServer.on('wsClientError', refuseHandshake);
  }
  await app.register(beaconCore, { prefix: opts.prefix ?? '', services, gateway, ownsServer, named });
}

interface CoreOptions {
  prefix: string;
  services: Services;
  gateway: Gateway;
  ownsServer: boolean;
  /** A refusal at the start as the caller wrote the setting it names (mountBeacon). */
  named: (err: unknown) => unknown;
}

/** Beacon once @fastify/websocket is there (its declared dependency): `app.beacon`, lifecycle, routes. */
const beaconCore = fp(
  async (app: FastifyInstance, options: CoreOptions) => {
    const { services, gateway, named } = options;
    app.decorate('beacon', beaconApi(services, gateway));
    services.metrics.watchSockets({
      sockets: () => gateway.registry.size,
      *userStatuses() {
        for (const id of gateway.registry.userIds()) yield services.presence.shownStatus(id);
      },
    });
    app.addHook('onReady', async () =>
      services.start().catch((err: unknown) => {
        throw named(err);
      }),
    );
    app.addHook('onClose', async () => services.close());
    await app.register(beaconRoutes, options);
  },
  { name: '@beacon-presence/server/core', fastify: '5.x', dependencies: ['@fastify/websocket'] },
);

/** Everything under the prefix, encapsulated: the host's handlers and hooks stay its own. */
async function beaconRoutes(instance: FastifyInstance, { prefix, services, gateway, ownsServer }: CoreOptions): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>() as App;
  app.setValidatorCompiler(strictValidatorCompiler);
  parseJsonBodies(app);
  app.decorateRequest('auth', null);
  installErrorHandler(app, { notFound: prefix !== '' });
  // Beacon answers the preflights to its paths (a refused one with 403, logged) when the server is
  // its own or origins are listed, whatever CORS the host has for its own routes (cors.ts); a host
  // site with none listed answers them itself.
  if (ownsServer || services.config.corsOrigins.length > 0) await beaconCors(app, services.config.corsOrigins, { now: services.now, apiPath: `${prefix}/api/` });
  // Several instances count in Redis (limits-redis.ts), one counts in its own memory.
  const limitsStore = services.limits?.rateLimitStore();
  await app.register(rateLimitPlugin, { global: false, hook: 'preHandler', ...(limitsStore ? { store: limitsStore } : {}) });
  // A user's state-changing request counts as their interaction, applied (awaited) before the
  // handler: what the handler changes is shown after it. Routes whose change carries it (a status,
  // a game) or ends the login opt out, and those that may hide or busy the user count after their
  // change (http-kit `countsAsInteraction`, `countsAfterItsChange`).
  app.addHook('preHandler', async (request) => {
    if (countsAsInteraction(request)) await services.onApiCall?.(request.auth);
  });
  // Routes that may hide or busy the user count once their change is made, before the answer.
  // With several instances the change is shared first (review 201): a category change goes out on
  // the friend's topic, her `online` on her own, and on a Redis Cluster two topics may live on two
  // shards with no order between them, so a friend just demoted could see her `online` first.
  // Then (several instances) a change is answered only once the other instances have it, so the
  // client's next request, sent to any instance, sees it (a "hide" then a status change on
  // another instance never shows the status to friends first): a user's request waits for that
  // user's changes (and every message published so far), a service call (a host reporting games
  // or friendships) for everything shared so far. Both waits of one request share one
  // SHARE_WAIT_MS: a slow Redis holds the answer that long at most, not once per wait.
  const shares = services.presence.sharesState;
  app.addHook('onSend', async (request, reply) => {
    const after = countsAfterItsChange(request, reply);
    const waits = shares && request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
    if (!after && !waits) return;
    const until = performance.now() + SHARE_WAIT_MS;
    if (after) {
      if (shares) await services.presence.shared(request.auth.userId, SHARE_WAIT_MS);
      await services.onApiCall?.(request.auth);
    }
    // Whole ms, as timers count them (one may fire up to ~1 ms early by performance.now()).
    if (waits) await services.presence.shared(request.auth?.userId, Math.max(0, Math.floor(until - performance.now())));
  });
  metricsRoutes(app, services);
  sdkRoutes(app);
  gateway.route(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  readinessRoute(app, services);

  const standalone = services.mode === 'standalone';
  await app.register(
    async (api) => {
      api.addHook('onRoute', refuseUndeclaredBody);
      // A host owns accounts and friendships: only Beacon's own mode serves them.
      if (standalone) {
        await api.register(authRoutes, { services });
        await api.register(usersRoutes, { services });
        await api.register(accountRoutes, { services });
        await api.register(ownSessionsRoutes, { services });
        await api.register(friendsRoutes, { services });
        await api.register(blocksRoutes, { services });
        await api.register(calendarRoutes, { services });
        await api.register(inviteRoutes, { services });
        await api.register(notificationRoutes, { services });
      } else {
        await api.register(hostMeRoute, { services });
      }
      await api.register(statusRoutes, { services });
      await api.register(gamesRoutes, { services });
      await api.register(historyRoutes, { services });
      if (services.mode === 'sidecar') await api.register(serviceRoutes, { services });
    },
    { prefix: '/api/v1' },
  );
}

/** The Beacon plugin (fastify-plugin, so `app.beacon` reaches the host's root). */
export const beacon = fp(beaconPlugin, { name: '@beacon-presence/server', fastify: '5.x' });
