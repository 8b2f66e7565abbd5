/** Starts the Pong site with Beacon embedded or as a sidecar, and talks to both like a browser would. */
import WebSocket from 'ws';
import { mountBeacon } from '../src/beacon-embedded.js';
import { startSidecar } from '../src/beacon-sidecar.js';
import { SiteTokens } from '../src/site-auth.js';
import { SiteDb } from '../src/site-db.js';
import { buildSite, type BeaconLink } from '../src/site.js';

export type Mode = 'embedded' | 'sidecar';
export const GRACE_MS = 500;
const SECRET = 'pong-site-test-secret-0123456789';

export interface Frame {
  type: string;
  [k: string]: unknown;
}

export async function startPongSite(mode: Mode) {
  const db = new SiteDb();
  const tokens = new SiteTokens(SECRET);
  let link: (BeaconLink & { close?: () => Promise<void> }) | null = null;
  const site = buildSite({ db, tokens, beacon: () => link! });
  if (mode === 'embedded') link = await mountBeacon(site, db, tokens, { databaseUrl: 'sqlite::memory:', logLevel: 'silent', offlineGraceMs: GRACE_MS, batchWindowMs: 0 });
  const siteUrl = await site.listen({ port: 0, host: '127.0.0.1' });
  if (mode === 'sidecar') {
    link = await startSidecar({
      db,
      jwtSecret: SECRET,
      serviceToken: 'pong-service-token-0123456789',
      siteOrigin: siteUrl,
      databaseUrl: 'sqlite::memory:',
      env: { BEACON_OFFLINE_GRACE_MS: String(GRACE_MS), BEACON_BATCH_WINDOW_MS: '0', BEACON_LOG_LEVEL: 'silent', BEACON_RATE_LIMITS: 'off' },
    });
  }
  const beaconUrl = mode === 'embedded' ? `${siteUrl}/beacon` : link!.url;
  const sockets: WebSocket[] = [];

  const siteCall = async (path: string, token: string | null, body?: unknown, method = 'POST') => {
    const res = await fetch(`${siteUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>) };
  };

  return {
    siteUrl,
    beaconUrl,
    /** Registers on the site (its own login) and returns its token and id. */
    async register(name: string) {
      const res = await siteCall('/api/register', null, { name, password: 'a-long-password' });
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status}`);
      return { token: res.body!.token as string, id: (res.body!.user as { id: number }).id };
    },
    siteCall,
    /** Beacon's REST API, with a site token. */
    beaconCall(path: string, token: string, body?: unknown, method = 'PUT') {
      return fetch(`${beaconUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    /** Opens Beacon's socket with a site token; resolves with the socket and its frames. */
    async connect(token: string, origin?: string) {
      const ws = new WebSocket(`${beaconUrl.replace(/^http/, 'ws')}/ws/status`, origin ? { headers: { origin } } : {});
      sockets.push(ws);
      const frames: Frame[] = [];
      let closed: number | null = null;
      const waiters = new Set<() => void>();
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as Frame;
        frames.push(...(f.type === 'batch' ? (f.messages as Frame[]) : [f]));
        for (const w of waiters) w();
      });
      ws.on('close', (code) => {
        closed = code;
        for (const w of waiters) w();
      });
      ws.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      });
      ws.send(JSON.stringify({ type: 'auth', token }));
      const socket = {
        ws,
        frames,
        closed: () => closed,
        mark: () => frames.length,
        /** The first frame matching `pred` at index `from` or later (default: from now on). */
        async next(pred: (f: Frame) => boolean, from = frames.length, timeoutMs = 3000): Promise<Frame> {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = frames.slice(from).find(pred);
            if (found) return found;
            if (closed !== null) throw new Error(`socket closed with ${closed}`);
            if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames.slice(from))}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, 50);
              waiters.add(() => {
                clearTimeout(t);
                r();
              });
            });
          }
        },
        async waitClose(timeoutMs = 3000): Promise<number> {
          const deadline = Date.now() + timeoutMs;
          while (closed === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          return closed ?? -1;
        },
      };
      return socket;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await site.close();
      await link?.close?.();
      db.close();
    },
  };
}

export const changeOf = (friendId: number, status: string) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === friendId && f.status === status;
