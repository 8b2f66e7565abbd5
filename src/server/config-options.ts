/**
 * The plugin's `config` option (plugin.ts) and buildApp's config (app.ts): settings as `Config` fields, checked by
 * loadConfig's own rules — one path, not a copy. Each field is written as the BEACON_*
 * variable it stands for and read back by loadConfig, so a field takes exactly what its
 * variable takes (and is normalised alike: a token trimmed, origins lower-cased), and a refusal
 * is loadConfig's message naming the option instead (`Invalid config.serviceToken: must be at
 * least 16 characters…`). Fields left out take their defaults, not the environment.
 */
import type { FastifyBaseLogger } from 'fastify';
import { checkRequestBounds, closest, ConfigError, loadConfig, type Config, type Env } from './config.js';

/** How a field is written as its variable: as text; null as unset (a nullable field: left out); a boolean as on/off; a list comma-joined. */
type Kind = 'text' | 'nullable' | 'flag' | 'list' | 'trustProxy' | 'webRoot';
/** A field holding an object (`vapid`, `hostAuth`): each of its fields is its own variable, null or left out as unset. */
type Fields = { readonly [field: string]: string };

/** Every Config field and the variable(s) it stands for: a field added to Config must be added here (the type says so). */
const OPTIONS: { readonly [K in keyof Config]-?: readonly [variable: string, kind: Kind] | Fields } = {
  port: ['BEACON_PORT', 'text'],
  host: ['BEACON_HOST', 'text'],
  databaseUrl: ['BEACON_DATABASE_URL', 'text'],
  databaseTimeoutMs: ['BEACON_DATABASE_TIMEOUT_MS', 'text'],
  redisUrl: ['BEACON_REDIS_URL', 'nullable'],
  redisMode: ['BEACON_REDIS_MODE', 'text'],
  redisPrefix: ['BEACON_REDIS_PREFIX', 'text'],
  jwtSecret: ['BEACON_JWT_SECRET', 'nullable'],
  serviceToken: ['BEACON_SERVICE_TOKEN', 'nullable'],
  admins: ['BEACON_ADMINS', 'list'],
  tokenTtlS: ['BEACON_TOKEN_TTL_S', 'text'],
  rateLimits: ['BEACON_RATE_LIMITS', 'flag'],
  trustProxy: ['BEACON_TRUST_PROXY', 'trustProxy'],
  allowedOrigins: ['BEACON_ALLOWED_ORIGINS', 'list'],
  heartbeatIntervalMs: ['BEACON_HEARTBEAT_INTERVAL_MS', 'text'],
  offlineGraceMs: ['BEACON_OFFLINE_GRACE_MS', 'text'],
  graceStretch: ['BEACON_GRACE_STRETCH', 'text'],
  idleTimeoutMs: ['BEACON_IDLE_TIMEOUT_MS', 'text'],
  idleProbeTimeoutMs: ['BEACON_IDLE_PROBE_TIMEOUT_MS', 'text'],
  pollSessionTtlMs: ['BEACON_POLL_SESSION_TTL_MS', 'text'],
  maxGameMs: ['BEACON_MAX_GAME_MS', 'text'],
  historyRetentionDays: ['BEACON_HISTORY_RETENTION_DAYS', 'text'],
  calendarRefreshMs: ['BEACON_CALENDAR_REFRESH_MS', 'text'],
  calendarAllowLocal: ['BEACON_CALENDAR_ALLOW_LOCAL', 'flag'],
  vapid: { publicKey: 'BEACON_VAPID_PUBLIC_KEY', privateKey: 'BEACON_VAPID_PRIVATE_KEY' },
  vapidSubject: ['BEACON_VAPID_SUBJECT', 'text'],
  pushAllowLocal: ['BEACON_PUSH_ALLOW_LOCAL', 'flag'],
  pushConcurrency: ['BEACON_PUSH_CONCURRENCY', 'text'],
  pushTimeoutMs: ['BEACON_PUSH_TIMEOUT_MS', 'text'],
  batchWindowMs: ['BEACON_BATCH_WINDOW_MS', 'text'],
  batchBurstFrames: ['BEACON_BATCH_BURST', 'text'],
  persistIntervalMs: ['BEACON_PERSIST_INTERVAL_MS', 'text'],
  replicaLingerMs: ['BEACON_REPLICA_LINGER_MS', 'text'],
  friendListTtlMs: ['BEACON_FRIEND_LIST_TTL_MS', 'text'],
  wsCompression: ['BEACON_WS_COMPRESSION', 'flag'],
  wsPendingPerAddress: ['BEACON_WS_PENDING_PER_ADDRESS', 'text'],
  wsSocketsPerAddress: ['BEACON_WS_SOCKETS_PER_ADDRESS', 'text'],
  wsMaxSockets: ['BEACON_WS_MAX_SOCKETS', 'nullable'],
  wsBufferBudgetBytes: ['BEACON_WS_BUFFER_BUDGET_BYTES', 'nullable'],
  httpConnectionsPerAddress: ['BEACON_HTTP_CONNECTIONS_PER_ADDRESS', 'text'],
  httpIdleTimeoutMs: ['BEACON_HTTP_IDLE_TIMEOUT_MS', 'text'],
  webRoot: ['BEACON_WEB_ROOT', 'webRoot'],
  logLevel: ['BEACON_LOG_LEVEL', 'text'],
  logFormat: ['BEACON_LOG_FORMAT', 'text'],
  metricsToken: ['BEACON_METRICS_TOKEN', 'nullable'],
  shutdownTimeoutMs: ['BEACON_SHUTDOWN_TIMEOUT_MS', 'text'],
  corsOrigins: ['BEACON_CORS_ORIGINS', 'list'],
  hostAuth: {
    jwtSecret: 'BEACON_AUTH_JWT_SECRET',
    jwtPreviousSecret: 'BEACON_AUTH_JWT_PREVIOUS_SECRET',
    jwksUrl: 'BEACON_AUTH_JWKS_URL',
    issuer: 'BEACON_AUTH_ISSUER',
    audience: 'BEACON_AUTH_AUDIENCE',
    idClaim: 'BEACON_AUTH_ID_CLAIM',
    nameClaim: 'BEACON_AUTH_NAME_CLAIM',
    adminClaim: 'BEACON_AUTH_ADMIN_CLAIM',
  },
};

