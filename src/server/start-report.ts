/**
 * What a start did, in the log: which database (created now or opened, migrations applied),
 * whether a secret was generated, and how instances share state. A mistyped SQLite path starts
 * on a new empty database; "database created" with its full path is what tells the operator.
 */
import { resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { shown, type Config } from './config.js';
import { variableName, type SettingName } from './config-options.js';

export interface StartFacts {
  /** Migrations applied by this start, in order (empty: the schema was up to date). */
  migrations: readonly string[];
  /** Whether this start generated the token-signing secret (none was set or stored). */
  generatedJwtSecret: boolean;
  /** Its fingerprint (auth/secret-fingerprint.ts): instances that show the same one sign alike. */
  jwtSecretFingerprint?: string;
  /** Sidecar with HS256: those of BEACON_AUTH_JWT_SECRET, then BEACON_AUTH_JWT_PREVIOUS_SECRET (hostSecretFingerprints). */
  authJwtSecretFingerprints?: readonly string[];
}

/** The database as the log names it: a SQLite file by its absolute path, a server URL without credentials. */
export function databaseName(url: string): string {
  if (!url.startsWith('sqlite:')) return shown(url);
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? 'sqlite::memory:' : `sqlite:${resolve(path)}`;
}

/** `name`: how the lines name a setting (the plugin's option in plugin mode, config-options.ts). */
export function reportStart(log: FastifyBaseLogger, config: Readonly<Config>, facts: StartFacts, name: SettingName = variableName): void {
  const database = databaseName(config.databaseUrl);
  const { migrations } = facts;
  // The first migration applied now: the database had no schema, so it is new (or was empty).
  if (migrations.includes('001-initial')) log.info({ database, migrations: migrations.length }, `database created: ${database}`);
  else if (migrations.length > 0) log.info({ database, migrations }, `database opened and migrated: ${database} (${migrations.join(', ')})`);
  else log.info({ database }, `database opened: ${database}`);
  if (facts.generatedJwtSecret) log.info(`generated a token-signing secret and stored it in the database (${name('BEACON_JWT_SECRET')} is unset); keep the database private`);
  if (config.redisUrl) {
    // The fingerprints let an operator compare instances' secrets by eye (never the secrets).
    const [current, previous] = facts.authJwtSecretFingerprints ?? [];
    const host = { auth_jwt_secret_fingerprint: current, auth_jwt_previous_secret_fingerprint: previous };
    log.info({ redis: shown(config.redisUrl), mode: config.redisMode, prefix: config.redisPrefix, jwt_secret_fingerprint: facts.jwtSecretFingerprint, ...host }, `sharing state with other instances over Redis${config.redisMode === 'cluster' ? ' Cluster' : ''}: ${shown(config.redisUrl)}, keys under "${config.redisPrefix}:"`);
  } else {
    log.info(`no ${name('BEACON_REDIS_URL')}: this instance runs alone (presence and events in memory)`);
  }
}
