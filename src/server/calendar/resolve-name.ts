/**
 * Resolves the host names users give Beacon to connect to (calendar feeds, push endpoints) with
 * DNS queries Beacon sends itself (c-ares: node:dns's Resolver), never with getaddrinfo
 * (dns.lookup). getaddrinfo holds a thread of libuv's pool for as long as the name's DNS servers
 * take to answer, with no deadline of ours, and libuv runs at most two such lookups at once for
 * the whole process: found from outside, four accounts whose push endpoints named hosts under a
 * DNS server that never answers made every lookup of the instance queue behind theirs (each
 * ~20 s): no other user's push went out, every calendar fetch failed "took too long to answer",
 * the refresh's included, and a database or Redis host named in its URL would have waited too.
 * Here a query times out (RESOLVE_TIMEOUT_MS a try, RESOLVE_TRIES tries) and, while it waits,
 * holds a UDP socket, no thread. The hosts file is not read (the names are public ones):
 * `localhost` and `*.localhost` are loopback (RFC 6761), as the system would say.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** How long one try of a query waits for the DNS server (c-ares doubles it for later tries). */
export const RESOLVE_TIMEOUT_MS = 2000;
export const RESOLVE_TRIES = 2;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

let shared: dns.Resolver | null = null;

/** The resolver for these DNS servers (`host[:port]`, tests), or the system's (resolv.conf), shared. */
export function resolverFor(servers?: readonly string[]): dns.Resolver {
  const options = { timeout: RESOLVE_TIMEOUT_MS, tries: RESOLVE_TRIES };
  if (!servers) return (shared ??= new dns.Resolver(options));
  const resolver = new dns.Resolver(options);
  resolver.setServers(servers);
  return resolver;
}

/** Every IPv4 and IPv6 address of the name (an address resolves to itself); rejects as DNS does when it has none. */
export async function resolveName(hostname: string, resolver: dns.Resolver): Promise<ResolvedAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family !== 0) return [{ address: bare, family: family as 4 | 6 }];
  const name = bare.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
  }
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const list: ResolvedAddress[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (list.length > 0) return list;
  throw v4.status === 'rejected' ? v4.reason : Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}
