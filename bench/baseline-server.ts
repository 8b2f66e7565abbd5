/**
 * The baseline: a bare `ws` server with no presence logic. It speaks just enough of
 * the /ws/status contract for the generator (auth → ready, heartbeat → heartbeat_ack,
 * set_status/activity → friend_status_change to the same friends' sockets and
 * status_update to the user's own) with frames shaped and sized like Beacon's, over
 * the same seeded graph. Tokens are not verified: only the JWT's `sub` is read.
 *
 * Env: BASELINE_PORT, BASELINE_USERS, BASELINE_FRIENDS, BASELINE_SEED, BASELINE_COMPRESSION=on|off.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { buildGraph, friendsOf } from './graph.js';

const port = Number(process.env.BASELINE_PORT ?? 0);
const users = Number(process.env.BASELINE_USERS ?? 0);
const graph = buildGraph(users, Number(process.env.BASELINE_FRIENDS ?? 0), Number(process.env.BASELINE_SEED ?? 1));
const HEARTBEAT_MS = 25_000;

interface Conn {
  ws: WebSocket;
  seq: number;
}
interface UserState {
  conns: Conn[];
  status: string;
  activity: string | null;
  message: string | null;
  lastSeen: string | null;
  /** When the current activity started (ms), or null. */
  activitySince: number | null;
  timestamp: string;
}

/** User id = graph index + 1, as the bench seeds Beacon. */
const state: UserState[] = Array.from({ length: users }, () => ({
  conns: [],
  status: 'offline',
  activity: null,
  message: null,
  lastSeen: null,
  activitySince: null,
  timestamp: new Date().toISOString(),
}));

/**
 * The fields Beacon's views carry beyond CONTRACT.md's, with the values a plain friend sees
 * in the bench (no details, no approximate last seen, the activity's start to the minute;
 * exact for the user's own view), so that every frame has Beacon's shape and size.
 */
function since(u: UserState, exact: boolean): string | null {
  if (u.activitySince === null) return null;
  return new Date(exact ? u.activitySince : u.activitySince - (u.activitySince % 60_000)).toISOString();
}

function view(i: number, exact = false) {
  const u = state[i]!;
  return {
    user_id: i + 1,
    username: `bench_${i}`,
    display_name: `Bench User ${i}`,
    status: u.status,
    activity: u.activity,
    custom_message: u.message,
    last_seen: u.lastSeen,
    timestamp: u.timestamp,
    activity_details: null,
    activity_since: since(u, exact),
    last_seen_approx: null,
  };
}

/** The friend_status_change body after `seq`, shared by every recipient (Beacon's keys, in Beacon's order). */
function changeTail(i: number): string {
  const u = state[i]!;
  return `,${JSON.stringify({
    friend_id: i + 1,
    status: u.status,
    activity: u.activity,
    custom_message: u.message,
    last_seen: u.lastSeen,
    last_seen_approx: null,
    activity_details: null,
    activity_since: since(u, false),
    timestamp: u.timestamp,
  }).slice(1)}`;
}

function fanOut(i: number): void {
  const u = state[i]!;
  u.timestamp = new Date().toISOString();
  const tail = changeTail(i);
  for (const f of friendsOf(graph, i)) {
    for (const c of state[f]!.conns) c.ws.send(`{"type":"friend_status_change","seq":${++c.seq}${tail}`);
  }
  const own = JSON.stringify({
    user_id: i + 1,
    status: u.status,
    activity: u.activity,
    custom_message: u.message,
    activity_details: null,
    activity_since: since(u, true),
    timestamp: u.timestamp,
  }).slice(1);
  for (const c of u.conns) c.ws.send(`{"type":"status_update","seq":${++c.seq},${own}`);
}

function userIndexOf(token: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: unknown };
    const i = Number(payload.sub) - 1;
    return Number.isInteger(i) && i >= 0 && i < users ? i : null;
  } catch {
    return null;
  }
}

function onFrame(conn: Conn, i: number | null, text: string): number | null {
  let f: { type?: unknown; token?: unknown; status?: unknown; activity?: unknown; custom_message?: unknown };
  try {
    f = JSON.parse(text) as typeof f;
  } catch {
    conn.ws.send(JSON.stringify({ type: 'error', code: 'BAD_FRAME', message: 'not JSON' }));
    return i;
  }
  if (i === null) {
    const idx = f.type === 'auth' && typeof f.token === 'string' ? userIndexOf(f.token) : null;
    if (idx === null) {
      conn.ws.close(4401, 'unauthorized');
      return null;
    }
    const u = state[idx]!;
    u.conns.push(conn);
    // As in Beacon, a user online with no declared activity is browsing, since the moment they came.
    if (u.status === 'offline' && u.activity === null) {
      u.activity = 'browsing';
      u.activitySince = Date.now();
    }
    const friends = Array.from(friendsOf(graph, idx), (f) => view(f));
    conn.ws.send(JSON.stringify({ type: 'ready', session_id: randomUUID(), heartbeat_interval_ms: HEARTBEAT_MS, self: view(idx, true), friends }));
    if (u.status === 'offline') {
      u.status = 'online';
      fanOut(idx);
    }
    return idx;
  }
  const u = state[i]!;
  if (f.type === 'heartbeat') conn.ws.send('{"type":"heartbeat_ack"}');
  else if (f.type === 'set_status' && typeof f.status === 'string') {
    u.status = f.status;
    u.message = typeof f.custom_message === 'string' ? f.custom_message : null;
    fanOut(i);
  } else if (f.type === 'activity' && typeof f.activity === 'string') {
    u.activity = f.activity;
    u.activitySince = Date.now();
    fanOut(i);
  }
  return i;
}

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(req.url === '/healthz' ? '{"status":"ok"}' : '{"code":"NOT_FOUND","message":"not found"}');
});
const wss = new WebSocketServer({ server, path: '/ws/status', perMessageDeflate: process.env.BASELINE_COMPRESSION === 'on' });
wss.on('connection', (ws) => {
  const conn: Conn = { ws, seq: 0 };
  let user: number | null = null;
  ws.on('message', (data: Buffer) => {
    user = onFrame(conn, user, data.toString());
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    if (user === null) return;
    const u = state[user]!;
    u.conns = u.conns.filter((c) => c !== conn);
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
