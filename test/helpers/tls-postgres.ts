/**
 * The test PostgreSQL behind a front that speaks TLS, as a server with `ssl = on` does: a
 * client's SSLRequest is answered 'S', TLS is ended here (a self-signed certificate: connect
 * with `sslmode=no-verify`) and the plain protocol goes on to PostgreSQL. `refuseTls()` plays
 * the server coming back without SSL (a restart with `ssl = off`, a failover to a replica
 * set up without it): the open connections drop, and every new SSLRequest is answered 'N'.
 * Loopback only.
 */
import net from 'node:net';
import tls from 'node:tls';
import { selfSignedCert } from './test-cert.js';

export interface TlsPostgres {
  readonly port: number;
  /** The certificate new connections are shown (PEM), for a client that verifies it (`sslrootcert`). */
  readonly cert: string;
  /** Drops every connection and answers new ones "no SSL here" ('N'). */
  refuseTls(): void;
  /** Drops every connection and shows new ones another certificate (one the client does not trust). */
  newCertificate(): void;
  close(): Promise<void>;
}

/** The SSLRequest message: length 8, then the code 1234 5679 (PostgreSQL protocol, 53.2.10). */
const SSL_REQUEST_CODE = 80877103;

export async function startTlsPostgres(pgHost: string, pgPort: number): Promise<TlsPostgres> {
  let { key, cert } = selfSignedCert();
  const first = cert;
  const open = new Set<net.Socket>();
  let refusing = false;
  const track = (s: net.Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    client.once('data', (first: Buffer) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST_CODE) return void client.destroy();
      if (refusing) return void client.write('N');
      client.write('S');
      const secure = new tls.TLSSocket(client, { isServer: true, key, cert });
      const upstream = net.connect(pgPort, pgHost);
      track(secure);
      track(upstream);
      secure.pipe(upstream);
      upstream.pipe(secure);
      secure.on('close', () => upstream.destroy());
      upstream.on('close', () => secure.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cert: first,
    newCertificate() {
      ({ key, cert } = selfSignedCert());
      for (const s of open) s.destroy();
    },
    refuseTls() {
      refusing = true;
      for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
