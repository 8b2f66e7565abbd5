/**
 * One typed, frozen config read from the environment (CONTRACT.md "Running").
 * A bad value stops the start with a message naming the variable; a BEACON_* name that is no
 * setting (misspelt?) is reported by unknownSettings (main.ts logs a warning for each).
 */
import ipaddr from 'ipaddr.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * PostgreSQL: how long connecting, and each query, may take before it fails (and its
   * connection is dropped), so a partition or a hung server fails requests instead of hanging them.
   * Below half of httpIdleTimeoutMs in standalone Beacon (checkRequestBounds).
   */
  databaseTimeoutMs: number;
  /** One Redis URL, or (cluster mode) comma-separated seed URLs. null: one instance, no Redis. */
  redisUrl: string | null;
  /** `single`: one Redis (PUBLISH/SUBSCRIBE); `cluster`: a Redis Cluster ≥ 7 with sharded pub/sub. */
  redisMode: 'single' | 'cluster';
  /** Prefix of every Redis key and channel, so several Beacon clusters can share one Redis. */
  redisPrefix: string;
  /** null: generate one and keep it in the database (single-machine default). */
  jwtSecret: string | null;
  /** null: the game-events endpoint refuses every call. */
  serviceToken: string | null;
  admins: readonly string[];
  tokenTtlS: number;
  rateLimits: boolean;
  /**
   * Whom to believe about the client address (X-Forwarded-For): false (default) trusts no
   * proxy, true trusts any, or a list of proxy addresses/CIDRs. Per-IP rate limits depend on it.
   */
  trustProxy: boolean | string[];
  /** null: only the server's own origin (the request's Host) may open a socket from a browser. */
  allowedOrigins: readonly string[] | null;
  heartbeatIntervalMs: number;
  offlineGraceMs: number;
  /**
   * While the server is saturated (event loop busy ≥ 75 % of a second within the last 8 s, saturation.ts) an offline grace
   * that runs out is extended, a second at a time, up to this many times the grace after the
   * user left: their reconnect may be waiting in the server's own queues. 1 turns it off.
   */
  graceStretch: number;
  idleTimeoutMs: number;
  idleProbeTimeoutMs: number;
  pollSessionTtlMs: number;
  /** A game declared by a game server ends after this long even without its end event. */
  maxGameMs: number;
  /** How long status history is kept, in days. */
  historyRetentionDays: number;
  /** How often calendar feeds are read again. */
  calendarRefreshMs: number;
  /** Let calendar feeds use http and private addresses (local test servers only). */
  calendarAllowLocal: boolean;
  /** VAPID keys for Web Push (base64url); null: generated once and kept in the database. */
  vapid: { publicKey: string; privateKey: string } | null;
  /** Who runs this server, told to push services (mailto: or https: URL). */
  vapidSubject: string;
  /** Let push endpoints be on loopback/private addresses (local test push services only). */
  pushAllowLocal: boolean;
  /** How many pushes are in flight at once, per instance. */
  pushConcurrency: number;
  /** Deadline of each push, from connecting to the end of the push service's answer. */
  pushTimeoutMs: number;
  /** How long events for one socket are gathered into one `batch` frame. 0 sends at once. */
  batchWindowMs: number;
  /** Frames a socket gets at once within one batching window before its events are gathered for the window. */
  batchBurstFrames: number;
  /** How often presence is written behind to the database. */
  persistIntervalMs: number;
  /** How long a replica nobody here needs any more is kept before it is released (replica lifecycle). */
  replicaLingerMs: number;
  /**
   * A friend list is read again once this old (on a connect or poll, and while it is held), so a
   * change whose announcement was missed heals: embedded and sidecar modes (the host's graph), and
   * standalone instances sharing a bus (an instance that died between its commit and its publish).
   * A single standalone instance announces every change of its own graph and ignores it.
   */
  friendListTtlMs: number;
  /** permessage-deflate on the WebSocket. */
  wsCompression: boolean;
  /** Sockets one client address (an IPv6 /64) may hold before authenticating; more upgrades get 429 (pending-auth.ts). */
  wsPendingPerAddress: number;
  /** Open sockets one client address (an IPv6 /64) may hold, authenticated or not; more upgrades get 429 (open-sockets.ts). */
  wsSocketsPerAddress: number;
  /** Open sockets this instance may hold; more upgrades get 503. Null: the open-files limit less a reserve (open-sockets.ts). */
  wsMaxSockets: number | null;
  /**
   * Bytes this instance may hold buffered for sockets whose clients do not read; past it the
   * largest holders are closed with 1013. Null: an eighth of the process's memory, at most a
   * quarter of its heap limit, 16 MiB–1 GiB (buffer-budget.ts).
   */
  wsBufferBudgetBytes: number | null;
  /** Open HTTP connections (not yet upgraded) one client address (an IPv6 /64) may hold; more are closed at once (connection-guard.ts). */
  httpConnectionsPerAddress: number;
  /** Inactivity after which an HTTP connection is closed, a first request not yet sent included. */
  httpIdleTimeoutMs: number;
  /**
   * Where the built front end lives; null disables static serving. Null by default in sidecar
   * mode, and ignored (with a warning) in a host mode: the standalone web app's login cannot
   * work there (docs/integration.md "Sidecar mode").
   */
  webRoot: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty` (human), `json` (machines), or `auto`: pretty when stdout is a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Bearer token a Prometheus scraper sends to GET /metrics; null refuses every scrape. */
  metricsToken: string | null;
  /** How long a SIGTERM drain may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /**
   * Origins allowed to call the REST API from a browser (CORS, with credentials). Empty: no
   * CORS headers (same origin only). Also allowed to open the socket (with BEACON_ALLOWED_ORIGINS).
   */
  corsOrigins: readonly string[];
  /** Sidecar mode: verify the host's JWTs (docs/integration.md). null: Beacon's own accounts. */
  hostAuth: HostAuthConfig | null;
}

/** How Beacon verifies a host's JWTs in sidecar mode (BEACON_AUTH_*). */
export interface HostAuthConfig {
  /** Shared HS256 secret, or null to use the JWKS URL. */
  jwtSecret: string | null;
  /**
   * During a rotation, the HS256 secret being rotated from: a token whose signature does not
   * verify with `jwtSecret` is tried with this one (only beside `jwtSecret`). Left out: none.
   */
  jwtPreviousSecret?: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  idClaim: string;
  nameClaim: string;
  adminClaim: string | null;
}

export class ConfigError extends Error {
  constructor(
    /** The setting: a BEACON_* variable, or the plugin option (`config.serviceToken`). */
    readonly variable: string,
    /** What is wrong and what to do, without the setting's name. */
    readonly reason: string,
  ) {
    super(`Invalid ${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(name, `expected on or off, got "${raw}"`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A URL as an error message or a log line may show it: its user and password replaced by *** (stderr ends up in the logs). */
export function shown(url: string): string {
  return url.replace(/^([^:/\s]+:\/\/)(.*)@/, '$1***@');
}

/** The sslmode values pg's connection string takes (libpq's, and no-verify). */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

function databaseUrl(env: Env): string {
  // Set but empty is a template that produced nothing, not a wish for a local SQLite file in production.
  if (env.BEACON_DATABASE_URL !== undefined && env.BEACON_DATABASE_URL.trim() === '') {
    throw new ConfigError(
      'BEACON_DATABASE_URL',
      'set but empty; unset it to use the embedded SQLite default (sqlite:./data/beacon.db), or give a sqlite:<path> or postgres://… URL',
    );
  }
  const url = str(env, 'BEACON_DATABASE_URL', 'sqlite:./data/beacon.db');
  if (/^sqlite:.+/.test(url)) return url;
  if (/^postgres(ql)?:\/\/.+/.test(url)) {
    // pg takes an sslmode it does not know as "TLS on": the start then fails with the driver's words only.
    const sslmode = /[?&]sslmode=([^&#]*)/.exec(url)?.[1];
    if (sslmode !== undefined && !SSL_MODES.includes(decodeURIComponent(sslmode))) {
      throw new ConfigError('BEACON_DATABASE_URL', `sslmode must be one of ${SSL_MODES.join(', ')}, got "${sslmode}"`);
    }
    return url;
  }
  throw new ConfigError('BEACON_DATABASE_URL', `expected sqlite:<path>, sqlite::memory: or postgres://…, got "${shown(url)}"`);
}

function redisMode(env: Env): Config['redisMode'] {
  const v = str(env, 'BEACON_REDIS_MODE', 'single').trim().toLowerCase();
  if (v !== 'single' && v !== 'cluster') throw new ConfigError('BEACON_REDIS_MODE', `expected single or cluster, got "${v}"`);
  if (v === 'cluster' && optional(env, 'BEACON_REDIS_URL') === null) {
    throw new ConfigError('BEACON_REDIS_MODE', 'cluster mode needs the seed nodes in BEACON_REDIS_URL (redis://host:port,redis://host:port,…)');
  }
  return v;
}

function redisUrl(env: Env, mode: Config['redisMode']): string | null {
  const raw = optional(env, 'BEACON_REDIS_URL');
  if (raw === null) return null;
  if (mode === 'single') {
    if (/,\s*rediss?:\/\//.test(raw)) {
      throw new ConfigError('BEACON_REDIS_URL', 'several URLs are seed nodes of a Redis Cluster: set BEACON_REDIS_MODE=cluster');
    }
    if (!/^rediss?:\/\/.+/.test(raw)) throw new ConfigError('BEACON_REDIS_URL', `expected redis://…, got "${shown(raw)}"`);
    return raw;
  }
  const seeds = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const url of seeds) {
    if (!/^rediss?:\/\/(?:[^@/]*@)?[^/:@]+:\d+\/?$/.test(url)) {
      throw new ConfigError('BEACON_REDIS_URL', `cluster seed nodes are redis://host:port (no database number), got "${shown(url)}"`);
    }
  }
  return seeds.join(',');
}

/**
 * What a key or token left unset means, for the refusal of one set but blank: a template or a
 * secret store that expanded to nothing is a mistake, not a wish for the unset behaviour (on
 * one instance of several it would silently run in another mode: a generated signing secret
 * beside instances that share one, docs/scaling.md), as BEACON_DATABASE_URL set but empty is.
 */
const UNSET_MEANS: Readonly<Record<string, string>> = {
  BEACON_JWT_SECRET: 'unset it to have one generated and kept in the database (on every instance alike), or give at least 16 characters',
  BEACON_SERVICE_TOKEN: 'unset it to refuse game events and the service API, or give at least 16 characters',
  BEACON_METRICS_TOKEN: 'unset it to refuse every scrape of /metrics, or give at least 16 characters',
  BEACON_AUTH_JWT_SECRET: "unset it to run standalone (or with BEACON_AUTH_JWKS_URL), or give the site's HS256 secret, at least 16 characters",
  BEACON_AUTH_JWKS_URL: "unset it to run standalone (or with BEACON_AUTH_JWT_SECRET), or give the site's JWKS URL",
  BEACON_AUTH_JWT_PREVIOUS_SECRET: 'unset it once no token signed with the previous secret is left, or give that secret, at least 16 characters',
  BEACON_VAPID_PUBLIC_KEY: 'unset both VAPID keys to have a pair generated and kept in the database, or give both',
  BEACON_VAPID_PRIVATE_KEY: 'unset both VAPID keys to have a pair generated and kept in the database, or give both',
};

/** `optional` for a key or token: unset is null, but set and blank is refused (UNSET_MEANS). */
function key(env: Env, name: string): string | null {
  const v = env[name];
  if (v !== undefined && v.trim() === '') throw new ConfigError(name, `set but empty; ${UNSET_MEANS[name] ?? 'unset it, or give a value'}`);
  return v ?? null;
}

function secret(env: Env, name: string): string | null {
  const v = key(env, name);
  if (v === null) return null;
  // Taken byte for byte (a host signs with it; tokens were issued with it), but the spaces and
  // line breaks around it (a secret read from a file ends with one) are no key material.
  if (v.trim().length < 16) throw new ConfigError(name, 'must be at least 16 characters, not counting spaces or line breaks at its start or end');
  return v;
}

/**
 * A token clients send in a header: the spaces and line breaks around it (a secret read from a
 * file ends with one) are dropped, as no header can carry them and Prometheus trims its
 * credentials file; kept, no request could ever match.
 */
function headerToken(env: Env, name: string): string | null {
  return secret(env, name)?.trim() ?? null;
}

function prefix(env: Env): string {
  const v = str(env, 'BEACON_REDIS_PREFIX', 'beacon');
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(v)) throw new ConfigError('BEACON_REDIS_PREFIX', `expected 1-32 letters, digits, _ . or -, got "${v}"`);
  return v;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function logLevel(env: Env): Config['logLevel'] {
  const v = str(env, 'BEACON_LOG_LEVEL', 'info');
  const found = LOG_LEVELS.find((l) => l === v);
  if (!found) throw new ConfigError('BEACON_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${v}"`);
  return found;
}

function logFormat(env: Env): Config['logFormat'] {
  const v = str(env, 'BEACON_LOG_FORMAT', 'auto');
  if (v === 'auto' || v === 'json' || v === 'pretty') return v;
  throw new ConfigError('BEACON_LOG_FORMAT', `expected auto, json or pretty, got "${v}"`);
}

/**
 * What is wrong with `o` as an origin (scheme and host, as a browser's `Origin` header says it),
 * or null: a trailing slash or a path (a URL copied from the address bar) is named as such.
 */
function originProblem(o: string): string | null {
  const url = /^(https?:\/\/[^/]+)(\/.*)?$/.exec(o);
  if (!url) return `"${o}" is not an origin like https://example.com`;
  if (url[2] === '/') return `"${o}" must not end with a slash: write ${url[1]}`;
  if (url[2] !== undefined) return `"${o}" has a path: an origin is the scheme and host only, such as ${url[1]}`;
  return null;
}

function origins(env: Env): string[] | null {
  const values = list(env, 'BEACON_ALLOWED_ORIGINS');
  if (values.length === 0) return null;
  for (const o of values) {
    const problem = o === '*' ? null : originProblem(o);
    if (problem) throw new ConfigError('BEACON_ALLOWED_ORIGINS', problem);
  }
  return values.map((o) => o.toLowerCase());
}

function corsOrigins(env: Env): string[] {
  const values = list(env, 'BEACON_CORS_ORIGINS');
  for (const o of values) {
    // No wildcard: CORS here carries credentials (the bearer token), so every origin is named.
    if (o.includes('*')) throw new ConfigError('BEACON_CORS_ORIGINS', `"${o}" has a wildcard: CORS here carries the bearer token, so name each origin, such as https://example.com`);
    const problem = originProblem(o);
    if (problem) throw new ConfigError('BEACON_CORS_ORIGINS', problem);
  }
  return values.map((o) => o.toLowerCase());
}

const CLAIM = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

function claim(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback);
  if (!CLAIM.test(v)) throw new ConfigError(name, `"${v}" is not a claim name`);
  return v;
}

/** Sidecar settings that only mean something beside a secret or a JWKS. */
const HOST_AUTH_DETAILS = ['BEACON_AUTH_ISSUER', 'BEACON_AUTH_AUDIENCE', 'BEACON_AUTH_ID_CLAIM', 'BEACON_AUTH_NAME_CLAIM', 'BEACON_AUTH_ADMIN_CLAIM'];
const HOST_AUTH_SETTINGS = ['BEACON_AUTH_JWT_SECRET', 'BEACON_AUTH_JWT_PREVIOUS_SECRET', 'BEACON_AUTH_JWKS_URL', ...HOST_AUTH_DETAILS];

/**
 * Without a secret or a JWKS Beacon is standalone, with open registration: a sidecar whose key
 * setting is missing or misspelt must stop the start, not fail open. So a BEACON_AUTH_* name
 * Beacon does not know, or issuer/audience/claims set alone, are errors.
 */
function hostAuth(env: Env): HostAuthConfig | null {
  const unknown = Object.keys(env).find((name) => name.startsWith('BEACON_AUTH_') && !HOST_AUTH_SETTINGS.includes(name) && optional(env, name) !== null);
  if (unknown !== undefined) throw new ConfigError(unknown, `not a Beacon setting (misspelt?); the sidecar settings are ${HOST_AUTH_SETTINGS.join(', ')}`);
  const jwtSecret = secret(env, 'BEACON_AUTH_JWT_SECRET');
  const jwtPreviousSecret = secret(env, 'BEACON_AUTH_JWT_PREVIOUS_SECRET');
  const jwksUrl = key(env, 'BEACON_AUTH_JWKS_URL');
  // A rotation's old secret beside no new one (or beside a JWKS, which rotates by listing both keys) verifies nothing.
  if (jwtPreviousSecret !== null && jwtSecret === null) {
    const instead = jwksUrl === null ? 'set BEACON_AUTH_JWT_SECRET to the new secret too, or unset this' : 'not with BEACON_AUTH_JWKS_URL (a JWKS rotates by listing the old key beside the new one)';
    throw new ConfigError('BEACON_AUTH_JWT_PREVIOUS_SECRET', `only taken beside BEACON_AUTH_JWT_SECRET (it is the secret being rotated from): ${instead}`);
  }
  if (jwtSecret === null && jwksUrl === null) {
    const alone = HOST_AUTH_DETAILS.find((name) => optional(env, name) !== null);
    if (alone === undefined) return null;
    throw new ConfigError(
      'BEACON_AUTH_JWT_SECRET',
      `missing: ${alone} is set, so this is sidecar mode, which needs BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWKS_URL to verify the site's tokens (unset ${alone} to run standalone)`,
    );
  }
  if (jwtSecret !== null && jwksUrl !== null) throw new ConfigError('BEACON_AUTH_JWKS_URL', 'set either BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWKS_URL, not both');
  if (jwksUrl !== null && !/^https?:\/\/.+/.test(jwksUrl)) throw new ConfigError('BEACON_AUTH_JWKS_URL', `expected an http(s) URL, got "${shown(jwksUrl)}"`);
  const admin = optional(env, 'BEACON_AUTH_ADMIN_CLAIM');
  return Object.freeze({
    jwtSecret,
    jwtPreviousSecret,
    jwksUrl,
    issuer: optional(env, 'BEACON_AUTH_ISSUER'),
    audience: optional(env, 'BEACON_AUTH_AUDIENCE'),
    idClaim: claim(env, 'BEACON_AUTH_ID_CLAIM', 'sub'),
    nameClaim: claim(env, 'BEACON_AUTH_NAME_CLAIM', 'name'),
    adminClaim: admin === null ? null : claim(env, 'BEACON_AUTH_ADMIN_CLAIM', admin),
  });
}

/**
 * BEACON_WEB_ROOT: `dist/web` by default, off in sidecar mode. The web app is standalone
 * Beacon's, with its own accounts and login, which a sidecar does not have: one set beside the
 * sidecar settings (a shared env file, say) is kept here and ignored by serveWeb (app.ts) with
 * a warning, rather than stopping the start.
 */
function webRoot(env: Env, sidecar: boolean): string | null {
  const v = str(env, 'BEACON_WEB_ROOT', sidecar ? 'off' : 'dist/web');
  return v === 'off' ? null : v;
}

function trustProxy(env: Env): boolean | string[] {
  const raw = str(env, 'BEACON_TRUST_PROXY', 'off').trim();
  if (['off', 'false', '0', 'no'].includes(raw.toLowerCase())) return false;
  if (['on', 'true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of list) {
    const valid = a.includes('/') ? isCidr(a) : ipaddr.IPv4.isValidFourPartDecimal(a) || ipaddr.IPv6.isValid(a);
    if (!valid) throw new ConfigError('BEACON_TRUST_PROXY', `"${a}" is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)`);
  }
  return list;
}

/** A CIDR range as Fastify's proxy-addr takes it: a prefix of at least 1 (it refuses /0, "trust everyone": say `on`). */
function isCidr(range: string): boolean {
  try {
    return ipaddr.parseCIDR(range)[1] >= 1;
  } catch {
    return false;
  }
}

function host(env: Env): string {
  const v = str(env, 'BEACON_HOST', '127.0.0.1');
  if (v.trim() !== v || v === '') throw new ConfigError('BEACON_HOST', `expected an address or host name to listen on, without spaces, got "${v}"`);
  return v;
}

function vapid(env: Env): Config['vapid'] {
  const pub = key(env, 'BEACON_VAPID_PUBLIC_KEY');
  const priv = key(env, 'BEACON_VAPID_PRIVATE_KEY');
  if (pub === null && priv === null) return null;
  if (pub === null || !/^[A-Za-z0-9_-]{86,88}$/.test(pub)) throw new ConfigError('BEACON_VAPID_PUBLIC_KEY', 'expected a base64url P-256 public key (set both VAPID keys, or neither)');
  if (priv === null || !/^[A-Za-z0-9_-]{42,44}$/.test(priv)) throw new ConfigError('BEACON_VAPID_PRIVATE_KEY', 'expected a base64url P-256 private key (set both VAPID keys, or neither)');
  return { publicKey: pub, privateKey: priv };
}

function vapidSubject(env: Env): string {
  const v = str(env, 'BEACON_VAPID_SUBJECT', 'mailto:beacon@example.invalid');
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s/]+.*)$/.test(v)) throw new ConfigError('BEACON_VAPID_SUBJECT', `expected mailto:you@example.com or an https: URL, got "${v}"`);
  return v;
}

const HOUR = 3_600_000;

/** Reads and checks every setting; throws ConfigError naming the first bad variable. */
/** Every setting Beacon reads (README's table lists each); a BEACON_* name not here is no setting. */
export const SETTINGS: ReadonlySet<string> = new Set([
  'BEACON_ADMINS',
  'BEACON_ALLOWED_ORIGINS',
  'BEACON_AUTH_ADMIN_CLAIM',
  'BEACON_AUTH_AUDIENCE',
  'BEACON_AUTH_ID_CLAIM',
  'BEACON_AUTH_ISSUER',
  'BEACON_AUTH_JWKS_URL',
  'BEACON_AUTH_JWT_PREVIOUS_SECRET',
  'BEACON_AUTH_JWT_SECRET',
  'BEACON_AUTH_NAME_CLAIM',
  'BEACON_BATCH_BURST',
  'BEACON_BATCH_WINDOW_MS',
  'BEACON_CALENDAR_ALLOW_LOCAL',
  'BEACON_CALENDAR_REFRESH_MS',
  'BEACON_CORS_ORIGINS',
  'BEACON_DATABASE_TIMEOUT_MS',
  'BEACON_DATABASE_URL',
  'BEACON_FRIEND_LIST_TTL_MS',
  'BEACON_GRACE_STRETCH',
  'BEACON_HEARTBEAT_INTERVAL_MS',
  'BEACON_HISTORY_RETENTION_DAYS',
  'BEACON_HOST',
  'BEACON_HTTP_CONNECTIONS_PER_ADDRESS',
  'BEACON_HTTP_IDLE_TIMEOUT_MS',
  'BEACON_IDLE_PROBE_TIMEOUT_MS',
  'BEACON_IDLE_TIMEOUT_MS',
  'BEACON_JWT_SECRET',
  'BEACON_LOG_FORMAT',
  'BEACON_LOG_LEVEL',
  'BEACON_MAX_GAME_MS',
  'BEACON_METRICS_TOKEN',
  'BEACON_OFFLINE_GRACE_MS',
  'BEACON_PERSIST_INTERVAL_MS',
  'BEACON_POLL_SESSION_TTL_MS',
  'BEACON_PORT',
  'BEACON_PUSH_ALLOW_LOCAL',
  'BEACON_PUSH_CONCURRENCY',
  'BEACON_PUSH_TIMEOUT_MS',
  'BEACON_RATE_LIMITS',
  'BEACON_REDIS_MODE',
  'BEACON_REDIS_PREFIX',
  'BEACON_REDIS_URL',
  'BEACON_REPLICA_LINGER_MS',
  'BEACON_SERVICE_TOKEN',
  'BEACON_SHUTDOWN_TIMEOUT_MS',
  'BEACON_TOKEN_TTL_S',
  'BEACON_TRUST_PROXY',
  'BEACON_VAPID_PRIVATE_KEY',
  'BEACON_VAPID_PUBLIC_KEY',
  'BEACON_VAPID_SUBJECT',
  'BEACON_WEB_ROOT',
  'BEACON_WS_BUFFER_BUDGET_BYTES',
  'BEACON_WS_COMPRESSION',
  'BEACON_WS_MAX_SOCKETS',
  'BEACON_WS_PENDING_PER_ADDRESS',
  'BEACON_WS_SOCKETS_PER_ADDRESS',
]);

/** BEACON_* variables of Beacon's own tools and tests, which the server does not read. */
const TOOL_VARIABLES: ReadonlySet<string> = new Set(['BEACON_CHROMIUM', 'BEACON_TEST_DIALECTS', 'BEACON_TEST_PG_URL', 'BEACON_TEST_REDIS_URL', 'BEACON_TEST_FRAME_DELAY_MS', 'BEACON_FUZZ_RUNS', 'BEACON_PROPERTY_WORLDS', 'BEACON_CHECK_FRESH_INSTALL']);

/**
 * The BEACON_* variables set that are no setting, each with the setting it most likely meant
 * (null when none is close): a misspelt name would otherwise leave its setting at its default
 * without a word (BEACON_RATE_LIMIT=off, say). BEACON_AUTH_* names are refused outright.
 */
export function unknownSettings(env: Env = process.env): Array<{ name: string; meant: string | null }> {
  return Object.keys(env)
    .filter((name) => name.startsWith('BEACON_') && !SETTINGS.has(name) && !TOOL_VARIABLES.has(name))
    .sort()
    .map((name) => ({ name, meant: closest(name, SETTINGS) }));
}

/** The name of `known` within a few edits of `name` (Levenshtein distance ≤ 3), the closest first. */
export function closest(name: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = 4;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Standalone Beacon's HTTP idle timeout (BEACON_HTTP_IDLE_TIMEOUT_MS) closes a connection with
 * nothing read or written for that long, a request still waiting for PostgreSQL included: no
 * answer, no `request completed` line. Such a request waits up to BEACON_DATABASE_TIMEOUT_MS for
 * a connection of the pool (one behind a user's lock: for its turn, a connection and its locks
 * together, db/user-locks.ts heldThen) and as long again for its query before it fails with 503, so the
 * database timeout must stay below half the idle timeout (the defaults: 10 s and 30 s). Refused
 * otherwise, naming both. SQLite has no such bound; nor does the plugin, embedded in a host's
 * server with the host's timeouts (config-options.ts checks buildApp's config, not the plugin's).
 */
export function checkRequestBounds(config: Pick<Config, 'databaseUrl' | 'databaseTimeoutMs' | 'httpIdleTimeoutMs'>): void {
  const { databaseTimeoutMs: db, httpIdleTimeoutMs: idle } = config;
  if (!config.databaseUrl.startsWith('postgres') || db * 2 < idle) return;
  throw new ConfigError(
    'BEACON_DATABASE_TIMEOUT_MS',
    `${db} ms is not below half of BEACON_HTTP_IDLE_TIMEOUT_MS (${idle} ms): a request on a database that stopped answering waits up to that long for a connection and as long again for its query, and the HTTP idle timeout would close its connection first, with no answer instead of 503; set BEACON_DATABASE_TIMEOUT_MS below ${Math.ceil(idle / 2)} or BEACON_HTTP_IDLE_TIMEOUT_MS above ${db * 2}`,
  );
}

/**
 * loadConfig for a process's entry point (the server, the admin CLI): a bad setting is the
 * operator's to fix, so it prints its one-line message and exits 2, with no stack trace.
 * The server's settings are checked against each other too (checkRequestBounds); the admin
 * CLI (`serves: false`) has no HTTP server, and an emergency `reset-password` must not wait for
 * the deployment to fix a bound only the server needs.
 */
export function loadConfigOrExit(env: Env = process.env, opts: { serves?: boolean } = {}): Readonly<Config> {
  try {
    const config = loadConfig(env);
    if (opts.serves ?? true) checkRequestBounds(config);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`beacon: ${err.message}`);
    process.exit(2);
  }
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const mode = redisMode(env);
  const auth = hostAuth(env);
  return Object.freeze({
    port: int(env, 'BEACON_PORT', 3000, 0, 65535),
    host: host(env),
    databaseUrl: databaseUrl(env),
    databaseTimeoutMs: int(env, 'BEACON_DATABASE_TIMEOUT_MS', 10_000, 100, HOUR),
    redisUrl: redisUrl(env, mode),
    redisMode: mode,
    redisPrefix: prefix(env),
    jwtSecret: secret(env, 'BEACON_JWT_SECRET'),
    serviceToken: headerToken(env, 'BEACON_SERVICE_TOKEN'),
    admins: Object.freeze(list(env, 'BEACON_ADMINS').map((u) => u.toLowerCase())),
    tokenTtlS: int(env, 'BEACON_TOKEN_TTL_S', 604_800, 60, 31_536_000),
    rateLimits: flag(env, 'BEACON_RATE_LIMITS', true),
    allowedOrigins: origins(env),
    trustProxy: trustProxy(env),
    heartbeatIntervalMs: int(env, 'BEACON_HEARTBEAT_INTERVAL_MS', 25_000, 100, HOUR),
    offlineGraceMs: int(env, 'BEACON_OFFLINE_GRACE_MS', 10_000, 0, HOUR),
    graceStretch: int(env, 'BEACON_GRACE_STRETCH', 3, 1, 10),
    idleTimeoutMs: int(env, 'BEACON_IDLE_TIMEOUT_MS', 300_000, 100, 24 * HOUR),
    idleProbeTimeoutMs: int(env, 'BEACON_IDLE_PROBE_TIMEOUT_MS', 60_000, 100, HOUR),
    pollSessionTtlMs: int(env, 'BEACON_POLL_SESSION_TTL_MS', 60_000, 100, HOUR),
    maxGameMs: int(env, 'BEACON_MAX_GAME_MS', 3 * HOUR, 1000, 7 * 24 * HOUR),
    historyRetentionDays: int(env, 'BEACON_HISTORY_RETENTION_DAYS', 90, 1, 3650),
    calendarRefreshMs: int(env, 'BEACON_CALENDAR_REFRESH_MS', 15 * 60_000, 10_000, 24 * HOUR),
    calendarAllowLocal: flag(env, 'BEACON_CALENDAR_ALLOW_LOCAL', false),
    vapid: vapid(env),
    vapidSubject: vapidSubject(env),
    pushAllowLocal: flag(env, 'BEACON_PUSH_ALLOW_LOCAL', false),
    pushConcurrency: int(env, 'BEACON_PUSH_CONCURRENCY', 8, 1, 256),
    pushTimeoutMs: int(env, 'BEACON_PUSH_TIMEOUT_MS', 10_000, 100, 60_000),
    batchWindowMs: int(env, 'BEACON_BATCH_WINDOW_MS', 5, 0, 1000),
    batchBurstFrames: int(env, 'BEACON_BATCH_BURST', 4, 1, 1000),
    persistIntervalMs: int(env, 'BEACON_PERSIST_INTERVAL_MS', 1000, 10, HOUR),
    replicaLingerMs: int(env, 'BEACON_REPLICA_LINGER_MS', 30_000, 1000, HOUR),
    friendListTtlMs: int(env, 'BEACON_FRIEND_LIST_TTL_MS', 5 * 60_000, 1000, 24 * HOUR),
    wsCompression: flag(env, 'BEACON_WS_COMPRESSION', false),
    wsPendingPerAddress: int(env, 'BEACON_WS_PENDING_PER_ADDRESS', 256, 1, 1_000_000),
    wsSocketsPerAddress: int(env, 'BEACON_WS_SOCKETS_PER_ADDRESS', 2000, 1, 10_000_000),
    wsMaxSockets: optional(env, 'BEACON_WS_MAX_SOCKETS') === null ? null : int(env, 'BEACON_WS_MAX_SOCKETS', 0, 1, 10_000_000),
    wsBufferBudgetBytes: optional(env, 'BEACON_WS_BUFFER_BUDGET_BYTES') === null ? null : int(env, 'BEACON_WS_BUFFER_BUDGET_BYTES', 0, 64 * 1024, 2 ** 40),
    httpConnectionsPerAddress: int(env, 'BEACON_HTTP_CONNECTIONS_PER_ADDRESS', 1000, 1, 1_000_000),
    httpIdleTimeoutMs: int(env, 'BEACON_HTTP_IDLE_TIMEOUT_MS', 30_000, 100, HOUR),
    webRoot: webRoot(env, auth !== null),
    logLevel: logLevel(env),
    logFormat: logFormat(env),
    metricsToken: headerToken(env, 'BEACON_METRICS_TOKEN'),
    shutdownTimeoutMs: int(env, 'BEACON_SHUTDOWN_TIMEOUT_MS', 10_000, 100, HOUR),
    corsOrigins: Object.freeze(corsOrigins(env)),
    hostAuth: auth,
  });
}
