/**
 * Prepared statements of better-sqlite3, reused by SQL text. Kysely's SQLite driver calls
 * `prepare(sql)` for every query; parsing and planning the same handful of hot queries
 * (the session check on each socket, a viewer's friends, ...) again and again was a large
 * part of the cost of a connect. The cache is bounded (least recently used goes first) and
 * skips very long SQL, so multi-row writes with many variants cannot fill memory.
 * SQLite re-prepares a cached statement by itself if the schema changes under it.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export interface StatementCacheOptions {
  /** Statements kept at most. */
  max?: number;
  /** SQL longer than this is prepared each time, never kept. */
  maxSqlLength?: number;
}

export interface CachingSqlite extends SqliteDatabase {
  /** Statements held now (tests). */
  readonly size: number;
}

export function cachingSqlite(conn: SQLite.Database, opts: StatementCacheOptions = {}): CachingSqlite {
  const max = opts.max ?? 128;
  const maxSqlLength = opts.maxSqlLength ?? 2000;
  const cache = new Map<string, SQLite.Statement>();
  return {
    get size() {
      return cache.size;
    },
    prepare(sql: string) {
      if (sql.length > maxSqlLength) return conn.prepare(sql);
      let stmt = cache.get(sql);
      if (stmt) {
        // Map order is insertion order: move it to the back, the most recently used end.
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt;
      }
      stmt = conn.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return stmt;
    },
    close() {
      cache.clear();
      conn.close();
    },
  };
}
