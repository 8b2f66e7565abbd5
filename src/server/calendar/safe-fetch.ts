/**
 * Fetches a user's calendar feed without letting the URL reach inside our network: https
 * only, every address the name resolves to must be public (the connection uses the address
 * that was checked, so DNS rebinding cannot swap it; names are resolved without getaddrinfo,
 * resolve-name.ts), redirects are re-checked the same way
 * (at most 3), the body is capped and the whole fetch has a deadline. `allowLocal` lifts the
 * address and scheme rules for a local test server (BEACON_CALENDAR_ALLOW_LOCAL).
 */
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { resolveName, resolverFor } from './resolve-name.js';

export interface FetchPolicy {
  allowLocal: boolean;
  maxBytes: number;
  timeoutMs: number;
  /** DNS servers to ask (`host[:port]`; tests); default the system's. */
  dnsServers?: readonly string[];
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = { allowLocal: false, maxBytes: 2 * 1024 * 1024, timeoutMs: 10_000 };
const MAX_REDIRECTS = 3;

/** A feed could not be fetched; `message` is safe to show the user (it never contains the URL). */
export class FeedError extends Error {
  /** `heavy`: the reader gave up on the feed (too slow, too much memory) after spending seconds on it. */
  constructor(
    message: string,
    readonly heavy = false,
  ) {
    super(message);
  }
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** Whether an address is loopback, private, link-local, reserved or otherwise not on the public Internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

/**
 * Resolves a name (by DNS queries of Beacon's own, never getaddrinfo: resolve-name.ts) and refuses
 * it when any of its addresses is private (push delivery uses it too).
 */
export function guardedLookup(allowLocal: boolean, refused = 'The calendar address points to a private network', dnsServers?: readonly string[]): LookupFunction {
  const resolver = resolverFor(dnsServers);
  return (hostname, options, callback) => {
    resolveName(hostname, resolver).then(
      (all) => {
        const family = (options as { family?: number }).family;
        const list = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (!allowLocal && (list.length === 0 || all.some((a) => isPrivateAddress(a.address)))) {
          return callback(new FeedError(refused), '', 4);
        }
        if (list.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
        const first = list[0]!;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

/** The feed's text. Throws FeedError with a message fit for the user. */
export async function fetchFeed(rawUrl: string, policy: FetchPolicy = DEFAULT_FETCH_POLICY): Promise<string> {
  const deadline = Date.now() + policy.timeoutMs;
  let url = parseUrl(rawUrl, policy);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(url, policy, deadline);
    if (res.kind === 'body') return res.text;
    url = parseUrl(new URL(res.location, url).toString(), policy);
  }
  throw new FeedError('The calendar address redirects too many times');
}

function parseUrl(raw: string, policy: FetchPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FeedError('The calendar address is not a valid URL');
  }
  if (url.protocol === 'webcal:') url = new URL(`https:${url.href.slice('webcal:'.length)}`);
  if (url.protocol !== 'https:' && !(policy.allowLocal && url.protocol === 'http:')) throw new FeedError('The calendar address must use https');
  if (url.username || url.password) throw new FeedError('The calendar address must not contain a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !policy.allowLocal && isPrivateAddress(host)) throw new FeedError('The calendar address points to a private network');
  return url;
}

type Answer = { kind: 'body'; text: string } | { kind: 'redirect'; location: string };

/**
 * One hop of the fetch. The deadline is a timer over the whole hop (name lookup, connection,
 * headers and body): a socket timeout only measures idleness, and a feed trickling a byte a
 * second kept a fetch (and the PUT or refresh round waiting on it) going for days.
 */
function request(url: URL, policy: FetchPolicy, deadline: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const left = deadline - Date.now();
    if (left <= 0) return reject(new FeedError('The calendar took too long to answer', true));
    const client = url.protocol === 'https:' ? https : http;
    let res: http.IncomingMessage | null = null;
    const timer = setTimeout(() => fail(new FeedError('The calendar took too long to answer', true)), left);
    const done = (answer: Answer) => {
      clearTimeout(timer);
      resolve(answer);
    };
    /** Settles with the error and closes the connection, response and all (a later error is ignored). */
    const fail = (err: FeedError) => {
      clearTimeout(timer);
      reject(err);
      res?.destroy();
      req.destroy();
    };
    const req = client.get(url, { lookup: guardedLookup(policy.allowLocal, undefined, policy.dnsServers), headers: { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Beacon calendar' } }, (answer) => {
      res = answer;
      const status = answer.statusCode ?? 0;
      if (status >= 300 && status < 400 && answer.headers.location) {
        answer.resume();
        return done({ kind: 'redirect', location: answer.headers.location });
      }
      if (status !== 200) {
        answer.resume();
        return fail(new FeedError(`The calendar answered HTTP ${status}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > policy.maxBytes) return fail(new FeedError(`The calendar is larger than ${Math.round(policy.maxBytes / 1024)} KiB`));
        chunks.push(chunk);
      });
      answer.on('end', () => done({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') }));
      answer.on('error', () => fail(new FeedError('The calendar connection failed')));
    });
    req.on('error', (err) => fail(err instanceof FeedError ? err : new FeedError('The calendar could not be reached')));
  });
}
