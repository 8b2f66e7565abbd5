/**
 * A TCP proxy to a test service (PostgreSQL here) that can play the two ways a server goes
 * away: `cut()` (connections reset, new ones refused: the server is down) and `freeze()`
 * (connections accepted and kept, not one byte forwarded: a network partition or a hung
 * host, where nothing tells the client to give up).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Drops every proxied connection and refuses new ones until restore(). */
  cut(): void;
  /** Forwards nothing any more, on open connections and new ones, until restore(). */
  freeze(): void;
  /** Back to forwarding; connections frozen meanwhile are dropped. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let mode: 'up' | 'cut' | 'frozen' = 'up';
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === 'cut') return void client.destroy();
    if (mode === 'frozen') return;
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.on('data', (d) => void (mode === 'up' && upstream.write(d)));
    upstream.on('data', (d) => void (mode === 'up' && client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
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

/** `url` (a postgres://… URL) going through `proxy` instead. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
