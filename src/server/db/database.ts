/**
 * Opens the database named by BEACON_DATABASE_URL: SQLite (better-sqlite3, the
 * embedded default) or PostgreSQL (pg). Everything above this file is dialect-free.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, type LogEvent, type Logger } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../config.js';
import type { DatabaseSchema } from './schema.js';
import type { Checkpointer } from './checkpointer.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { cachingSqlite } from './statement-cache.js';
import { EndedTransactionSqliteDialect } from './sqlite-dialect.js';
import { tagged } from './error-tags.js';
import { ScopedPostgresDialect } from './scoped-introspector.js';
import { boundLockWaits } from './user-locks.js';

export type Db = Kysely<DatabaseSchema>;
export type Dialect = 'sqlite' | 'postgres';

/** SQLite: the write-ahead log file is cut back to this size when it restarts after a checkpoint. */
export const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/** SQLite: how long a statement waits for another process's write lock before failing SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface Database {
  db: Db;
  dialect: Dialect;
  /** The PostgreSQL schema picked with `?schema=`, or null for the default. */
  schema: string | null;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** SQLite on disk: the worker that checkpoints its write-ahead log; else null. */
  checkpointer: Checkpointer | null;
}

// BIGINT (int8) columns hold millisecond timestamps, well inside Number's safe range.
pg.types.setTypeParser(20, (v) => Number(v));

/** Told of every query: its duration, and its error when it failed (metrics). */
export type QueryObserver = (ms: number, error?: unknown) => void;

export interface OpenOptions {
  /** Told of every query (metrics). */
  observe?: QueryObserver;
  /** Told when SQLite's background checkpointer stops working (commits checkpoint on the event loop again). */
  onCheckpointerStop?: (err: Error) => void;
  /** PostgreSQL: bound on connecting and on each query (BEACON_DATABASE_TIMEOUT_MS); none when unset. */
  timeoutMs?: number;
  /** PostgreSQL: false bounds connecting only, not queries (the migrations: see migrate.ts). Default true. */
  boundQueries?: boolean;
  /**
   * SQLite: open the file as it is, changing nothing in it before it is known to be Beacon's
   * (the admin command): it must exist, and its journal mode is left alone (a Beacon database
   * is in WAL already: the server switched it at its start), with no checkpointer of its own.
   */
  asItIs?: boolean;
}

/** `sqlite:<path>`, `sqlite::memory:` or `postgres://…` (a `?schema=name` picks the search_path). */
export function openDatabase(url: string, opts: OpenOptions = {}): Database {
  const { observe } = opts;
  const log = observe ? (e: LogEvent) => observe(e.queryDurationMillis, e.level === 'error' ? e.error : undefined) : undefined;
  return url.startsWith('sqlite:')
    ? openSqlite(url.slice('sqlite:'.length), log, opts.onCheckpointerStop, opts.asItIs ?? false)
    : openPostgres(url, log, observe, opts.timeoutMs, opts.boundQueries ?? true);
}

function openSqlite(path: string, log: Logger | undefined, onCheckpointerStop: ((err: Error) => void) | undefined, asItIs: boolean): Database {
  const onDisk = path !== ':memory:';
  if (onDisk && !asItIs) createPrivately(path);
  const conn = new SQLite(path, { fileMustExist: asItIs });
  try {
    // Written into the file (its header): never into one that may not be Beacon's.
    if (!asItIs) conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
    conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // The log file keeps the size of its largest burst (a migration, a mass reconnect) unless told otherwise.
    conn.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  } catch (err) {
    // A file that is no database (SQLITE_NOTADB) fails here, at its first read.
    conn.close();
    throw err;
  }
  // Checkpoints run in a worker, not in the commits of the event loop (sqlite-checkpointer.ts).
  const checkpointer: Checkpointer | null = onDisk && !asItIs ? startCheckpointer(conn, path, onCheckpointerStop ? { onStop: onCheckpointerStop } : {}) : null;
  const db = new Kysely<DatabaseSchema>({ dialect: new EndedTransactionSqliteDialect({ database: cachingSqlite(conn) }, conn), ...(log ? { log } : {}) });
  return wrap(db, 'sqlite', null, checkpointer);
}

/**
 * The database holds the token-signing secret, live session ids, password hashes and the push
 * keys: what it takes to act as any user. A new file and the folders made for it are for the
 * server's own account only (0600, 0700); SQLite gives its -wal and -shm files the database
 * file's mode. An existing file keeps the mode it has (docs/operations.md).
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'a': created if missing, never truncated; the mode applies only to a new file.
  closeSync(openSync(path, 'a', 0o600));
}

export { failedToConnect, fromPostgres } from './error-tags.js';

/** pg's error for a query past `query_timeout`: the query may still be running on the connection. */
const QUERY_TIMEOUT = 'Query read timeout';

function openPostgres(url: string, log: Logger | undefined, observe: QueryObserver | undefined, connectMs: number | undefined, boundQueries: boolean): Database {
  const timeoutMs = boundQueries ? connectMs : undefined;
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new ConfigError('BEACON_DATABASE_URL', `?schema= must be a lower-case identifier (a-z, 0-9 and _, not starting with a digit), got "${schema}"`);
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    // Without bounds a partition or a hung server (connections open, nothing answering) hangs
    // every request and the write-behind forever, with no error to see.
    ...(connectMs ? { connectionTimeoutMillis: connectMs } : {}),
    ...(timeoutMs ? { query_timeout: timeoutMs } : {}),
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may a checked-out one: pg emits 'error' on a client whose connection drops while no
  // query of it is running (a transaction between two statements), and pg-pool listens only
  // on idle clients. The client is then unqueryable: its next query fails (the transaction
  // rolls back with an error) and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // A query past the bound may still hold the connection, and the pool would hand it out
    // again with every later query queued behind it: drop the connection, and end the client,
    // which marks it ending at once, so the pool discards it on release (the drop alone is
    // noticed a moment later, after the release: the pool handed the dead client to the next
    // query). Every failure is marked as PostgreSQL's.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        return result.catch((err: unknown) => {
          if (timeoutMs && err instanceof Error && err.message === QUERY_TIMEOUT) {
            client.end().catch(() => {});
            (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
          }
          throw tagged(err, false);
        });
      }
      return result;
    }) as typeof client.query;
  });
  // Kysely logs a query that failed on its connection, not one that never got a connection
  // (PostgreSQL down or unreachable: every query fails so): count those as failed queries too.
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  pool.connect = (async () => {
    const t0 = performance.now();
    try {
      return await connect();
    } catch (err) {
      observe?.(performance.now() - t0, err);
      throw tagged(err, true);
    }
  }) as typeof pool.connect;
  const db = new Kysely<DatabaseSchema>({ dialect: new ScopedPostgresDialect({ pool }), ...(log ? { log } : {}) });
  // A request waiting for a user's lock behind one stuck on a hung server is bounded alike (db/user-locks.ts heldThen).
  if (timeoutMs) boundLockWaits(db, timeoutMs);
  return wrap(db, 'postgres', schema);
}

function wrap(db: Db, dialect: Dialect, schema: string | null, checkpointer: Checkpointer | null = null): Database {
  return {
    db,
    dialect,
    schema,
    checkpointer,
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      // A database that stops answering must not hang /readyz.
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      const ok = await Promise.race([query, timeout]);
      clearTimeout(timer);
      return ok;
    },
    async close() {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}
