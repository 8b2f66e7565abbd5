/**
 * A TCP port free on 127.0.0.1 right now (for a server a test starts: a Beacon, a redis-server).
 *
 * Not `listen(0)` then close: that port comes from the kernel's ephemeral range (32768+), where
 * the next `listen(0)` of a test running side by side, or a client socket, can take it before the
 * child listens on it; the child then fails to start while the other server answers at its
 * address (seen in CI: two cluster files side by side, one file's instance "ready" at a port
 * another file's instance held, registering a user that file already had: 409). Each test process
 * takes ports from a block of its own below that range, in order, each checked free first.
 */
import { createServer } from 'node:net';

const FIRST = 20_000;
const LAST = 32_000; // below the kernel's ephemeral ports (/proc/sys/net/ipv4/ip_local_port_range)
const BLOCK = 64;
/** This process's next port: its block, by pid (worker processes' pids are apart, so are their blocks). */
let next = FIRST + (process.pid % Math.floor((LAST - FIRST) / BLOCK)) * BLOCK;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < LAST - FIRST; tries++) {
    const port = next;
    next = next + 1 >= LAST ? FIRST : next + 1;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${FIRST} and ${LAST}`);
}
