/**
 * A stand-in for someone else's site: its own page (no Beacon CSS, a stylesheet of its own)
 * on its own port, with Beacon mounted under /beacon by a plain reverse proxy (HTTP and
 * WebSocket), the way a host app embeds it. Only the test decides what the page contains.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

export interface HostSite {
  readonly baseUrl: string;
  close(): Promise<void>;
}

const PREFIX = '/beacon';

/** Serves `html` at `/` and proxies `/beacon/*` to the Beacon at `beaconPort` (prefix removed). */
export async function startHostSite(port: number, beaconPort: number, html: string): Promise<HostSite> {
  const sockets = new Set<Duplex>();
  const server: Server = createServer((req, res) => {
    if (!req.url?.startsWith(`${PREFIX}/`)) {
      res.writeHead(req.url === '/' || req.url?.startsWith('/?') ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.url === '/' || req.url?.startsWith('/?') ? html : 'not found');
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: beaconPort, method: req.method, path: req.url.slice(PREFIX.length), headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith(`${PREFIX}/`)) return socket.destroy();
    const upstream = connect(beaconPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url?.slice(PREFIX.length)} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        socket.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
