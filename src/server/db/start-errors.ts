/**
 * A database error that stops the start, said as the setting to look at: "cannot reach the
 * database BEACON_DATABASE_URL names: The server does not support SSL connections
 * (postgres://***@db.internal:5432/beacon)", not the driver's words alone. The URL is shown
 * without its user and password (stderr ends up in the logs).
 */
import { basename, dirname } from 'node:path';
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
  const unopenable = unopenableSqlite(err, url);
  if (unopenable) return unopenable;
  const sqlite = /^SQLITE_/.test(String((err as { code?: unknown }).code ?? ''));
  if (!fromPostgres(err) && !sqlite) return err;
  if (failedToConnect(err) || isDatabaseUnreachable(err) || /not queryable/.test(err.message)) {
    return new Error(`cannot reach the database BEACON_DATABASE_URL names: ${err.message} ${where}`, { cause: err });
  }
  return new Error(`the database BEACON_DATABASE_URL names refused the start: ${err.message} ${where}`, { cause: err });
}

/**
 * SQLite could not open or write the file, or make its -wal and -shm beside it (SQLITE_CANTOPEN,
 * SQLITE_READONLY): a read-only folder or file system, or another owner. Said as such, naming the
 * folder, else null: "refused the start: unable to open database file" sent operators looking at
 * the database rather than at the folder. The server's start and the admin command say it alike.
 */
export function unopenableSqlite(err: unknown, url: string): Error | null {
  if (!(err instanceof Error) || !url.startsWith('sqlite:')) return null;
  if (!/^SQLITE_(CANTOPEN|READONLY)/.test(String((err as { code?: unknown }).code ?? ''))) return null;
  const file = url.slice('sqlite:'.length);
  return new Error(
    `cannot open the SQLite file BEACON_DATABASE_URL names: ${err.message}; Beacon must be able to write ${file} and make ${basename(file)}-wal and ${basename(file)}-shm ` +
      `in its folder (${dirname(file)}): check that both are writable by this process and that the file system is not mounted read-only (${shown(url)})`,
    { cause: err },
  );
}
