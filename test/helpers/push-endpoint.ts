/**
 * A local Web Push service for tests: an https server on 127.0.0.1 (its certificate made
 * with the openssl CLI at start, given to the app as a trusted CA) that takes the push
 * service's POST and DECRYPTS the aes128gcm body with the subscription's private key and
 * auth secret (RFC 8291 over RFC 8188), as a browser would. It can also answer as a hostile
 * push service would: an endless body, or one that trickles.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCert } from './test-cert.js';

export interface ReceivedPush {
  /** Which subscription it was for (the name given to `subscription()`). */
  name: string;
  payload: unknown;
  /** The VAPID public key (`k=`) the sender signed with; the signature was checked. */
  vapidKey: string;
  ttl: string | undefined;
}

/**
 * How an answer's body goes: none; `flood`, FLOOD_BYTES as fast as the client reads (endless
 * for a client that should stop long before); `drip`, one byte every DRIP_MS for ever.
 */
export type AnswerBody = 'none' | 'flood' | 'drip';
export const FLOOD_BYTES = 32 * 1024 * 1024;
export const DRIP_MS = 50;

/** One answer's body as the service sent it. */
export interface SentAnswer {
  name: string;
  /** Bytes of body handed to the connection before it ended or closed. */
  bytes: number;
  /** The whole body went out (false: the client hung up first). */
  complete: boolean;
}

export interface PushEndpoint {
  /** A fresh subscription (its own path and keys), as PushSubscription.toJSON() gives it. */
  subscription(name: string): { endpoint: string; keys: { p256dh: string; auth: string } };
  /** Makes pushes to `name` answer this status (e.g. 410 Gone) instead of 201, after `delayMs`, with this body. */
  answer(name: string, status: number, delayMs?: number, body?: AnswerBody): void;
  /** The bodies of answers that had one (`flood`, `drip`), once their connection ended. */
  sent: SentAnswer[];
  /** TLS connections the service accepted. */
  connections(): number;
  /** The most requests this service had open at once. */
  maxInFlight(): number;
  received: ReceivedPush[];
  /** Requests that could not be decrypted or verified (should stay empty). */
  failures: string[];
  ca: string;
  close(): Promise<void>;
}

interface Sub {
  ecdh: ECDH;
  auth: Buffer;
  status: number;
  delayMs: number;
  body: AnswerBody;
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const { key, cert } = selfSignedCert();
  const subs = new Map<string, Sub>();
  const received: ReceivedPush[] = [];
  const failures: string[] = [];
  const sent: SentAnswer[] = [];
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
      const sub = subs.get(name);
      if (req.method !== 'POST' || !sub) return res.writeHead(404).end();
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${String(req.headers['content-encoding'])}`);
        const vapidKey = checkVapid(String(req.headers.authorization ?? ''), `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
        const payload = JSON.parse(decrypt(Buffer.concat(chunks), sub).toString('utf8')) as unknown;
        received.push({ name, payload, vapidKey, ttl: req.headers.ttl as string | undefined });
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        return res.writeHead(400).end();
      }
      setTimeout(() => {
        if (sub.body === 'none') return res.writeHead(sub.status).end();
        res.writeHead(sub.status);
        const answer: SentAnswer = { name, bytes: 0, complete: false };
        res.on('close', () => sent.push(answer));
        if (sub.body === 'drip') {
          const drip = setInterval(() => {
            res.write('.');
            answer.bytes++;
          }, DRIP_MS);
          return res.on('close', () => clearInterval(drip));
        }
        const chunk = Buffer.alloc(64 * 1024, 97);
        const flood = () => {
          while (!res.destroyed) {
            if (answer.bytes >= FLOOD_BYTES) return res.end(() => (answer.complete = true));
            answer.bytes += chunk.length;
            if (!res.write(chunk)) return res.once('drain', flood);
          }
        };
        flood();
      }, sub.delayMs);
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    subscription(name) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(name, { ecdh, auth, status: 201, delayMs: 0, body: 'none' });
      return { endpoint: `${base}/push/${encodeURIComponent(name)}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(name, status, delayMs = 0, body = 'none') {
      Object.assign(subs.get(name)!, { status, delayMs, body });
    },
    sent,
    connections: () => connections,
    maxInFlight: () => maxInFlight,
    received,
    failures,
    ca: cert,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** RFC 8291 §3.4 / RFC 8188 §2: one record, header salt(16) rs(4) idlen(1) keyid(sender's public key). */
function decrypt(body: Buffer, sub: Sub): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const senderPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const receiverPublic = sub.ecdh.getPublicKey();
  const ecdhSecret = sub.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverPublic, senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, sub.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // Last record: content, then the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; the JWT's audience is the push service's origin. */
function checkVapid(header: string, audience: string): string {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!m) throw new Error(`bad Authorization header: ${header.slice(0, 30)}`);
  const [h, p, s] = m[1]!.split('.');
  const pub = Buffer.from(m[2]!, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as { aud: string; exp: number; sub: string };
  if (claims.aud !== audience) throw new Error(`VAPID aud ${claims.aud} is not ${audience}`);
  return m[2]!;
}
