/**
 * A database error that stops the start, said as the setting to look at: "cannot reach the
 * database BEACON_DATABASE_URL names: The server does not support SSL connections
 * (postgres://***@db.internal:5432/beacon)", not the driver's words alone. The URL is shown
 * without its user and password (stderr ends up in the logs).
 */
import { shown } from '../config.js';
import { isDatabaseUnreachable } from '../errors.js';
import { failedToConnect, fromPostgres } from './database.js';

/** `err` reworded to name BEACON_DATABASE_URL when the database gave it (else `err` as it is). */
export function namingTheDatabase(err: unknown, url: string): unknown {
  if (!(err instanceof Error)) return err;
  const where = `(${shown(url)})`;
  // The SQLite file's folder or the file itself cannot be made or opened (EACCES, ENOTDIR, EROFS…).
  if (url.startsWith('sqlite:') && typeof (err as { syscall?: unknown }).syscall === 'string') {
    return new Error(`cannot open the SQLite file BEACON_DATABASE_URL names: ${err.message} ${where}`, { cause: err });
  }
  const sqlite = /^SQLITE_/.test(String((err as { code?: unknown }).code ?? ''));
  if (!fromPostgres(err) && !sqlite) return err;
  if (failedToConnect(err) || isDatabaseUnreachable(err) || /not queryable/.test(err.message)) {
    return new Error(`cannot reach the database BEACON_DATABASE_URL names: ${err.message} ${where}`, { cause: err });
  }
  return new Error(`the database BEACON_DATABASE_URL names refused the start: ${err.message} ${where}`, { cause: err });
}
