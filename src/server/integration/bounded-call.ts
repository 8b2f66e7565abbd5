/**
 * A bound on each call Beacon makes to an embedding host's ports (identity, friends, profiles):
 * a host database that hangs must not hold Beacon's sockets and requests without end, silently.
 */

/**
 * How long one call to a host port may take: past it Beacon stops waiting (the call's late answer
 * is dropped). The socket's own auth check has the same bound (gateway.ts), so a socket waiting
 * for its `ready` hears why within the client's connect timeout (10 s).
 */
export const HOST_PORT_TIMEOUT_MS = 5000;

/** A host port's call took past its bound. */
export class PortTimeout extends Error {}

/** `call()`'s answer; rejects as it does (a throw included), or with a PortTimeout once it took past `ms`. */
export async function bounded<T>(call: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PortTimeout(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(call), late]);
  } finally {
    clearTimeout(timer);
  }
}
