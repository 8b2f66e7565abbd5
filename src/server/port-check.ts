/**
 * Whether this process can listen where it is told to, asked before anything else is touched.
 * A second start on a port already in use (the same server started twice, on the same
 * database) used to migrate, take the running instance's stop record and write its connected
 * users offline, and only then fail to listen.
 */
import { createServer } from 'node:net';

/** Resolves when `host:port` can be listened on now; rejects with a message saying why not. */
export async function assertCanListen(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is in use (is Beacon already running there?)'
          : err.code === 'EACCES'
            ? 'needs privileges this process does not have'
            : `cannot be listened on (${err.code ?? err.message})`;
      reject(new Error(`BEACON_PORT ${port} on BEACON_HOST ${host} ${why}; nothing was started or changed`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
