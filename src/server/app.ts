/**
 * buildApp(config): the whole Beacon app as a Fastify instance. main.ts listens on
 * it; tests build it too and talk to it with inject() or real sockets.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import rateLimitPlugin from '@fastify/rate-limit';
import staticPlugin from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MAX_FRAME_BYTES } from '../protocol/index.js';
import type { Config } from './config.js';
import { authRoutes } from './auth/auth-routes.js';
import { installErrorHandler } from './errors.js';
import { blocksRoutes } from './friends/blocks-routes.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { friendsRoutes } from './friends/friends-routes.js';
import { gamesRoutes } from './games/games-routes.js';
import { historyRoutes } from './history/history-routes.js';
import { calendarRoutes } from './calendar/calendar-routes.js';
import { inviteRoutes } from './games/invite-routes.js';
import { notificationRoutes } from './notifications/notification-routes.js';
import { Gateway, type GatewayOptions } from './realtime/gateway.js';
import { statusRoutes } from './status/status-routes.js';
import type { App } from './http-kit.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';
import { accountRoutes } from './users/account-routes.js';
import { usersRoutes } from './users/users-routes.js';
import { strictValidatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    gateway: Gateway;
  }
}

export interface AppOverrides extends ServiceOverrides {
  gateway?: GatewayOptions;
}

/** Log the method and path only: query strings could carry secrets, and headers do. */
const serializers = {
  req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: req.url.split('?')[0], ip: req.ip }),
};

/** Never logged, wherever they appear in a log object (a test reads every log line for them). */
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'req.headers["x-service-token"]',
  'headers["x-service-token"]',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

/** People read a terminal; machines read everything else (BEACON_LOG_FORMAT overrides). */
function prettyLogs(config: Readonly<Config>): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
}

export async function buildApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<App> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers,
      redact: REDACT,
      ...(prettyLogs(config) ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
    },
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(strictValidatorCompiler);

  const services = await createServices(config, app.log, overrides);
  const gateway = new Gateway(services, overrides.gateway);
  app.decorate('services', services);
  app.decorate('gateway', gateway);
  app.decorateRequest('auth', null);
  services.metrics.watchSockets({
    sockets: () => gateway.registry.size,
    *userStatuses() {
      for (const id of gateway.registry.userIds()) yield services.presence.engine.get(id).status;
    },
  });
  app.addHook('onReady', async () => services.start());
  app.addHook('onClose', async () => services.close());
  installErrorHandler(app);
  metricsRoutes(app, services);

  await app.register(helmet, {
    // What the built front end needs and no more: its own scripts, styles and sockets, and
    // the data: favicon. No upgrade-insecure-requests: Beacon may be served over plain HTTP.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(rateLimitPlugin, { global: false, hook: 'preHandler' });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Beacon', description: 'Real-time presence API. WebSocket protocol: docs/protocol.md.', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // The docs page carries its own CSP (hashes of its inline parts), sent over plain HTTP too.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  await app.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: config.wsCompression },
    // Close with 1001 so clients reconnect, possibly to another instance.
    preClose: async () => {
      const sockets = gateway.registry.size;
      gateway.close();
      app.log.info({ sockets }, 'shutdown: sockets closed with 1001');
    },
  });
  gateway.route(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const [database, bus] = await Promise.all([services.database.ping(), services.bus.ping()]);
    const saving = services.presence.persistenceHealth();
    const persistence = {
      saving: saving.ok,
      failing_since: saving.failingSince === null ? null : new Date(saving.failingSince).toISOString(),
      set_aside: saving.setAside.length,
    };
    // Rows set aside are one user's bad data: reported, but the instance still serves everyone.
    const ok = database && bus && saving.ok;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', database, bus, persistence });
  });

  await app.register(
    async (api) => {
      await api.register(authRoutes, { services });
      await api.register(usersRoutes, { services });
      await api.register(accountRoutes, { services });
      await api.register(friendsRoutes, { services });
      await api.register(blocksRoutes, { services });
      await api.register(statusRoutes, { services });
      await api.register(gamesRoutes, { services });
      await api.register(historyRoutes, { services });
      await api.register(calendarRoutes, { services });
      await api.register(inviteRoutes, { services });
      await api.register(notificationRoutes, { services });
    },
    { prefix: '/api/v1' },
  );

  await serveWeb(app, config);
  return app;
}

/** Serves the built front end at `/` when it exists; a plain page says how to build it otherwise. */
async function serveWeb(app: App, config: Readonly<Config>): Promise<void> {
  const root = config.webRoot ? resolve(config.webRoot) : null;
  if (root && existsSync(resolve(root, 'index.html'))) {
    await app.register(staticPlugin, { root, prefix: '/', index: ['index.html'] });
    return;
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html')
      .send('<!doctype html><title>Beacon</title><h1>Beacon is running</h1><p>The web front end is not built: run <code>npm run build:web</code>. API docs: <a href="/docs">/docs</a>.</p>'),
  );
}