/** The option path of each variable (`BEACON_SERVICE_TOKEN` → `config.serviceToken`), for messages. */
const PATH_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(OPTIONS).flatMap(([key, option]): Array<[string, string]> =>
    Array.isArray(option) ? [[option[0] as string, `config.${key}`]] : Object.entries(option as Fields).map(([field, variable]) => [variable, `config.${key}.${field}`]),
  ),
);

/**
 * How a message names a setting, given its variable: standalone Beacon's as the BEACON_* variable
 * it was started with (variableName), the plugin's as the option its host passes in code
 * (optionName: `BEACON_SERVICE_TOKEN` → `config.serviceToken`). Chosen once at the start
 * (plugin.ts); each message is written with it once, where it is made.
 */
export type SettingName = (variable: string) => string;
export const variableName: SettingName = (variable) => variable;
export const optionName: SettingName = (variable) => PATH_OF.get(variable) ?? variable;
/** The naming a caller was given, or standalone Beacon's (variableName) when it was given none. */
export const settingNameOr = (given: SettingName | undefined): SettingName => given ?? variableName;

/** The plugin's config: `options` over the defaults (no web root), checked and read as loadConfig reads variables. */
export function pluginConfig(options: Partial<Config> = {}): Readonly<Config> {
  const env: Env = { BEACON_WEB_ROOT: 'off' };
  for (const [key, value] of Object.entries(options)) {
    const option = OPTIONS[key as keyof Config] as (typeof OPTIONS)[keyof Config] | undefined;
    // Left out takes the default; a name that is no option is for unknownOptions to report.
    if (value === undefined || option === undefined) continue;
    Object.assign(env, written(`config.${key}`, option, value));
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
  } catch (err) {
    throw asOption(err);
  }
  // No variable says "no page origin at all" (empty is unset: the server's own origin); an option can.
  if (Array.isArray(options.allowedOrigins) && options.allowedOrigins.length === 0) return Object.freeze({ ...config, allowedOrigins: Object.freeze([]) });
  return config;
}

/**
 * buildApp's config, checked as the plugin option is (pluginConfig), and its timeouts against
 * each other as the server's (checkRequestBounds): a config written or changed
 * in code (`{ ...loadConfig(), offlineGraceMs: -5 }`) is refused as its variables would be, with
 * a ConfigError naming the field, instead of starting an app that misbehaves later. A field left
 * out takes its default; loadConfig's own config reads back the same. Every config is checked:
 * tests that go past the limits build the app with buildAppUnchecked (app.ts) instead.
 */
export function appConfig(config: Readonly<Config>): Readonly<Config> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError('config', `expected an object of Beacon settings (loadConfig() reads them from the environment), got ${text(config)}`);
  }
  const checked = pluginConfig(config);
  // Standalone: the HTTP server and its idle timeout are Beacon's (checkRequestBounds).
  try {
    checkRequestBounds(checked);
  } catch (err) {
    throw asOption(err);
  }
  return checked;
}

/**
 * A refusal with the variables it names written as options, for whoever set options, not
 * variables: loadConfig's (`Invalid config.serviceToken: …`), and the plugin's at its start (a
 * database that holds another mode's users, a token secret other instances do not share: `Invalid
 * config.jwtSecret: …`; a database it cannot reach: `cannot reach the database config.databaseUrl
 * names: …`). A ConfigError keeps its class, a plain Error naming a variable is made anew (the
 * original as its cause); any other error is returned as it is.
 */
