/**
 * A DNS server on loopback UDP for tests of name resolution: answers A and AAAA queries from a
 * table, NXDOMAIN for names it does not know, and nothing at all for names `silent` matches
 * (a DNS server that never answers, as an attacker's may). Counts the queries it got per name.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface DnsServer {
  /** `127.0.0.1:<port>`, for Resolver.setServers. */
  server: string;
  queries: Map<string, number>;
  close(): Promise<void>;
}

const A = 1;
const AAAA = 28;

export async function startDnsServer(records: Record<string, string[]>, silent: RegExp = /^$/): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const queries = new Map<string, number>();
  socket.on('message', (msg, from) => {
    // The question: labels from byte 12, then QTYPE and QCLASS.
    const labels: string[] = [];
    let at = 12;
    while (msg[at]! > 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]!).toString('latin1'));
      at += msg[at]! + 1;
    }
    const name = labels.join('.').toLowerCase();
    const type = msg.readUInt16BE(at + 1);
    const question = msg.subarray(12, at + 5);
    queries.set(name, (queries.get(name) ?? 0) + 1);
    if (silent.test(name)) return;
    const known = records[name];
    const answers = (known ?? []).filter((a) => (type === A ? !a.includes(':') : type === AAAA && a.includes(':')));
    const head = Buffer.alloc(12);
    msg.copy(head, 0, 0, 2);
    head.writeUInt16BE(known ? 0x8180 : 0x8183, 2); // an answer, recursion available; NXDOMAIN for unknown names
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((address) => {
      const data = type === A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(type, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    socket.send(Buffer.concat([head, question, ...rrs]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
