/**
 * buildApp(config): standalone Beacon — a Fastify instance with Beacon's web front end, API
 * docs and security headers, and the Beacon plugin (plugin.ts) with Beacon's own accounts.
 * main.ts listens on it; tests build it too and talk to it with inject() or real sockets.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import staticPlugin from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { appConfig, warnUnknownOptions } from './config-options.js';
import { ConnectionGuard } from './connection-guard.js';
import { oneRequestAtATime } from './pipelining.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './errors.js';
import type { App } from './http-kit.js';
import { COUNTS_EVERY_REQUEST, countHttpRequests } from './metrics/metrics-routes.js';
import { standaloneBeacon } from './plugin.js';
import type { Gateway, GatewayOptions } from './realtime/gateway.js';
import type { ServiceOverrides, Services } from './services.js';
import { strictValidatorCompiler } from './validation.js';
import { MAX_HOST_ID_IN_PATH } from '../protocol/integration.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    gateway: Gateway;
    /** Standalone only: open HTTP connections per address and their idle timeout (connection-guard.ts). */
    connectionGuard: ConnectionGuard;
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

/**
 * Standalone Beacon on `given` (loadConfig's, or written in code): checked by loadConfig's rules
 * first (appConfig), a bad field refused with a ConfigError naming it (`config.offlineGraceMs`).
 */
export async function buildApp(given: Readonly<Config>, overrides: AppOverrides = {}): Promise<App> {
  // async: a refusal is a rejection, as any failure to build.
  return buildAppUnchecked(appConfig(given), overrides, given);
}

/**
 * Standalone Beacon on `config` taken as it is, unchecked: buildApp's, once checked, and the
 * tests' (test/helpers/app.ts), which go past what an operator may set (a 60 s batch window to
 * hold frames, timings of a few milliseconds). Not exported from index.ts: no host gets a way
 * around the checks. `written`: the object the caller wrote, whose unknown names are warned of.
 */
