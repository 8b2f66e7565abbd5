/** Fetching calendar feeds safely, against a local test server. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchFeed, isPrivateAddress } from '../../../src/server/calendar/safe-fetch.js';

const feed = readFileSync(new URL('../../fixtures/calendar.ics', import.meta.url), 'utf8');
const local = { allowLocal: true, maxBytes: 64 * 1024, timeoutMs: 2000 };

describe('fetchFeed', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/feed.ics') return res.writeHead(200, { 'content-type': 'text/calendar' }).end(feed);
      if (req.url === '/big.ics') return res.writeHead(200).end('x'.repeat(100 * 1024));
      if (req.url === '/slow.ics') return; // never answers
      if (req.url === '/drip.ics') {
        // Answers at once, then a byte every 30 ms, forever: never idle for long.
        res.writeHead(200, { 'content-type': 'text/calendar' });
        const timer = setInterval(() => res.write(' '), 30);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/gone.ics') return res.writeHead(404).end();
      const hop = /^\/hop(\d+)$/.exec(req.url ?? '');
      if (hop) return res.writeHead(302, { location: Number(hop[1]) > 0 ? `/hop${Number(hop[1]) - 1}` : '/feed.ics' }).end();
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses by default what is not https, and https addresses in private ranges, by name or by number', async () => {
    await expect(fetchFeed(`${base}/feed.ics`)).rejects.toThrow('must use https');
    await expect(fetchFeed('https://127.0.0.1:1/feed.ics')).rejects.toThrow('private network');
    await expect(fetchFeed('https://[::1]:1/feed.ics')).rejects.toThrow('private network');
    await expect(fetchFeed('https://localhost:1/feed.ics')).rejects.toThrow('private network');
    await expect(fetchFeed('https://user:pw@example.com/feed.ics')).rejects.toThrow('user name or password');
    await expect(fetchFeed('not a url')).rejects.toThrow('not a valid URL');
  });

  it('fetches a feed from a local test server when allowed', async () => {
    expect(await fetchFeed(`${base}/feed.ics`, local)).toBe(feed);
  });

  it('follows at most 3 redirects', async () => {
    expect(await fetchFeed(`${base}/hop2`, local)).toBe(feed);
    await expect(fetchFeed(`${base}/hop3`, local)).rejects.toThrow('redirects too many times');
  });

  it('caps the size, the time and the status', async () => {
    await expect(fetchFeed(`${base}/big.ics`, local)).rejects.toThrow('larger than 64 KiB');
    const started = Date.now();
    await expect(fetchFeed(`${base}/slow.ics`, { ...local, timeoutMs: 300 })).rejects.toThrow('too long');
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetchFeed(`${base}/gone.ics`, local)).rejects.toThrow('HTTP 404');
  });

  it('gives up on a feed that trickles at its deadline: the deadline covers the whole fetch, not idleness', async () => {
    // Before, the socket timeout restarted with every byte and this fetch never ended.
    await expect(fetchFeed(`${base}/drip.ics`, { ...local, timeoutMs: 300 })).rejects.toThrow('took too long');
  }, 5000);
});

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'garbage'])(
    '%s is private',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));
});
