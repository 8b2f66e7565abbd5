/**
 * Names users give (calendar feeds, push endpoints) are resolved by DNS queries of Beacon's own
 * (resolve-name.ts), never by getaddrinfo. Found from outside: getaddrinfo holds a thread of
 * libuv's pool while a name's DNS server is silent (~20 s), and libuv runs two such lookups at
 * once for the whole process; four accounts' push endpoints under a silent DNS server queued
 * every lookup of the instance behind theirs: no other push went out, every calendar fetch
 * failed. Here getaddrinfo is stood in for by a lookup that never answers for `*.silent.test`
 * (and counts the threads it would hold); the real resolver asks a test DNS server.
 */
import type * as NodeDns from 'node:dns';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { fetchFeed } from '../../../src/server/calendar/safe-fetch.js';
import { resolveName, resolverFor } from '../../../src/server/calendar/resolve-name.js';
import { PushSender } from '../../../src/server/notifications/push-sender.js';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server.js';
import { startPushEndpoint } from '../../helpers/push-endpoint.js';

const getaddrinfo = vi.hoisted(() => ({ held: [] as string[] }));
vi.mock('node:dns', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeDns>();
  const lookup = ((hostname: string, ...rest: unknown[]) => {
    // A DNS server that never answers: the pool's thread stays taken, the callback never comes.
    if (hostname.endsWith('.silent.test')) return void getaddrinfo.held.push(hostname);
    return (actual.lookup as (...a: unknown[]) => void)(hostname, ...rest);
  }) as typeof actual.lookup;
  return { ...actual, lookup, default: { ...actual, lookup } };
});

describe('resolving the names users give', () => {
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await startDnsServer(
      {
        'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
        'v6only.test': ['2606:4700:4700::1111'],
        'loopback.test': ['127.0.0.1'],
        'mixed.test': ['93.184.216.34', '10.0.0.1'],
      },
      /\.silent\.test$/,
    );
  });
  afterAll(() => dns.close());

  it('answers every IPv4 and IPv6 address of a name, loopback for localhost, and fails as DNS does for an unknown name', async () => {
    const resolver = resolverFor([dns.server]);
    expect(await resolveName('public.test', resolver)).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    expect(await resolveName('V6ONLY.test.', resolver)).toEqual([{ address: '2606:4700:4700::1111', family: 6 }]);
    expect(await resolveName('a.localhost', resolver)).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await resolveName('[::1]', resolver)).toEqual([{ address: '::1', family: 6 }]);
    await expect(resolveName('nobody.test', resolver)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses a feed whose name has any private address, and reads one from a local server when allowed', async () => {
    const policy = { allowLocal: false, maxBytes: 1024, timeoutMs: 2000, dnsServers: [dns.server] };
    await expect(fetchFeed('https://loopback.test:1/feed.ics', policy)).rejects.toThrow('private network');
    await expect(fetchFeed('https://mixed.test:1/feed.ics', policy)).rejects.toThrow('private network');
    await expect(fetchFeed('https://nobody.test/feed.ics', policy)).rejects.toThrow('could not be reached');
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(200).end('BEGIN:VCALENDAR'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      expect(await fetchFeed(`http://loopback.test:${port}/feed.ics`, { ...policy, allowLocal: true })).toBe('BEGIN:VCALENDAR');
    } finally {
      server.close();
    }
  });

  it('holds no thread of the pool for a name whose DNS server never answers: calendar fetches and pushes fail at their deadline', async () => {
    getaddrinfo.held.length = 0;
    const policy = { allowLocal: false, maxBytes: 1024, timeoutMs: 800, dnsServers: [dns.server] };
    const started = performance.now();
    const fetches = Array.from({ length: 8 }, (_, i) => fetchFeed(`https://feed${i}.silent.test/cal.ics`, policy).catch((err: Error) => err.message));
    const warnings: unknown[] = [];
    const log = { warn: (obj: unknown) => warnings.push(obj), info: () => {}, error: () => {}, debug: () => {} } as unknown as FastifyBaseLogger;
    const push = await startPushEndpoint();
    const sender = new PushSender({
      vapid: { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' },
      concurrency: 4,
      timeoutMs: 800,
      allowLocal: false,
      log,
      onGone: async () => {},
      dnsServers: [dns.server],
    });
    try {
      const sub = push.subscription('victim');
      for (let i = 0; i < 4; i++) sender.send(i, { endpoint: `https://push${i}.silent.test/push/x`, p256dh: sub.keys.p256dh, auth: sub.keys.auth }, '{}');
      expect(await Promise.all(fetches)).toEqual(Array<string>(8).fill('The calendar took too long to answer'));
      await sender.idle();
    } finally {
      sender.close();
      await push.close();
    }
    expect(performance.now() - started).toBeLessThan(3000);
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w).toMatchObject({ reason: 'the push service took too long to answer' });
    // getaddrinfo was never asked (no thread of the pool taken: with it, 12 here); the DNS server was.
    expect(getaddrinfo.held).toEqual([]);
    expect(dns.queries.get('feed0.silent.test')).toBeGreaterThan(0);
    expect(dns.queries.get('push0.silent.test')).toBeGreaterThan(0);
  });
});