export function asOption(err: unknown): unknown {
  if (err instanceof ConfigError) return new ConfigError(PATH_OF.get(err.variable) ?? err.variable, reworded(err.reason));
  if (!(err instanceof Error) || err.constructor !== Error) return err;
  const message = reworded(err.message);
  return message === err.message ? err : new Error(message, { cause: err });
}

/**
 * Config fields of Beacon's own HTTP server (buildApp, `npm start`): the plugin runs in the host's
 * server, which decides them. Each with what to set instead.
 */
const SERVER_ONLY: { readonly [K in keyof Config]?: string } = {
  port: "where Beacon answers is your site's own listen()",
  host: "where Beacon answers is your site's own listen()",
  logLevel: "Beacon logs through your Fastify's logger: set its level there",
  logFormat: "Beacon logs through your Fastify's logger: set its format there",
  webRoot: 'the plugin serves no web app',
  httpConnectionsPerAddress: "your site's HTTP server holds the connections: limit them there",
  httpIdleTimeoutMs: "your site's HTTP server holds the connections: set its timeouts there",
  trustProxy: "set your Fastify's own trustProxy option",
};

/**
 * Warns of each field of Beacon's own server given to the plugin with a value other than its
 * variable's default (one a `{ ...loadConfig() }` carries unchanged says nothing): the plugin
 * ignores it, and the caller expected it to apply (`logLevel: 'silent'` silenced nothing).
 */
export function warnServerOnlyOptions(log: FastifyBaseLogger, options: Partial<Config> | undefined, checked: Readonly<Config>): void {
  if (!options) return;
  let defaults: Readonly<Config> | null = null;
  for (const [key, instead] of Object.entries(SERVER_ONLY) as Array<[keyof Config, string]>) {
    if (options[key] === undefined) continue;
    defaults ??= loadConfig({});
    if (JSON.stringify(checked[key]) === JSON.stringify(defaults[key])) continue;
    log.warn({ option: `config.${key}` }, `config.${key} applies to Beacon's own server only (buildApp) and is ignored by the plugin: ${instead}`);
  }
}

/** Warns of each name in `options` that is no Config field, naming the one it likely meant. */
export function warnUnknownOptions(log: FastifyBaseLogger, options: object | undefined): void {
  for (const { name, meant } of unknownOptions(options)) {
    log.warn({ option: name, meant }, `${name} is not a Beacon setting and is ignored${meant ? ` (did you mean ${meant}?)` : ''}`);
  }
}

/** The names in `options` that are no Config field (misspelt?), each with the field it most likely meant. */
export function unknownOptions(options: object = {}): Array<{ name: string; meant: string | null }> {
  return Object.keys(options)
    .filter((key) => !Object.hasOwn(OPTIONS, key))
    .map((key) => {
      const meant = closest(key, Object.keys(OPTIONS));
      return { name: `config.${key}`, meant: meant === null ? null : `config.${meant}` };
    });
}

function written(path: string, option: (typeof OPTIONS)[keyof Config], value: unknown): Env {
  if (!Array.isArray(option)) {
    if (value === null) return {};
    const fields = Object.entries(option as Fields);
    if (typeof value !== 'object') throw new ConfigError(path, `expected null or an object with ${fields.map(([f]) => f).join(', ')}, got ${text(value)}`);
    const given = value as Record<string, unknown>;
    return Object.fromEntries(fields.flatMap(([field, variable]) => (given[field] === undefined || given[field] === null ? [] : [[variable, text(given[field])]])));
  }
  const [variable, kind] = option as readonly [string, Kind];
  // null is unset (a secret or token left to its default), not the variable set empty, which is refused.
  if (value === null && kind === 'nullable') return {};
  return { [variable]: asVariable(path, kind, value) };
}

/** The variable's text for a field's value (a value of the wrong type is written as it is, and loadConfig refuses it). */
function asVariable(path: string, kind: Kind, value: unknown): string {
  if (value === null && kind === 'list') return '';
  if ((value === null || value === '') && kind === 'webRoot') return 'off';
  if (typeof value === 'boolean' && (kind === 'flag' || kind === 'trustProxy')) return value ? 'on' : 'off';
  if (Array.isArray(value) && (kind === 'list' || kind === 'trustProxy')) {
    const entries = value.map(text);
    const joined = entries.find((e) => e.includes(','));
    if (joined !== undefined) throw new ConfigError(path, `give one entry per array item: "${joined}" holds a comma`);
    return entries.join(',');
  }
  return text(value);
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** loadConfig's reason with the variables it names written as options (`set BEACON_REDIS_MODE=cluster` → `set config.redisMode: 'cluster'`). */
function reworded(reason: string): string {
  return reason.replace(/\bBEACON_[A-Z_]+\b(?:=([a-z]+))?/g, (match, value: string | undefined) => {
    const path = PATH_OF.get(value === undefined ? match : match.slice(0, match.indexOf('=')));
    if (path === undefined) return match;
    return value === undefined ? path : `${path}: '${value}'`;
  });
}
