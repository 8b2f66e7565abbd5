/**
 * A TCP proxy between the browser and Beacon that a test controls, to play the network: it can
 * kill the path of every open connection without a close (no FIN, no RST: a lost network, a
 * NAT that forgot it), or cut everything for a while (every open connection closed, new ones
 * refused until `restore()`: a short blip).
 */
import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  dead: boolean;
}

export class TcpProxy {
  readonly #pairs = new Set<Pair>();
  #cut = false;
  readonly #server = net.createServer((client) => {
    // Cut: the connection is dropped as soon as it arrives, like a refused one.
    if (this.#cut) return void client.destroy();
    const upstream = net.connect(this.target, '127.0.0.1');
    const pair: Pair = { client, upstream, dead: false };
    this.#pairs.add(pair);
    client.on('data', (d) => void (pair.dead || upstream.write(d)));
    upstream.on('data', (d) => void (pair.dead || client.write(d)));
    const end = (): void => {
      upstream.destroy();
      // A dead path carries no close either: the browser is never told.
      if (!pair.dead) client.destroy();
      this.#pairs.delete(pair);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  /** Beacon's port. */
  target = 0;
  constructor(readonly port: number) {}

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
  }

  /** Every open connection becomes a black hole that never closes; new connections still pass. */
  killPaths(): void {
    for (const p of this.#pairs) p.dead = true;
  }

  /** A blip: every open connection is closed and new ones are dropped at once, until {@link restore}. */
  cut(): void {
    this.#cut = true;
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  restore(): void {
    this.#cut = false;
  }

  close(): void {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#server.close();
  }
}
