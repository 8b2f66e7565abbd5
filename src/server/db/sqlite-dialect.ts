/**
 * Kysely's SQLite dialect, but a transaction SQLite has already ended is not rolled back again.
 *
 * On some errors (SQLITE_FULL: the disk or `max_page_count` full; SQLITE_IOERR, SQLITE_NOMEM)
 * SQLite rolls the whole transaction back itself. Kysely's `transaction().execute()` then sends
 * `rollback`, which fails with "cannot rollback - no transaction is active", and that error
 * replaced the one that mattered: with the data disk full every write answered 500 and logged
 * "cannot rollback", and a start said `refused the start: cannot rollback - no transaction is
 * active`, never that the disk was full. The rollback is skipped when the connection is in no
 * transaction (better-sqlite3's `inTransaction`), so the caller gets SQLite's own error.
 */
import { SqliteDialect, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/** What the dialect asks of the connection: whether a transaction is open on it. */
export interface TransactionState {
  readonly inTransaction: boolean;
}

export class EndedTransactionSqliteDialect extends SqliteDialect {
  readonly #conn: TransactionState;

  constructor(config: SqliteDialectConfig, conn: TransactionState) {
    super(config);
    this.#conn = conn;
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const conn = this.#conn;
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection: DatabaseConnection) => {
      // Ended by SQLite along with the statement that failed: nothing left to roll back.
      if (!conn.inTransaction) return;
      await rollback(connection);
    };
    return driver;
  }
}
