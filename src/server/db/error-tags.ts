/**
 * Which errors PostgreSQL (or the way to it) gave Beacon, as database.ts marks them: a query's,
 * or getting a connection's. Apart from database.ts so that errors.ts can ask too.
 */

const FROM_POSTGRES = new WeakSet<object>();
/** Of those, the ones of getting a connection: the server unreachable, refusing TLS or the login. */
const CONNECTING = new WeakSet<object>();

/** Whether `err` came from PostgreSQL or the connection to it (not from Beacon's code around a query). */
export const fromPostgres = (err: unknown): boolean => typeof err === 'object' && err !== null && FROM_POSTGRES.has(err);
/** Whether `err` is a failure to get a connection to PostgreSQL. */
export const failedToConnect = (err: unknown): boolean => typeof err === 'object' && err !== null && CONNECTING.has(err);

/** Marks `err` as PostgreSQL's (`connecting`: getting a connection failed); returns it. */
export function tagged(err: unknown, connecting: boolean): unknown {
  if (typeof err === 'object' && err !== null) {
    FROM_POSTGRES.add(err);
    if (connecting) CONNECTING.add(err);
  }
  return err;
}