export async function buildAppUnchecked(config: Readonly<Config>, overrides: AppOverrides = {}, written: object = config): Promise<App> {
  // Made with the app's logger, once there is one: the server factory runs first.
  const made: { guard?: ConnectionGuard } = {};
  const app = Fastify({
    // Fastify's own HTTP server, but a connection's requests reach the app one at a time
    // (pipelining.ts); the timeouts are the ones Fastify sets on the server it makes.
    serverFactory: (handler, opts) => {
      const server = createServer(
        opts.http ?? {},
        oneRequestAtATime(handler, (req) => made.guard?.pipelinedTooDeep(req)),
      );
      server.keepAliveTimeout = Number(opts.keepAliveTimeout);
      server.requestTimeout = Number(opts.requestTimeout);
      server.setTimeout(Number(opts.connectionTimeout));
      return server;
    },
    logger: {
      level: config.logLevel,
      serializers,
      redact: REDACT,
      ...(prettyLogs(config) ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
    },
    bodyLimit: 64 * 1024,
    // A host id in a service path, percent-encoded (Fastify's default, 100, refused ids of 101-128 characters with 414).
    routerOptions: { maxParamLength: MAX_HOST_ID_IN_PATH },
    trustProxy: config.trustProxy,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  warnUnknownOptions(app.log, written);
  app.setValidatorCompiler(strictValidatorCompiler);
  installErrorHandler(app);
  // Every response counts in beacon_http_requests_total, before anything is registered: the
  // web app, /docs and 404s too (the plugin alone would count only its own routes).
  countHttpRequests(app, () => app.beacon.services.metrics);
  app.decorate(COUNTS_EVERY_REQUEST, true);
  const guard = new ConnectionGuard(
    { perAddress: config.httpConnectionsPerAddress, idleTimeoutMs: config.httpIdleTimeoutMs, trustProxy: config.trustProxy },
    app.log,
  );
  guard.install(app.server);
  made.guard = guard;
  app.decorate('connectionGuard', guard);
  // Before the server stops listening and waits for its connections (connection-guard.ts).
  app.addHook('preClose', async () => {
    const ended = guard.closing();
    if (ended > 0) app.log.info({ connections: ended }, 'shutdown: connections with no request being answered closed');
  });

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
  await app.register(swagger, {
    openapi: {
      info: { title: 'Beacon', description: 'Real-time presence API. WebSocket protocol: docs/protocol.md.', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      // Relative to the spec's own address (/docs/json): Beacon's root, also behind a proxy's path
      // prefix (/beacon/docs/json → /beacon/). Without it, the docs' "Try it out" called the site's root.
      servers: [{ url: '..', description: 'this Beacon (the address the docs were opened at, less /docs/)' }],
    },
    // The paths stay whole (/api/v1/…): there is no base path to take off them (and the plugin would read '..' as an absolute URL).
    stripBasePath: false,
  });
  // The docs page carries its own CSP (hashes of its inline parts), sent over plain HTTP too.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  // Standalone Beacon is the plugin with Beacon's own accounts, at the root.
  const { gateway: gatewayOptions, ...serviceOverrides } = overrides;
  await app.register(standaloneBeacon, { config, overrides: { ...serviceOverrides, ...(gatewayOptions ? { gateway: gatewayOptions } : {}) } });
  app.decorate('services', app.beacon.services);
  app.decorate('gateway', app.beacon.gateway);

  await serveWeb(app, config);
  return app;
}

/**
 * Serves the built front end at `/` when it exists; a plain page says how to build it when it
 * is missing, and only that Beacon runs when the web app is off (`BEACON_WEB_ROOT=off`: a host
 * site serves its own pages, and has no build to run). In a host mode (sidecar, or embedded
 * through buildApp) the web app, whose login needs Beacon's own accounts, is never served: a web
 * root set there (BEACON_WEB_ROOT from a shared env file, say) is ignored with one warning, and
 * `/` says whose pages to use.
 */
async function serveWeb(app: App, config: Readonly<Config>): Promise<void> {
  const { mode } = app.beacon.services;
  if (config.webRoot && mode !== 'standalone') {
    app.log.warn(
      { variable: 'BEACON_WEB_ROOT', webRoot: config.webRoot },
      `BEACON_WEB_ROOT (config.webRoot) is ignored in ${mode} mode: Beacon's web app logs in with Beacon's own accounts, which a ${mode} Beacon does not have (the host site's pages are the ones users use, and / says so); unset it or set BEACON_WEB_ROOT=off`,
    );
  }
  const root = config.webRoot && mode === 'standalone' ? resolve(config.webRoot) : null;
  if (root && existsSync(resolve(root, 'index.html'))) {
    await app.register(staticPlugin, { root, prefix: '/', index: ['index.html'] });
    return;
  }
  if (root) app.log.warn({ webRoot: root }, 'BEACON_WEB_ROOT has no index.html: / serves a page saying how to build the web app (npm run build:web)');
  const why =
    mode !== 'standalone'
      ? `<p>This is a host-mode Beacon (${mode} mode): its pages are the host site's, where users sign in. It has no accounts, login or web app of its own.</p>`
      : root
        ? '<p>The web front end is not built: run <code>npm run build:web</code>, or set <code>BEACON_WEB_ROOT=off</code>.</p>'
        : '<p>This server has no web front end (<code>BEACON_WEB_ROOT=off</code>).</p>';
  // Relative, so that through a proxy's path prefix (/beacon/ → Beacon's /) it opens Beacon's docs,
  // not the site's /docs; with the trailing slash, as the docs page loads its assets relative to
  // its own address only then (@fastify/swagger-ui: `/docs` loads them from /docs/static/…).
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html').send(`<!doctype html><title>Beacon</title><h1>Beacon is running</h1>${why}<p>API docs: <a href="./docs/">docs/</a>.</p>`),
  );
}
