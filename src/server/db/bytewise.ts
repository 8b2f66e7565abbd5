/** A text column compared and ordered byte by byte, on either dialect. */
import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';

/**
 * `column` in byte order: SQLite compares text so already (BINARY, its default collation);
 * PostgreSQL by the database's collation unless told `COLLATE "C"`. A prefix range
 * (`>= p AND < p || '\uffff'`) holds exactly the ASCII strings that start with p only in byte
 * order: a linguistic one (en_US) sorts "a_c" between "ab" and "ad". An index serves the range
 * only if it is of the same collation (on PostgreSQL, migration 023's for username_lower).
 */
export function bytewise(db: Db, column: 'username_lower'): RawBuilder<string> {
  return db.getExecutor().adapter instanceof PostgresAdapter ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
}
