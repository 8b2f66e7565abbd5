/**
 * A TCP proxy in front of a test service (PostgreSQL, Redis, a Beacon the browser talks to) that
 * plays the ways a network or a server goes away:
 * - `cut()`: connections closed, new ones refused (the server is down, a short blip);
 * - `freeze()`: connections accepted and kept, not one byte forwarded, open ones and new ones
 *   alike (a network partition or a hung host, where nothing tells the client to give up);
 * - `killPaths()`: the connections open now forward nothing and never close (no FIN, no RST: a
 *   lost network, a NAT that forgot them), while new connections pass.
 * The e2e suites (sleep-wake, connection-loss) and the outage suites share it.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Drops every proxied connection and refuses new ones until restore(). */
  cut(): void;
  /** Forwards nothing any more, on open connections and new ones, until restore(). */
  freeze(): void;
  /** The connections open now become black holes that never close; new ones still pass. */
  killPaths(): void;
  /** Back to forwarding; connections frozen meanwhile are dropped. */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  dead: boolean;
}

/**
 * `targetPort`: a number, or a function read at each connection (a proxy whose address must be
 * known before the server behind it starts, e.g. to allow it as an origin). `listenPort`: 0 for
 * any free port.
 */
export async function startTcpProxy(targetHost: string, targetPort: number | (() => number), listenPort = 0): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const refused = new Set<net.Socket>();
  let mode: 'up' | 'cut' | 'frozen' = 'up';
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    if (mode === 'cut') return void client.destroy();
    if (mode === 'frozen') {
      refused.add(client);
      client.on('close', () => refused.delete(client));
      return;
    }
    const upstream = net.connect(typeof targetPort === 'number' ? targetPort : targetPort(), targetHost);
    const pair: Pair = { client, upstream, dead: false };
    pairs.add(pair);
    const passes = (): boolean => mode === 'up' && !pair.dead;
    client.on('data', (d) => void (passes() && upstream.write(d)));
    upstream.on('data', (d) => void (passes() && client.write(d)));
    const end = (): void => {
      upstream.destroy();
      // A dead path carries no close either: the client is never told.
      if (!pair.dead) client.destroy();
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const dropAll = (): void => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    for (const s of refused) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      mode = 'cut';
      dropAll();
    },
    freeze: () => {
      mode = 'frozen';
    },
    killPaths: () => {
      for (const p of pairs) p.dead = true;
    },
    restore: () => {
      if (mode === 'frozen') dropAll();
      mode = 'up';
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` (a postgres:// or redis:// URL) going through `proxy` instead. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
